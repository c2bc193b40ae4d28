import { unwrap } from "../lib/errors";
import { sessionObjectName } from "../lib/ids";

/** Transactions checked per page. */
const PAGE = 500;

export interface ReconcileReport {
  eventId: string;
  sessions: number;
  transactionsChecked: number;
  reemitted: { completed: number; voided: number };
  /** Transaction ids re-emitted, for the log (at most the first 100). */
  repaired: string[];
  /** Set when this event could not be reconciled (the nightly run goes on with the next one). */
  error?: string;
}

/**
 * Compares every session's transactions with the ledger's calculations and puts back on the queue
 * whatever the ledger never received: a sale without a calculation, a void the ledger has not
 * seen. Local queues lose unbatched messages on restart and production messages can expire in the
 * dead-letter queue; this brings invariant 4 back without a person. Transactions younger than
 * `settleMs` are left alone: their messages are most likely still on their way.
 */
export async function reconcileEvent(env: Env, eventId: string, settleMs = 60_000): Promise<ReconcileReport> {
  const report: ReconcileReport = { eventId, sessions: 0, transactionsChecked: 0, reemitted: { completed: 0, voided: 0 }, repaired: [] };
  const ledger = env.COMMISSION_LEDGER.getByName(eventId);
  const { results: sessions } = await env.DB.prepare("SELECT id FROM sessions WHERE event_id = ? ORDER BY id").bind(eventId).all<{ id: string }>();
  const cutoff = Date.now() - settleMs;
  for (const { id: sessionId } of sessions) {
    report.sessions++;
    const session = env.SALE_SESSION.getByName(sessionObjectName(eventId, sessionId));
    let cursor = "";
    for (;;) {
      const page = unwrap(await session.listTransactions(cursor, PAGE));
      if (page.length === 0) break;
      cursor = page.at(-1)!.id;
      report.transactionsChecked += page.length;
      const known = unwrap(await ledger.knownTransactions(page.map((t) => t.id)));
      const missing = page
        .map((t) => ({
          id: t.id,
          completed: !known[t.id]?.calculated && t.createdAt <= cutoff,
          voided: t.status === "voided" && !known[t.id]?.voidKnown && (t.voidedAt ?? 0) <= cutoff,
        }))
        .filter((t) => t.completed || t.voided);
      if (missing.length > 0) {
        const sent = unwrap(await session.reemit(missing));
        report.reemitted.completed += sent.completed;
        report.reemitted.voided += sent.voided;
        for (const t of missing) if (report.repaired.length < 100) report.repaired.push(t.id);
      }
      if (page.length < PAGE) break;
    }
  }
  return report;
}

/** Reconciles every event, each on its own (one failing does not stop the others); records what it repaired in the D1 audit log. */
export async function reconcileAll(env: Env, settleMs?: number): Promise<ReconcileReport[]> {
  const { results: events } = await env.DB.prepare("SELECT id FROM events ORDER BY id").all<{ id: string }>();
  const reports: ReconcileReport[] = [];
  for (const { id } of events) {
    let report: ReconcileReport;
    try {
      report = await reconcileEvent(env, id, settleMs);
    } catch (error) {
      console.error(`reconciler could not reconcile event ${id}; it is tried again next night`, error);
      reports.push({ eventId: id, sessions: 0, transactionsChecked: 0, reemitted: { completed: 0, voided: 0 }, repaired: [], error: String(error) });
      continue;
    }
    reports.push(report);
    if (report.reemitted.completed + report.reemitted.voided > 0) {
      console.warn(`reconciler re-emitted messages for event ${id}`, report);
      await env.DB.prepare(
        `INSERT INTO audit_log (id, event_id, source, at, actor, entity, entity_id, action, before, after)
         VALUES (?, ?, 'reconciler', ?, 'system:reconciler', 'event', ?, 'reconciled', NULL, ?)`,
      )
        .bind(`reconcile:${id}:${Date.now()}:${crypto.randomUUID().slice(0, 8)}`, id, Date.now(), id, JSON.stringify(report))
        .run();
    }
  }
  return reports;
}
