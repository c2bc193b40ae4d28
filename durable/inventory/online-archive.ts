import { notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import { ARCHIVE_PAGE, type ArchivePage, type ArchiveRow, type SessionKind } from "../../schemas/archive";
import { ONLINE_SESSION } from "../../schemas/common";
import type { TransactionView } from "../../schemas/domain";
import { ONLINE_ACTOR, ONLINE_REGISTER } from "./online";

/**
 * Online sales as the archive copies them: the rows a register session gives of its transactions,
 * their items and its audit trail, made from `online_sales` (one line per transaction, the message
 * it sent holding the consignor, rate and commission) and from this object's audit rows written by
 * the online channel (ONLINE_ACTOR). Refused lines are conflicts and withdrawn lines (refunded
 * before their order came) never sold: neither is a transaction; their audit rows are copied with
 * the rest. Nothing here is ever pruned: the rows answer redeliveries and refunds for as long as
 * the event runs.
 */

const TRANSACTIONS = `SELECT o.tx_id AS id, '${ONLINE_REGISTER}' AS register_id, o.order_name AS shopper_code, NULL AS hold_id,
    CASE WHEN o.status = 'voided' THEN 'voided' ELSE 'completed' END AS status, o.price AS total,
    o.message ->> '$.commissionTotal' AS commission_total, 1 AS item_count, o.created_at, '${ONLINE_ACTOR.keyId}' AS actor,
    o.voided_at, o.void_reason, CASE WHEN o.voided_at IS NULL THEN NULL ELSE '${ONLINE_ACTOR.keyId}' END AS void_actor
  FROM online_sales o WHERE o.status IN ('sold', 'voided')`;

const ITEMS = `SELECT o.tx_id, 0 AS position, o.item_id, o.message ->> '$.items[0].consignorId' AS consignor_id, COALESCE(i.title, '') AS title,
    o.price, o.message ->> '$.items[0].commissionRate' AS commission_rate, o.message ->> '$.commissionTotal' AS commission,
    COALESCE(i.price, o.price) AS tag_price
  FROM online_sales o LEFT JOIN items i ON i.id = o.item_id WHERE o.status IN ('sold', 'voided')`;

/** The condition names the partial index `audit_of_online_sales` (schema.ts) by its own words. */
const AUDIT = `SELECT seq, at, actor, entity, entity_id, action, before, after FROM audit WHERE actor = '${ONLINE_ACTOR.keyId}'`;

/** A page of one kind of the online channel's rows, in the kind's key order after `after`. */
export function onlineArchivePage(sql: Sql, kind: SessionKind, after: string, limit: number): ArchivePage {
  const size = Math.min(limit, ARCHIVE_PAGE);
  let rows: ArchiveRow[];
  let next: (row: ArchiveRow) => string;
  switch (kind) {
    case "transactions":
      rows = sql.all<ArchiveRow>(`${TRANSACTIONS} AND o.tx_id > ? ORDER BY o.tx_id LIMIT ?`, after, size);
      next = (r) => String(r.id);
      break;
    case "transaction_items": {
      // One line per transaction, at position 0: the page starts after the transaction it names.
      const [tx = "", position = "-1"] = after.split("|");
      rows = sql.all<ArchiveRow>(`${ITEMS} AND (o.tx_id > ? OR (o.tx_id = ? AND 0 > ?)) ORDER BY o.tx_id LIMIT ?`, tx, tx, Number(position), size);
      next = (r) => `${r.tx_id}|${r.position}`;
      break;
    }
    case "audit":
      rows = sql.all<ArchiveRow>(`${AUDIT} AND seq > ? ORDER BY seq LIMIT ?`, Number(after || 0), size);
      next = (r) => String(r.seq);
      break;
  }
  return { rows, next: rows.length === size ? next(rows.at(-1)!) : null };
}

/**
 * What the archive needs to know of the online channel: whether it has anything to copy, and a
 * version that changes with any change of its rows (a line taken or refused adds a row, a void
 * sets `voided_at`, and each of them writes an audit row).
 */
export function onlineArchiveState(sql: Sql): { rows: number; version: string } {
  const sales = sql.one<{ n: number; voided: number }>("SELECT COUNT(*) AS n, COALESCE(SUM(voided_at IS NOT NULL), 0) AS voided FROM online_sales")!;
  const audit = sql.one<{ n: number; last: number | null }>(`SELECT COUNT(*) AS n, MAX(seq) AS last FROM (${AUDIT})`)!;
  return { rows: sales.n + audit.n, version: `${sales.n}.${sales.voided}.${audit.last ?? 0}` };
}

/** One online sale as a transaction of session `online` (404 for a refused line or an unknown id). */
export function onlineTransaction(sql: Sql, eventId: string, txId: string): TransactionView {
  type Tx = { id: string; shopper_code: string; status: "completed" | "voided"; total: number; commission_total: number; created_at: number; voided_at: number | null; void_reason: string | null };
  type Line = { item_id: string; consignor_id: string; title: string; price: number; commission_rate: number; commission: number; tag_price: number };
  const tx = sql.one<Tx>(`${TRANSACTIONS} AND o.tx_id = ?`, txId);
  if (!tx) throw notFound(`online transaction ${txId}`);
  return {
    id: tx.id,
    eventId,
    sessionId: ONLINE_SESSION,
    registerId: ONLINE_REGISTER,
    shopperCode: tx.shopper_code,
    holdId: null,
    status: tx.status,
    total: tx.total,
    commissionTotal: tx.commission_total,
    items: sql.all<Line>(`${ITEMS} AND o.tx_id = ?`, txId).map((l) => ({
      itemId: l.item_id,
      consignorId: l.consignor_id,
      title: l.title,
      price: l.price,
      tagPrice: l.tag_price,
      commissionRate: l.commission_rate,
      commission: l.commission,
    })),
    createdAt: tx.created_at,
    voidedAt: tx.voided_at,
    voidReason: tx.void_reason,
  };
}
