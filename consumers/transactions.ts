import { unwrap } from "../lib/errors";
import { startCommissionRetry } from "../producers/commission-retry";
import { SessionMessage, type TransactionMessage, type TransactionVoided } from "../schemas/messages";

/** Backoff for a message that failed: 2, 4, 8 … seconds from its attempt count, at most 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.max(1, attempts));

/**
 * Consumer of `transactions`. Each message is validated on its own: a malformed one can never be
 * handled and is acked into the audit log, so it neither blocks nor repeats forever. The valid
 * ones go, per event, in one call to the Inventory and one to the ledger (each applies the whole
 * group in one SQL transaction); the group is acked when both took it, or retried with backoff
 * when either failed. Both are idempotent and order-independent: messages come at least once and
 * in any order. A sale whose calculation failed gets its retry workflow.
 */
export async function consumeTransactions(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const byEvent = new Map<string, { message: Message<unknown>; body: SessionMessage }[]>();
  for (const message of batch.messages) {
    const parsed = SessionMessage.safeParse(message.body);
    if (!parsed.success) {
      await recordRejected(env, batch.queue, message, issuesOf(parsed.error));
      message.ack();
      continue;
    }
    const group = byEvent.get(parsed.data.eventId) ?? [];
    group.push({ message, body: parsed.data });
    byEvent.set(parsed.data.eventId, group);
  }
  await Promise.all(
    [...byEvent].map(async ([eventId, group]) => {
      const all = group.map((g) => g.body);
      // Hold notices are the Inventory's alone; the ledger hears of sales and voids.
      const bodies = all.filter((b): b is TransactionMessage => b.type !== "hold.changed");
      try {
        const [inventory, ledger] = await Promise.all([
          env.INVENTORY.getByName(eventId).applyBatch(all),
          bodies.length > 0
            ? env.COMMISSION_LEDGER.getByName(eventId).recordBatch(bodies)
            : Promise.resolve({ ok: true as const, value: { sales: [], rejectedVoids: [] } }),
        ]);
        const { anomalies, rejected } = unwrap(inventory);
        if (anomalies.length > 0) console.error(`event ${eventId}: two standing sales of an item (a void is on its way)`, anomalies);
        const { sales, rejectedVoids } = unwrap(ledger);
        for (const calc of sales) {
          if (calc.rejected === undefined && calc.status === "error") await startCommissionRetry(env, { eventId, transactionId: calc.transactionId, round: calc.round });
        }
        const refused = [
          ...rejected.map((r) => ({ by: "inventory", transactionId: r.transactionId, type: r.type, reason: `belongs to session ${r.ownerSessionId}` })),
          ...sales.flatMap((c) => (c.rejected === undefined ? [] : [{ by: "ledger", transactionId: c.transactionId, type: "transaction.completed", reason: c.rejected }])),
          ...rejectedVoids.map((v) => ({ by: "ledger", transactionId: v.transactionId, type: "transaction.voided", reason: v.reason })),
        ];
        if (refused.length > 0) await recordRefused(env, eventId, bodies, refused);
        for (const { message } of group) message.ack();
      } catch (error) {
        console.warn(`${batch.queue}: ${group.length} message(s) of event ${eventId} failed; retrying`, error);
        for (const { message } of group) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

const issuesOf = (error: { issues: { path: PropertyKey[]; message: string }[] }) => error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`);

/**
 * Consumer of `transactions-dlq`: sales the main consumer gave up on, one at a time. The
 * calculation is recorded as `error` (DEAD_LETTERED) so it shows and a retry workflow takes it on;
 * the Inventory is told again. Voids are applied again the same way.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = SessionMessage.safeParse(message.body);
      if (!parsed.success) {
        await recordRejected(env, batch.queue, message, issuesOf(parsed.error));
        message.ack();
        return;
      }
      try {
        await onDeadLetter(parsed.data, env);
        message.ack();
      } catch (error) {
        console.error(`${batch.queue} message ${message.id} (attempt ${message.attempts}) failed; retrying`, error);
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

async function onDeadLetter(message: SessionMessage, env: Env) {
  if (message.type === "hold.changed") return void unwrap(await env.INVENTORY.getByName(message.eventId).applyBatch([message]));
  if (message.type === "transaction.voided") return onVoided(message, env);
  const calc = unwrap(await env.COMMISSION_LEDGER.getByName(message.eventId).recordDeadLetter(message));
  if (calc.status === "error") await startCommissionRetry(env, { eventId: message.eventId, transactionId: message.transactionId, round: calc.round });
  unwrap(await env.INVENTORY.getByName(message.eventId).applySale(message));
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
 * Messages the Inventory or the ledger refused to apply (a transaction id of another session) are
 * acked, and kept with why in the D1 audit log, so a person sees them and nothing repeats forever.
 */
async function recordRefused(env: Env, eventId: string, bodies: TransactionMessage[], refused: { by: string; transactionId: string; type: string; reason: string }[]) {
  console.error(JSON.stringify({ msg: "messages refused: transaction id of another session", eventId, refused }));
  const now = Date.now();
  await env.DB.batch(
    refused.map((r) => {
      const body = bodies.find((b) => b.transactionId === r.transactionId && b.type === r.type);
      return env.DB.prepare(
        `INSERT OR IGNORE INTO audit_log (id, event_id, session_id, source, at, actor, entity, entity_id, action, before, after)
         VALUES (?, ?, ?, ?, ?, 'system:transactions-consumer', 'transaction', ?, 'rejected', ?, ?)`,
      ).bind(
        `refused:${r.by}:${eventId}:${r.transactionId}:${r.type}:${body?.sessionId ?? ""}`,
        eventId,
        body?.sessionId ?? null,
        `${r.by}`,
        now,
        r.transactionId,
        JSON.stringify(body ?? null).slice(0, 100_000),
        JSON.stringify({ reason: r.reason }),
      );
    }),
  );
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
