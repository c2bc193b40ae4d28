import { unwrap } from "../lib/errors";
import { startCommissionRetry } from "../producers/commission-retry";
import { TransactionMessage, type TransactionCompleted, type TransactionVoided } from "../schemas/messages";

/** Backoff for a message that failed: 2, 4, 8 … seconds from its attempt count, at most 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.max(1, attempts));

/**
 * Consumer of `transactions`. Each message is validated and handled on its own: acked when done,
 * retried with backoff when something failed that may pass, acked into the audit log when it can
 * never be handled (malformed), so one bad message neither blocks nor repeats forever. Every
 * handler is idempotent: messages come at least once and in any order.
 */
export function consumeTransactions(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  return consumeEach(batch, env, (message) => (message.type === "transaction.completed" ? onCompleted(message, env) : onVoided(message, env)));
}

async function consumeEach(batch: MessageBatch<unknown>, env: Env, handle: (message: TransactionMessage) => Promise<void>): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = TransactionMessage.safeParse(message.body);
      if (!parsed.success) {
        await recordRejected(env, batch.queue, message, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
        message.ack();
        return;
      }
      try {
        await handle(parsed.data);
        message.ack();
      } catch (error) {
        console.warn(`${batch.queue} message ${message.id} (attempt ${message.attempts}) failed; retrying`, error);
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

/** The Inventory marks the items sold; the ledger calculates; a failed calculation gets a retry workflow. */
async function onCompleted(message: TransactionCompleted, env: Env) {
  const [sale, calculation] = await Promise.all([
    env.INVENTORY.getByName(message.eventId).applySale(message),
    env.COMMISSION_LEDGER.getByName(message.eventId).recordSale(message),
  ]);
  const outcome = unwrap(sale);
  if (outcome.anomalies.length > 0) {
    console.error(`transaction ${message.transactionId}: two standing sales of an item`, outcome.anomalies);
  }
  const calc = unwrap(calculation);
  if (calc.status === "error") {
    await startCommissionRetry(env, { eventId: message.eventId, transactionId: message.transactionId, round: calc.round });
  }
}

async function onVoided(message: TransactionVoided, env: Env) {
  const [inventory, ledger] = await Promise.all([
    env.INVENTORY.getByName(message.eventId).applyVoid(message),
    env.COMMISSION_LEDGER.getByName(message.eventId).recordVoid(message),
  ]);
  unwrap(inventory);
  unwrap(ledger);
}

/**
 * Consumer of `transactions-dlq`: sales the main consumer gave up on. The calculation is recorded
 * as `error` (DEAD_LETTERED) so it shows and a retry workflow takes it on; the Inventory is told
 * again. Voids are applied again the same way.
 */
export function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  return consumeEach(batch, env, async (message) => {
    if (message.type === "transaction.voided") return onVoided(message, env);
    const calc = unwrap(await env.COMMISSION_LEDGER.getByName(message.eventId).recordDeadLetter(message));
    if (calc.status === "error") await startCommissionRetry(env, { eventId: message.eventId, transactionId: message.transactionId, round: calc.round });
    unwrap(await env.INVENTORY.getByName(message.eventId).applySale(message));
  });
}

/** A message that can never be handled is kept, with why, in the D1 audit log. */
async function recordRejected(env: Env, queue: string, message: Message<unknown>, problems: string[]) {
  const body = message.body as { eventId?: unknown } | null;
  const eventId = typeof body?.eventId === "string" ? body.eventId : null;
  await env.DB.prepare(
    `INSERT OR IGNORE INTO audit_log (id, event_id, source, at, actor, entity, entity_id, action, before, after)
     VALUES (?, ?, ?, ?, 'system:transactions-consumer', 'message', ?, 'rejected', ?, ?)`,
  )
    .bind(`msg:${message.id}`, eventId, `queue:${queue}`, Date.now(), message.id, JSON.stringify(message.body ?? null).slice(0, 100_000), JSON.stringify({ problems }))
    .run();
}
