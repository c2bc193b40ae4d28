import { audit } from "../../lib/audit";
import { commissionOf } from "../../lib/money";
import type { Sql } from "../../lib/sql";
import { ONLINE_SESSION } from "../../schemas/common";
import { systemActor, type Actor } from "../../schemas/domain";
import type { TransactionCompleted, TransactionVoided } from "../../schemas/messages";
import { HELD_SQL } from "./holds";
import { saleOf, voidOf } from "./sales";
import type { ItemRow } from "./schema";

/**
 * Online sales: a Shopify order line for an item of the event is a transaction of the event, made
 * here. Its id is derived from the order and line ids, its session is `online` and its register
 * `shopify`; it goes to the ledger through the same queue as a register sale, so it is paid,
 * shown on statements and reversed by a void like any sale. While a session runs, the session
 * decides (it owns the items' status); otherwise this object does. A line that comes too late (the
 * item sold at a register, held in a register's cart, transferred) is refused and listed as a
 * conflict: the register sale stands and the online order is to be refunded.
 */

/** The register of online sales (their session is ONLINE_SESSION), and who makes them. */
export const ONLINE_REGISTER = "shopify";
export const ONLINE_ACTOR = systemActor("system:shopify-orders");

export interface OnlineLine extends LineRef {
  orderName: string;
  /** Integer cents: the line's price. */
  price: number;
}

/**
 * An order line's record: `sold` (a standing online sale), `voided` (refunded or cancelled after),
 * `refused` (a register got there first: a conflict), or `withdrawn` (refunded or cancelled before
 * its order was seen here; Shopify delivers in no set order, and the late order must sell nothing).
 */
type OnlineRow = { tx_id: string; status: "sold" | "refused" | "voided" | "withdrawn"; item_id: string; message: string | null };

/** The order line an online sale, a refusal or a withdrawal is about. */
export interface LineRef {
  txId: string;
  orderId: string;
  lineId: string;
  itemId: string;
}

export const onlineSale = (sql: Sql, txId: string) => sql.one<OnlineRow>("SELECT tx_id, status, item_id, message FROM online_sales WHERE tx_id = ?", txId);

/** Why this object (no session running) would refuse an item to an online order; null: it may sell. */
export function ownRefusal(sql: Sql, row: ItemRow): { reason: string; transactionId: string | null } | null {
  if (row.status === "sold") return { reason: "sold", transactionId: row.sold_tx_id };
  if (row.status === "transfer") return { reason: "transferred", transactionId: null };
  const held = sql.one<{ held: number }>(`SELECT ${HELD_SQL("i")} AS held FROM items i WHERE i.id = ?`, row.id)?.held;
  if (held) return { reason: "held", transactionId: null };
  return null;
}

/**
 * Records an online sale the deciding party allowed: the item is locked if it was still
 * modifiable, sold by the order line's transaction (as the pipeline would record it), and the
 * transaction message is written to this object's outbox. Inside a transaction.
 */
export function recordOnlineSale(
  sql: Sql,
  enqueue: (message: TransactionCompleted) => void,
  eventId: string,
  line: OnlineLine,
  row: ItemRow,
  rate: number,
  actor: Actor,
  now: number,
): TransactionCompleted {
  if (row.status === "modifiable") {
    sql.run("UPDATE items SET status = 'locked', last_modified = ?, version = version + 1 WHERE id = ?", now, row.id);
    audit(sql, actor, now, { entity: "item", entityId: row.id, action: "lock", before: { status: "modifiable" }, after: { status: "locked", reason: "sold online" } });
  }
  const commission = commissionOf(line.price, rate);
  const message: TransactionCompleted = {
    v: 1,
    type: "transaction.completed",
    eventId,
    sessionId: ONLINE_SESSION,
    transactionId: line.txId,
    registerId: ONLINE_REGISTER,
    occurredAt: now,
    items: [{ itemId: row.id, consignorId: row.consignor_id, price: line.price, commissionRate: rate }],
    total: line.price,
    commissionTotal: commission,
  };
  saleOf(sql, message, actor, now);
  sql.run(
    "INSERT INTO online_sales (tx_id, order_id, order_name, line_id, item_id, price, status, message, created_at) VALUES (?, ?, ?, ?, ?, ?, 'sold', ?, ?)",
    line.txId,
    line.orderId,
    line.orderName,
    line.lineId,
    row.id,
    line.price,
    JSON.stringify(message),
    now,
  );
  enqueue(message);
  return message;
}

/**
 * Refuses an order line (conflict rule 1: the register sale stands): recorded, counted in
 * `conflictCount`, listed for the organizer with both sides and what to do. Inside a transaction.
 */
export function recordOnlineRefusal(sql: Sql, line: OnlineLine, refusal: { reason: string; transactionId: string | null }, actor: Actor, now: number): void {
  sql.run(
    "INSERT INTO online_sales (tx_id, order_id, order_name, line_id, item_id, price, status, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, 'refused', ?, ?)",
    line.txId,
    line.orderId,
    line.orderName,
    line.lineId,
    line.itemId,
    line.price,
    refusal.reason,
    now,
  );
  const ours = { status: refusal.reason, transactionId: refusal.transactionId };
  const theirs = { orderId: line.orderId, orderName: line.orderName, lineId: line.lineId, price: line.price };
  sql.run(
    "INSERT INTO shopify_conflicts (item_id, kind, ours, theirs, action, at) VALUES (?, 'double_sale', ?, ?, ?, ?)",
    line.itemId,
    JSON.stringify(ours),
    JSON.stringify(theirs),
    `the sale at the register stands (the item is ${refusal.reason}); refund online order ${line.orderName} on Shopify`,
    now,
  );
  sql.run("UPDATE sync_metadata SET conflict_count = conflict_count + 1 WHERE id = 1");
  audit(sql, actor, now, { entity: "item", entityId: line.itemId, action: "online-sale-refused", before: ours, after: theirs });
}

/**
 * Voids an online sale (a refund or a cancellation): the sale stops standing, the item is locked
 * again (on sale at the next session, or the running one once it is told), and the void goes to
 * the ledger. Returns the item, or null when there is nothing to void. Inside a transaction.
 */
export function voidOnlineSale(sql: Sql, enqueue: (message: TransactionVoided) => void, txId: string, reason: string, actor: Actor, now: number): string | null {
  const sale = onlineSale(sql, txId);
  if (!sale || sale.status !== "sold" || !sale.message) return null;
  const completed = JSON.parse(sale.message) as TransactionCompleted;
  const message: TransactionVoided = {
    v: 1,
    type: "transaction.voided",
    eventId: completed.eventId,
    sessionId: ONLINE_SESSION,
    transactionId: txId,
    registerId: ONLINE_REGISTER,
    occurredAt: now,
    items: completed.items,
    reason,
  };
  voidOf(sql, message, actor, now);
  sql.run("UPDATE online_sales SET status = 'voided', voided_at = ?, void_reason = ? WHERE tx_id = ?", now, reason, txId);
  enqueue(message);
  return sale.item_id;
}

/**
 * A refund or cancellation of a line this object has no record of yet: the order's own webhook is
 * late (or lost). The line is recorded as withdrawn, so the order, whenever it comes (webhook,
 * redelivery or the reconciler's pull), finds the line taken and sells nothing. Returns whether it
 * was recorded (false: the line has a record already). Inside a transaction.
 */
export function recordWithdrawnLine(sql: Sql, line: LineRef, reason: string, actor: Actor, now: number): boolean {
  const added = sql.run(
    "INSERT INTO online_sales (tx_id, order_id, order_name, line_id, item_id, price, status, reason, created_at) VALUES (?, ?, '', ?, ?, 0, 'withdrawn', ?, ?) ON CONFLICT (tx_id) DO NOTHING",
    line.txId,
    line.orderId,
    line.lineId,
    line.itemId,
    reason,
    now,
  );
  if (added > 0) audit(sql, actor, now, { entity: "item", entityId: line.itemId, action: "online-line-withdrawn", before: null, after: { orderId: line.orderId, lineId: line.lineId, reason } });
  return added > 0;
}

/** Online sales of the event for reports: standing sales and their total, voided, refused lines. */
export function onlineSummary(sql: Sql): { transactionCount: number; totalSales: number; voidCount: number; refusedCount: number } {
  const r = sql.one<{ sold: number; total: number; voided: number; refused: number }>(
    `SELECT COALESCE(SUM(status = 'sold'), 0) AS sold, COALESCE(SUM(CASE WHEN status = 'sold' THEN price ELSE 0 END), 0) AS total,
            COALESCE(SUM(status = 'voided'), 0) AS voided, COALESCE(SUM(status = 'refused'), 0) AS refused FROM online_sales`,
  )!;
  return { transactionCount: r.sold, totalSales: r.total, voidCount: r.voided, refusedCount: r.refused };
}
