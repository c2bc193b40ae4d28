import { notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import { TransactionCompleted } from "../../schemas/messages";
import type { LedgerContext } from "./context";
import { calculation, linesOf, type CalculationItemRow, type CalculationRow, type CalculationStatus, type ConsignorRow } from "./schema";
import type { CalculationView, CommissionSummary, ConsignorStatement, EntryKind } from "./types";
import { eventFee, payoutOf } from "./fees";
import { ONLINE_SESSION } from "../../schemas/domain";

/** Which total of a consignor each kind of entry adds to. */
const TOTAL_OF = { sale: "sales", reversal: "reversals", adjustment: "adjustments", fee: "fees" } as const;

// What the ledger shows; reads only.

export function calculationView(sql: Sql, txId: string): CalculationView {
  const calc = calculation(sql, txId);
  if (!calc) throw notFound(`calculation ${txId}`);
  return view(calc);
}

/**
 * Calculations in id order after `afterId`, of one status or all. Completed ones (nearly all) are
 * read in key order, skipping the others; the others through their index (calculations_unfinished,
 * which the query names by its condition).
 */
export function calculationPage(sql: Sql, status: CalculationStatus | null, afterId: string, limit: number): { calculations: CalculationView[]; next: string | null } {
  const rows =
    status === null
      ? sql.all<CalculationRow>("SELECT * FROM calculations WHERE tx_id > ? ORDER BY tx_id LIMIT ?", afterId, limit)
      : status === "completed"
        ? sql.all<CalculationRow>("SELECT * FROM calculations NOT INDEXED WHERE tx_id > ? AND status = 'completed' ORDER BY tx_id LIMIT ?", afterId, limit)
        : sql.all<CalculationRow>("SELECT * FROM calculations WHERE status = ? AND status != 'completed' AND tx_id > ? ORDER BY tx_id LIMIT ?", status, afterId, limit);
  return { calculations: rows.map((r) => view(r)), next: rows.length === limit ? rows.at(-1)!.tx_id : null };
}

/** Which of `txIds` the ledger has a calculation for, and which voids it has applied or holds. */
export function knownOf(sql: Sql, txIds: string[]): Record<string, { calculated: boolean; voidKnown: boolean }> {
  const known: Record<string, { calculated: boolean; voidKnown: boolean }> = {};
  for (const id of txIds) {
    const calc = sql.one<{ voided_at: number | null }>("SELECT voided_at FROM calculations WHERE tx_id = ?", id);
    const held = sql.one("SELECT 1 AS x FROM held_voids WHERE tx_id = ?", id);
    known[id] = { calculated: calc !== null, voidKnown: calc?.voided_at != null || held !== null };
  }
  return known;
}

/** Per-consignor totals, calculation counts by status, and the house's share. */
export function summarize(sql: Sql): CommissionSummary {
  const meta = sql.one<{ total_calculations: number; error_count: number; last_calculation: number | null; standing_sales: number }>(
    "SELECT * FROM ledger_meta WHERE id = 1",
  )!;
  const counts: Record<CalculationStatus, number> = { pending: 0, completed: 0, error: 0 };
  // Each count from its partial index, not from the calculations themselves.
  counts.completed = sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM calculations WHERE status = 'completed'")!.n;
  for (const r of sql.all<{ status: CalculationStatus; n: number }>("SELECT status, COUNT(*) AS n FROM calculations WHERE status != 'completed' GROUP BY status")) {
    counts[r.status] = r.n;
  }
  type Row = CommissionSummary["consignors"][number];
  const blank = (id: string, name: string | null, tier: Row["tier"]): Row => ({
    consignorId: id,
    name,
    tier,
    sales: 0,
    reversals: 0,
    adjustments: 0,
    fees: 0,
    balance: 0,
    payout: 0,
    owedByConsignor: 0,
  });
  const byConsignor = new Map<string, Row>();
  for (const c of sql.all<ConsignorRow>("SELECT * FROM consignors ORDER BY id")) byConsignor.set(c.id, blank(c.id, c.name, c.tier));
  for (const r of sql.all<{ consignor_id: string; kind: EntryKind; amount: number }>(
    "SELECT consignor_id, kind, SUM(amount) AS amount FROM entries GROUP BY consignor_id, kind",
  )) {
    const row = byConsignor.get(r.consignor_id) ?? blank(r.consignor_id, null, null);
    row[TOTAL_OF[r.kind]] += r.amount;
    row.balance += r.amount;
    byConsignor.set(r.consignor_id, row);
  }
  const consignors = [...byConsignor.values()].map((c) => ({ ...c, ...payoutOf(c.balance) }));
  const owed = consignors.reduce((sum, c) => sum + c.balance, 0);
  return {
    metadata: { totalCalculations: meta.total_calculations, errorCount: meta.error_count, lastCalculation: meta.last_calculation },
    calculations: counts,
    totalSales: meta.standing_sales,
    consignorTotal: owed,
    houseShare: meta.standing_sales - owed,
    consignorFee: eventFee(sql),
    consignors,
    adjustmentsRunning: sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM adjustment_batches WHERE status = 'running'")!.n,
  };
}

/** Everything a consignor is owed and why: each item sold, each reversal, each adjustment. */
export function statementOf(ledger: Pick<LedgerContext, "sql" | "consignor">, consignorId: string): ConsignorStatement {
  const { sql } = ledger;
  const consignor = ledger.consignor(consignorId);
  if (!consignor) throw notFound(`consignor ${consignorId}`);
  const items = sql
    .all<CalculationItemRow & { tx_id: string; session_id: string; occurred_at: number; voided_at: number | null }>(
      // Every consignor of a calculated sale has its sale entry (entries_by_consignor finds them).
      `SELECT c.tx_id, l.key AS position, l.value ->> 0 AS item_id, l.value ->> 1 AS consignor_id, l.value ->> 2 AS price,
         l.value ->> 3 AS rate, l.value ->> 4 AS base_commission, l.value ->> 5 AS commission,
         COALESCE(l.value ->> 6, l.value ->> 2) AS tag_price, c.session_id, c.occurred_at, c.voided_at
       FROM entries e JOIN calculations c ON c.tx_id = e.tx_id JOIN json_each(c.lines) l
       WHERE e.consignor_id = ? AND e.kind = 'sale' AND l.value ->> 1 = e.consignor_id
       ORDER BY c.occurred_at, c.tx_id, l.key`,
      consignorId,
    )
    .map((r) => ({
      transactionId: r.tx_id,
      sessionId: r.session_id,
      soldAt: r.occurred_at,
      itemId: r.item_id,
      tagPrice: r.tag_price,
      price: r.price,
      rate: r.rate,
      commission: r.commission,
      voided: r.voided_at !== null,
      online: r.session_id === ONLINE_SESSION,
    }));
  const entries = sql
    .all<{ seq: number; tx_id: string; kind: EntryKind; amount: number; batch_id: string; created_at: number }>(
      "SELECT seq, tx_id, kind, amount, batch_id, created_at FROM entries WHERE consignor_id = ? ORDER BY seq",
      consignorId,
    )
    .map((e) => ({ transactionId: e.tx_id, kind: e.kind, amount: e.amount, batchId: e.batch_id || null, at: e.created_at }));
  const uncalculated = sql
    .all<{ tx_id: string; status: CalculationStatus; error_code: string | null; message: string }>(
      "SELECT tx_id, status, error_code, message FROM calculations WHERE status != 'completed'",
    )
    .flatMap((c) =>
      TransactionCompleted.parse(JSON.parse(c.message))
        .items.filter((i) => i.consignorId === consignorId)
        .map((i) => ({ transactionId: c.tx_id, itemId: i.itemId, price: i.price, status: c.status, errorCode: c.error_code })),
    );
  const sum = (kind: EntryKind) => entries.filter((e) => e.kind === kind).reduce((s, e) => s + e.amount, 0);
  const balance = entries.reduce((s, e) => s + e.amount, 0);
  return {
    consignor,
    items,
    entries,
    totals: { sales: sum("sale"), reversals: sum("reversal"), adjustments: sum("adjustment"), fees: sum("fee"), balance, ...payoutOf(balance) },
    uncalculated,
  };
}

function view(calc: CalculationRow): CalculationView {
  return {
    transactionId: calc.tx_id,
    sessionId: calc.session_id,
    status: calc.status,
    attempts: calc.attempts,
    round: calc.round,
    error: calc.error_code ? { code: calc.error_code, message: calc.error ?? "" } : null,
    saleTotal: calc.sale_total,
    baseAmount: calc.base_amount,
    bonusAmount: calc.bonus_amount,
    totalAmount: calc.total_amount,
    items: linesOf(calc).map((i) => ({
      itemId: i.item_id,
      consignorId: i.consignor_id,
      price: i.price,
      tagPrice: i.tag_price,
      rate: i.rate,
      baseCommission: i.base_commission,
      commission: i.commission,
    })),
    voided: calc.voided_at !== null,
    voidReason: calc.void_reason,
    occurredAt: calc.occurred_at,
    completedAt: calc.completed_at,
  };
}
