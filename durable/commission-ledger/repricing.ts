import { audit } from "../../lib/audit";
import { commissionOf, rateFor } from "../../lib/money";
import type { Sql } from "../../lib/sql";
import { systemActor } from "../../schemas/domain";
import type { LedgerContext } from "./context";
import { linesOf } from "./schema";

/** Completed calculations re-priced per SQL transaction by an adjustment batch. */
export const REPRICE_PAGE = 200;

/** Where a running adjustment batch has got to. */
export type RunningBatch = { id: string; consignor_id: string | null; cursor: string };

/** Opens an adjustment batch (inside a transaction); the alarm makes sure it finishes. */
export function openBatch(ledger: LedgerContext, reason: string, consignorId: string | null, now: number) {
  const id = `adj-${now}-${crypto.randomUUID().slice(0, 8)}`;
  ledger.sql.run("INSERT INTO adjustment_batches (id, reason, consignor_id, status, created_at) VALUES (?, ?, ?, 'running', ?)", id, reason, consignorId, now);
  ledger.scheduleAlarm(now + 1000);
}

/** The oldest batch still running, or null when all are done. */
export function nextBatch(sql: Sql): RunningBatch | null {
  return sql.one<RunningBatch>("SELECT id, consignor_id, cursor FROM adjustment_batches WHERE status = 'running' ORDER BY created_at, id LIMIT 1");
}

/** Whether any batch is still running (the alarm comes back for it). */
export function batchRunning(sql: Sql): boolean {
  return sql.one("SELECT 1 AS x FROM adjustment_batches WHERE status = 'running'") !== null;
}

/**
 * Works through running batches a page at a time, each page in its own SQL transaction (run by
 * `transaction`). A failure is logged and leaves the batch `running`.
 */
export async function drainBatches(ledger: LedgerContext, transaction: (page: () => void) => void): Promise<void> {
  try {
    for (;;) {
      const batch = nextBatch(ledger.sql);
      if (!batch) return;
      transaction(() => repricePage(ledger, batch, Date.now()));
      // Let other requests in between pages.
      await scheduler.wait(0);
    }
  } catch (error) {
    // The batch stays `running`; the alarm set when it opened tries again.
    console.error("adjustment batch failed; the alarm will resume it", error);
  }
}

/**
 * One page of a batch: for each completed, standing calculation it brings every consignor's net
 * (sale + earlier adjustments) to what today's rates and tiers give, with one adjustment entry
 * for the difference. Re-running a page adds nothing, so a batch resumed after a crash is exact.
 * Inside a transaction.
 */
export function repricePage(ledger: LedgerContext, { id: batchId, consignor_id: consignorId, cursor }: RunningBatch, now: number) {
  const { sql } = ledger;
  const rates = ledger.rates();
  const calcs = consignorId
    ? sql.all<{ tx_id: string }>(
        // A consignor's calculated sales are those with a sale entry for them (entries_by_consignor).
        `SELECT DISTINCT c.tx_id FROM entries e JOIN calculations c ON c.tx_id = e.tx_id
         WHERE e.consignor_id = ? AND e.kind = 'sale' AND e.tx_id > ? AND c.status = 'completed' AND c.voided_at IS NULL ORDER BY c.tx_id LIMIT ?`,
        consignorId,
        cursor,
        REPRICE_PAGE,
      )
    : sql.all<{ tx_id: string }>(
        "SELECT tx_id FROM calculations NOT INDEXED WHERE tx_id > ? AND status = 'completed' AND voided_at IS NULL ORDER BY tx_id LIMIT ?",
        cursor,
        REPRICE_PAGE,
      );
  let entries = 0;
  let amount = 0;
  if (rates) {
    for (const { tx_id } of calcs) {
      const due = new Map<string, number>();
      for (const item of linesOf(sql.one<{ lines: string }>("SELECT lines FROM calculations WHERE tx_id = ?", tx_id)!)) {
        if (consignorId && item.consignor_id !== consignorId) continue;
        const tier = ledger.consignor(item.consignor_id)?.tier ?? "standard";
        due.set(item.consignor_id, (due.get(item.consignor_id) ?? 0) + commissionOf(item.price, rateFor(rates, tier)));
      }
      for (const [consignor, owed] of due) {
        const net = sql.one<{ net: number }>("SELECT COALESCE(SUM(amount), 0) AS net FROM entries WHERE tx_id = ? AND consignor_id = ?", tx_id, consignor)!.net;
        if (owed === net) continue;
        const inserted = sql.run(
          "INSERT OR IGNORE INTO entries (consignor_id, tx_id, kind, amount, batch_id, created_at) VALUES (?, ?, 'adjustment', ?, ?, ?)",
          consignor,
          tx_id,
          owed - net,
          batchId,
          now,
        );
        if (inserted > 0) {
          entries++;
          amount += owed - net;
        }
      }
    }
  }
  const done = calcs.length < REPRICE_PAGE;
  sql.run(
    `UPDATE adjustment_batches SET cursor = ?, entries = entries + ?, amount = amount + ?, status = ?, finished_at = ? WHERE id = ?`,
    calcs.at(-1)?.tx_id ?? cursor,
    entries,
    amount,
    done ? "done" : "running",
    done ? now : null,
    batchId,
  );
  if (done) {
    audit(sql, systemActor("system:adjustments"), now, { entity: "adjustment-batch", entityId: batchId, action: "done", before: null, after: { entries, amount } });
  }
}
