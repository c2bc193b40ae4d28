import type { Sql } from "../../lib/sql";
import type { CommissionSummary } from "./types";

/**
 * Writes the ledger's summary to D1's ledger_snapshots, only when it differs from the one last
 * written (kept in ledger_meta.snapshot).
 */
export async function writeSnapshot(db: D1Database, sql: Sql, eventId: string, summary: CommissionSummary, now: number): Promise<void> {
  const state = JSON.stringify(summary);
  const stored = sql.one<{ snapshot: string | null }>("SELECT snapshot FROM ledger_meta WHERE id = 1")?.snapshot ?? null;
  if (state === stored) return;
  await db.prepare(
    `INSERT INTO ledger_snapshots (event_id, total_calculations, error_count, last_calculation, pending, completed, errored,
       total_sales, consignor_total, house_share, consignors, taken_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (event_id) DO UPDATE SET total_calculations = excluded.total_calculations, error_count = excluded.error_count,
       last_calculation = excluded.last_calculation, pending = excluded.pending, completed = excluded.completed,
       errored = excluded.errored, total_sales = excluded.total_sales, consignor_total = excluded.consignor_total,
       house_share = excluded.house_share, consignors = excluded.consignors, taken_at = excluded.taken_at`,
  )
    .bind(
      eventId,
      summary.metadata.totalCalculations,
      summary.metadata.errorCount,
      summary.metadata.lastCalculation,
      summary.calculations.pending,
      summary.calculations.completed,
      summary.calculations.error,
      summary.totalSales,
      summary.consignorTotal,
      summary.houseShare,
      JSON.stringify(summary.consignors),
      now,
    )
    .run();
  sql.run("UPDATE ledger_meta SET snapshot = ? WHERE id = 1", state);
}
