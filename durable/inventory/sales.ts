import { audit, auditMany } from "../../lib/audit";
import type { Sql } from "../../lib/sql";
import type { Actor, InventoryStatus } from "../../schemas/domain";
import type { TransactionCompleted, TransactionMessage, TransactionVoided } from "../../schemas/messages";
import { itemRow, type ItemRow } from "./schema";

/** One item's sale, as a message tells it. */
export interface SaleRef {
  itemId: string;
  txId: string;
  sessionId: string;
  occurredAt: number;
}

const saleRefs = (message: TransactionCompleted): SaleRef[] =>
  message.items.map((item) => ({ itemId: item.itemId, txId: message.transactionId, sessionId: message.sessionId, occurredAt: message.occurredAt }));

export interface SaleOutcome {
  applied: boolean;
  /** Items the message named that this object could not move (already sold elsewhere, not locked). */
  anomalies: { itemId: string; status: InventoryStatus; soldTransactionId: string | null }[];
}

/** A message refused because its transaction id belongs to another session of the event. */
export interface RejectedMessage {
  transactionId: string;
  type: TransactionMessage["type"];
  sessionId: string;
  ownerSessionId: string;
}

/**
 * Splits messages into those this object may apply and those it must refuse: a transaction id
 * belongs to the session its sale was heard under (recorded here, or earlier in the same list),
 * and a sale or void naming another session is never applied to it. A void heard before any sale
 * of its id is kept under the session it names, and voids only a sale of that session. The
 * refused ones are audited here. One statement for the whole list. Inside a transaction.
 */
export function screen<M extends { transactionId: string; sessionId: string; type: TransactionMessage["type"] }>(
  sql: Sql,
  messages: readonly M[],
  actor: Actor,
  now: number,
): { accepted: M[]; rejected: RejectedMessage[] } {
  if (messages.length === 0) return { accepted: [], rejected: [] };
  const known = new Map(
    sql
      .all<{ tx: string; owner: string }>(
        `SELECT tx, owner FROM (
           SELECT r.value ->> 0 AS tx, (SELECT s.session_id FROM sales s WHERE s.tx_id = r.value ->> 0 LIMIT 1) AS owner
           FROM json_each(?) AS r)
         WHERE owner IS NOT NULL`,
        JSON.stringify([...new Set(messages.map((m) => m.transactionId))].map((tx) => [tx])),
      )
      .map((r) => [r.tx, r.owner]),
  );
  const accepted: M[] = [];
  const rejected: RejectedMessage[] = [];
  for (const message of messages) {
    const owner = known.get(message.transactionId);
    if (owner === undefined && message.type === "transaction.completed") known.set(message.transactionId, message.sessionId);
    if (owner === undefined || owner === message.sessionId) accepted.push(message);
    else rejected.push({ transactionId: message.transactionId, type: message.type, sessionId: message.sessionId, ownerSessionId: owner });
  }
  auditMany(
    sql,
    actor,
    now,
    rejected.map((r) => ({
      entity: "transaction",
      entityId: r.transactionId,
      action: "message-rejected",
      before: { sessionId: r.ownerSessionId },
      after: { type: r.type, sessionId: r.sessionId, reason: "the transaction id belongs to another session" },
    })),
  );
  return { accepted, rejected };
}

/**
 * Records a completed transaction's sale of each item. Messages may come twice and in any
 * order (a resale before the void of the sale before it): the outcome is the same. Inside a
 * transaction.
 */
export function saleOf(sql: Sql, message: TransactionCompleted, actor: Actor, now: number): SaleOutcome & { rejected: RejectedMessage[] } {
  const anomalies: SaleOutcome["anomalies"] = [];
  const { rejected } = screen(sql, [message], actor, now);
  if (rejected.length > 0) return { applied: false, anomalies, rejected };
  let applied = false;
  for (const sale of saleRefs(message)) {
    const outcome = recordSale(sql, sale, actor, now);
    applied ||= outcome.changed;
    if (outcome.anomaly) anomalies.push(outcome.anomaly);
  }
  return { applied, anomalies, rejected };
}

/** Records a void: the items it had sold are locked again unless another sale of them stands. Inside a transaction. */
export function voidOf(sql: Sql, message: TransactionVoided, actor: Actor, now: number): { applied: boolean; rejected: RejectedMessage[] } {
  const { rejected } = screen(sql, [message], actor, now);
  if (rejected.length > 0) return { applied: false, rejected };
  return { applied: recordVoid(sql, message, actor, now), rejected };
}

/** A void of a transaction of the session it names (screened). Inside a transaction. */
function recordVoid(sql: Sql, message: TransactionVoided, actor: Actor, now: number): boolean {
  if (sql.run("INSERT OR IGNORE INTO voided (tx_id, session_id, at) VALUES (?, ?, ?)", message.transactionId, message.sessionId, now) === 0) return false;
  for (const item of message.items) {
    const row = itemRow(sql, item.itemId);
    if (row) resolve(sql, row, actor, now);
  }
  return true;
}

/**
 * The voids of a finished session, as its object holds them (its message may still be on the
 * queue): each transaction of `sessionId` in `txIds` is voided here, and its items (those its sale
 * took here, if that message came) go back to the floor. The message, when it comes, then changes
 * nothing. Inside a transaction.
 */
export function settleVoids(sql: Sql, sessionId: string, txIds: readonly string[], actor: Actor, now: number): number {
  let applied = 0;
  for (const txId of txIds) {
    if (sql.run("INSERT OR IGNORE INTO voided (tx_id, session_id, at) VALUES (?, ?, ?)", txId, sessionId, now) === 0) continue;
    applied++;
    for (const { item_id } of sql.all<{ item_id: string }>("SELECT item_id FROM sales WHERE tx_id = ? AND session_id = ?", txId, sessionId)) {
      const row = itemRow(sql, item_id);
      if (row) resolve(sql, row, actor, now);
    }
  }
  return applied;
}

/**
 * A batch from the queue, in one SQL transaction. Order within it does not matter, so the
 * common case — a locked item sold once in the batch by a transaction not voided in it — is
 * applied for the whole batch at once; every other sale and void then goes one at a time.
 */
export function batchOf(sql: Sql, batch: TransactionMessage[], actor: Actor, now: number): { anomalies: SaleOutcome["anomalies"]; rejected: RejectedMessage[] } {
  const { accepted: messages, rejected } = screen(sql, batch, actor, now);
  const voidedHere = new Set(messages.filter((m) => m.type === "transaction.voided").map((m) => m.transactionId));
  const sales = messages.flatMap((m) => (m.type === "transaction.completed" ? saleRefs(m) : []));
  const times = new Map<string, number>();
  for (const sale of sales) times.set(sale.itemId, (times.get(sale.itemId) ?? 0) + 1);
  const once = (sale: SaleRef) => times.get(sale.itemId) === 1 && !voidedHere.has(sale.txId);
  const taken = takeLocked(sql, sales.filter(once), actor, now);
  const anomalies: SaleOutcome["anomalies"] = [];
  for (const message of messages) {
    if (message.type === "transaction.voided") {
      recordVoid(sql, message, actor, now);
      continue;
    }
    for (const sale of saleRefs(message)) {
      if (once(sale) && taken.has(sale.itemId)) continue;
      // A sale the set-based pass tried and could not take needs no second try of it.
      const outcome = once(sale) ? recordUncommonSale(sql, sale, actor, now) : recordSale(sql, sale, actor, now);
      if (outcome.anomaly) anomalies.push(outcome.anomaly);
    }
  }
  return { anomalies, rejected };
}

/**
 * The common case, for many sales in three statements: a locked item that no sale holds, sold
 * by a transaction not voided. Such a sale cannot have been recorded before (a recorded sale of
 * an item stands until its void), so its sale row is new. `sales` must name each item once.
 * Returns the items taken. Inside a transaction.
 */
export function takeLocked(sql: Sql, sales: readonly SaleRef[], actor: Actor, now: number): Set<string> {
  if (sales.length === 0) return new Set();
  // `+items.status` keeps the planner off the status index: it must walk the sales and find
  // each item by its key, not walk every locked item of the event.
  const taken = new Set(
    sql
      .all<{ id: string }>(
        `UPDATE items SET status = 'sold', sold_tx_id = s.tx, sold_session_id = s.session, last_modified = ?, version = version + 1
           FROM (SELECT value ->> 0 AS item, value ->> 1 AS tx, value ->> 2 AS session FROM json_each(?)) AS s
           WHERE items.id = s.item AND +items.status = 'locked' AND items.sold_tx_id IS NULL
             AND NOT EXISTS (SELECT 1 FROM voided WHERE voided.tx_id = s.tx AND voided.session_id = s.session)
           RETURNING id`,
        now,
        JSON.stringify(sales.map((sale) => [sale.itemId, sale.txId, sale.sessionId])),
      )
      .map((row) => row.id),
  );
  const done = sales.filter((sale) => taken.has(sale.itemId));
  sql.insertMany(
    "INSERT INTO sales (item_id, tx_id, session_id, occurred_at)",
    done.map((sale) => [sale.itemId, sale.txId, sale.sessionId, sale.occurredAt]),
  );
  auditMany(
    sql,
    actor,
    now,
    done.map((sale) => ({
      entity: "item",
      entityId: sale.itemId,
      action: "sell",
      before: { status: "locked", transactionId: null },
      after: { status: "sold", transactionId: sale.txId, sessionId: sale.sessionId },
    })),
  );
  return taken;
}

/** Inside a transaction. */
function recordSale(sql: Sql, sale: SaleRef, actor: Actor, now: number) {
  if (takeLocked(sql, [sale], actor, now).size > 0) return { changed: true, anomaly: null };
  return recordUncommonSale(sql, sale, actor, now);
}

/** A sale `takeLocked` could not take: a duplicate, a missing item, or one to resolve. In a transaction. */
export function recordUncommonSale(sql: Sql, sale: SaleRef, actor: Actor, now: number) {
  const { itemId, txId, sessionId, occurredAt } = sale;
  const row = itemRow(sql, itemId);
  if (!row) {
    audit(sql, actor, now, { entity: "item", entityId: itemId, action: "sell-refused", before: null, after: { transactionId: txId } });
    return { changed: false, anomaly: { itemId, status: "missing" as InventoryStatus, soldTransactionId: null } };
  }
  const inserted = sql.run(
    "INSERT OR IGNORE INTO sales (item_id, tx_id, session_id, occurred_at) VALUES (?, ?, ?, ?)",
    itemId,
    txId,
    sessionId,
    occurredAt,
  );
  if (inserted === 0) return { changed: false, anomaly: null };
  return { changed: true, anomaly: resolve(sql, row, actor, now) };
}

/**
 * Sets an item's status from the sales that stand (recorded and not voided), newest first.
 * Two standing sales of one item only happen while a void is still on its way; it is reported,
 * and resolves itself when the void arrives. Inside a transaction.
 */
function resolve(sql: Sql, row: ItemRow, actor: Actor, now: number): SaleOutcome["anomalies"][number] | null {
  const standing = sql.all<{ tx_id: string; session_id: string }>(
    `SELECT tx_id, session_id FROM sales
       WHERE item_id = ? AND NOT EXISTS (SELECT 1 FROM voided v WHERE v.tx_id = sales.tx_id AND v.session_id = sales.session_id)
       ORDER BY occurred_at DESC, tx_id`,
    row.id,
  );
  const winner = standing[0];
  if (!winner) {
    if (row.status !== "sold") return null;
    sql.run(
      "UPDATE items SET status = 'locked', sold_tx_id = NULL, sold_session_id = NULL, last_modified = ?, version = version + 1 WHERE id = ?",
      now,
      row.id,
    );
    audit(sql, actor, now, { entity: "item", entityId: row.id, action: "void", before: { status: "sold", transactionId: row.sold_tx_id }, after: { status: "locked" } });
    return null;
  }
  if (row.status !== "locked" && row.status !== "sold") {
    audit(sql, actor, now, { entity: "item", entityId: row.id, action: "sell-refused", before: { status: row.status }, after: { transactionId: winner.tx_id } });
    return { itemId: row.id, status: row.status, soldTransactionId: null };
  }
  if (row.status !== "sold" || row.sold_tx_id !== winner.tx_id) markSold(sql, row, winner.tx_id, winner.session_id, actor, now);
  return standing.length > 1 ? { itemId: row.id, status: "sold", soldTransactionId: standing[1]!.tx_id } : null;
}

/** → sold by `txId`, audited. Inside a transaction. */
function markSold(sql: Sql, row: ItemRow, txId: string, sessionId: string, actor: Actor, now: number) {
  sql.run(
    "UPDATE items SET status = 'sold', sold_tx_id = ?, sold_session_id = ?, last_modified = ?, version = version + 1 WHERE id = ?",
    txId,
    sessionId,
    now,
    row.id,
  );
  audit(sql, actor, now, {
    entity: "item",
    entityId: row.id,
    action: "sell",
    before: { status: row.status, transactionId: row.sold_tx_id },
    after: { status: "sold", transactionId: txId, sessionId },
  });
}
