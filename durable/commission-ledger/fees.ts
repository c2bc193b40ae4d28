import { audit } from "../../lib/audit";
import type { Sql } from "../../lib/sql";
import type { Actor } from "../../schemas/domain";

// Consignor fees (a registration fee, say): ledger entries of kind `fee`, negative, against each
// consignor's balance. A consignor's fee entries always add up to minus the fee that applies to
// them (their own override, else the event's): setting a fee writes the difference as one more
// entry, so a fee is taken once however often it is set, and a change is explained by its entry.

/** The fee entries' transaction id (they belong to no sale). */
export const FEE_TX_ID = "fee";

/** The event's consignor fee in cents. */
export function eventFee(sql: Sql): number {
  return sql.one<{ consignor_fee: number }>("SELECT consignor_fee FROM ledger_meta WHERE id = 1")!.consignor_fee;
}

/** Sets the event's fee and brings every consignor's fee entries to it. Inside a transaction. */
export function setEventFee(sql: Sql, fee: number, actor: Actor, now: number): { changed: number } {
  const before = eventFee(sql);
  sql.run("UPDATE ledger_meta SET consignor_fee = ? WHERE id = 1", fee);
  audit(sql, actor, now, { entity: "fees", entityId: "event", action: "set", before: { consignorFee: before }, after: { consignorFee: fee } });
  let changed = 0;
  for (const { id } of sql.all<{ id: string }>("SELECT id FROM consignors ORDER BY id")) {
    if (settleFee(sql, id, now)) changed++;
  }
  return { changed };
}

/**
 * Writes the entry that brings a consignor's fee entries to minus the fee that applies to them, if
 * they are not there already. Returns whether it wrote one. Inside a transaction.
 */
export function settleFee(sql: Sql, consignorId: string, now: number): boolean {
  const row = sql.one<{ fee: number | null }>("SELECT fee FROM consignors WHERE id = ?", consignorId);
  if (!row) return false;
  const target = -(row.fee ?? eventFee(sql));
  const current = sql.one<{ total: number; n: number }>(
    "SELECT COALESCE(SUM(amount), 0) AS total, COUNT(*) AS n FROM entries WHERE tx_id = ? AND consignor_id = ? AND kind = 'fee'",
    FEE_TX_ID,
    consignorId,
  )!;
  if (current.total === target) return false;
  sql.run(
    "INSERT INTO entries (consignor_id, tx_id, kind, amount, batch_id, created_at) VALUES (?, ?, 'fee', ?, ?, ?)",
    consignorId,
    FEE_TX_ID,
    target - current.total,
    `fee-${current.n + 1}`,
    now,
  );
  return true;
}

/** What a consignor is paid and what they still owe: a payout is never below 0. */
export function payoutOf(balance: number): { payout: number; owedByConsignor: number } {
  return { payout: Math.max(0, balance), owedByConsignor: Math.max(0, -balance) };
}
