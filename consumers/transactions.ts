import { unwrap } from "../lib/errors";
import { TransactionMessage, type TransactionCompleted, type TransactionVoided } from "../schemas/messages";

/** Backoff for a message that failed: 2, 4, 8 … seconds from its attempt count, at most 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.max(1, attempts));

/**
 * Consumer of `transactions`. Each message is validated and handled on its own: acked when done,
 * retried with backoff when something failed that may pass, acked into the audit log when it can
 * never be handled (malformed), so one bad message neither blocks nor repeats forever.
 */
export async function consumeTransactions(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = TransactionMessage.safeParse(message.body);
      if (!parsed.success) {
        await recordRejected(env, batch.queue, message, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
        message.ack();
        return;
      }
      try {
        await handle(parsed.data, env);
        message.ack();
      } catch (error) {
        console.warn(`message ${message.id} (attempt ${message.attempts}) failed; retrying`, error);
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

async function handle(message: TransactionMessage, env: Env) {
  switch (message.type) {
    case "transaction.completed":
      return onCompleted(message, env);
    case "transaction.voided":
      return onVoided(message, env);
  }
}

async function onCompleted(message: TransactionCompleted, env: Env) {
  const outcome = unwrap(await env.INVENTORY.getByName(message.eventId).applySale(message));
  if (outcome.anomalies.length > 0) {
    console.error(`transaction ${message.transactionId}: inventory refused some items`, outcome.anomalies);
  }
}

async function onVoided(message: TransactionVoided, env: Env) {
  unwrap(await env.INVENTORY.getByName(message.eventId).applyVoid(message));
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
