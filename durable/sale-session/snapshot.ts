import type { SessionRow } from "./schema";
import type { SessionStore } from "./store";
import { summaryOf } from "./views";

/** Writes the session's metadata to D1 (eventually consistent reporting) if it changed. */
export async function writeSnapshot(store: Pick<SessionStore, "sql" | "reload">, db: D1Database, s: SessionRow | null) {
  if (!s || s.status === "initial") return;
  const summary = summaryOf(s);
  const state = JSON.stringify({ status: summary.status, ...summary.metadata });
  if (state === s.snapshot) return;
  const m = summary.metadata;
  await db.prepare(
    `INSERT INTO session_snapshots (event_id, session_id, status, total_sales, total_commissions, item_count, sold_count,
       transaction_count, void_count, active_holds, last_transaction_at, taken_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (event_id, session_id) DO UPDATE SET status = excluded.status, total_sales = excluded.total_sales,
       total_commissions = excluded.total_commissions, item_count = excluded.item_count, sold_count = excluded.sold_count,
       transaction_count = excluded.transaction_count, void_count = excluded.void_count, active_holds = excluded.active_holds,
       last_transaction_at = excluded.last_transaction_at, taken_at = excluded.taken_at`,
  )
    .bind(s.event_id, s.session_id, s.status, m.totalSales, m.totalCommissions, m.itemCount, m.soldCount, m.transactionCount, m.voidCount, m.activeHolds, m.lastTransactionAt, Date.now())
    .run();
  store.sql.run("UPDATE session SET snapshot = ? WHERE id = 1", state);
  store.reload();
}
