import type { Sql } from "../../lib/sql";

/** `items.sold_by` of an item sold online: the Inventory's online sale, not a register's checkout. */
export const ONLINE_SELLER = "shopify";

export type OnlineVerdict =
  | { outcome: "sold" }
  | { outcome: "conflict"; reason: "sold" | "held"; transactionId: string | null; holdId: string | null }
  | { outcome: "absent" };

/**
 * An online order asks for an item while this session runs: the session owns the item's status,
 * so it decides. Available (or held under a hold whose time ran out) → sold online, and every
 * register is refused it from now on (`sold_online`). Sold at a register, or held in a register's
 * cart → a conflict: the register sale stands. The same order line again → sold (idempotent).
 * Not loaded here (sold before the session, transferred) → absent. Inside a transaction.
 */
export function sellOnline(sql: Sql, itemId: string, txId: string, now: number): OnlineVerdict {
  const item = sql.one<{ status: string; tx_id: string | null; hold_id: string | null; hold_expires_at: number | null }>(
    "SELECT status, tx_id, hold_id, hold_expires_at FROM items WHERE id = ?",
    itemId,
  );
  if (!item) return { outcome: "absent" };
  if (item.status === "sold") {
    return item.tx_id === txId ? { outcome: "sold" } : { outcome: "conflict", reason: "sold", transactionId: item.tx_id, holdId: null };
  }
  if (item.status === "pending" && (item.hold_expires_at ?? 0) > now) return { outcome: "conflict", reason: "held", transactionId: null, holdId: item.hold_id };
  sql.run(
    `UPDATE items SET status = 'sold', tx_id = ?, sold_at = ?, sold_by = ?, hold_id = NULL, hold_register = NULL, hold_key = NULL, hold_expires_at = NULL
       WHERE id = ?`,
    txId,
    now,
    ONLINE_SELLER,
    itemId,
  );
  return { outcome: "sold" };
}

/** A refunded or cancelled online sale: the item is on the floor again. Inside a transaction. */
export function releaseOnline(sql: Sql, itemId: string, txId: string): boolean {
  return sql.run("UPDATE items SET status = 'available', tx_id = NULL, sold_at = NULL, sold_by = NULL WHERE id = ? AND tx_id = ? AND sold_by = ?", itemId, txId, ONLINE_SELLER) > 0;
}
