import { AppError, notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { HoldView, SaleSessionSummary, TransactionView } from "../../schemas/domain";
import { linesOf, type HoldRow, type SessionRow, type StoredTransaction, type TransactionItemRow, type TransactionRow } from "./schema";

/** The transaction `txId` with its lines (`linesOf`), or null. */
export function storedTransaction(sql: Sql, txId: string): StoredTransaction | null {
  return sql.one<StoredTransaction>("SELECT * FROM transactions WHERE id = ?", txId);
}

/** The transaction `txId` with its lines (`linesOf`), or NOT_FOUND. */
export function findTransaction(sql: Sql, txId: string): StoredTransaction {
  const row = storedTransaction(sql, txId);
  if (!row) throw notFound(`transaction ${txId}`);
  return row;
}

export function transactionView(s: SessionRow, tx: TransactionRow, items: TransactionItemRow[]): TransactionView {
  return {
    id: tx.id,
    eventId: s.event_id,
    sessionId: s.session_id,
    registerId: tx.register_id,
    shopperCode: tx.shopper_code,
    holdId: tx.hold_id,
    status: tx.status,
    total: tx.total,
    commissionTotal: tx.commission_total,
    items: items.map((i) => ({
      itemId: i.item_id,
      consignorId: i.consignor_id,
      title: i.title,
      price: i.price,
      tagPrice: i.tag_price,
      commissionRate: i.commission_rate,
      commission: i.commission,
    })),
    createdAt: tx.created_at,
    voidedAt: tx.voided_at,
    voidReason: tx.void_reason,
  };
}

export function summaryOf(s: SessionRow): SaleSessionSummary {
  return {
    id: s.session_id,
    eventId: s.event_id,
    name: s.name,
    status: s.status,
    startTime: s.start_time,
    endTime: s.end_time,
    discount: s.discount,
    metadata: {
      totalSales: s.total_sales,
      totalCommissions: s.total_commissions,
      itemCount: s.item_count,
      soldCount: s.sold_count,
      transactionCount: s.tx_count,
      voidCount: s.void_count,
      activeHolds: s.active_holds,
      lastTransactionAt: s.last_tx_at,
    },
    createdAt: s.created_at,
    startedAt: s.started_at,
    endedAt: s.ended_at,
    archivedAt: s.archived_at,
  };
}

export function holdView(row: HoldRow): HoldView {
  return {
    id: row.id,
    registerId: row.register_id,
    status: row.status,
    items: JSON.parse(row.items) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const left = [...a].sort();
  const right = [...b].sort();
  return left.every((id, i) => id === right[i]);
}

/** What a register sees of one item of the session as it is scanned: what it is, what it costs here, whether it can be sold. */
export interface SessionItemView {
  id: string;
  title: string;
  category: string;
  size: string;
  /** The price on its tag, in cents. */
  tagPrice: number;
  /** What it sells for in this session (less than `tagPrice` in a discount session), in cents. */
  price: number;
  /** `available`, or why not: `held` (in another register's cart), `sold`, `sold_online`. */
  status: "available" | "held" | "sold" | "sold_online";
}

export function sessionItemView(sql: Sql, itemId: string, onlineSeller: string, now: number): SessionItemView {
  const row = sql.one<{ id: string; title: string; category: string; size: string; price: number; tag_price: number | null; status: string; hold_expires_at: number | null; sold_by: string | null }>(
    "SELECT id, title, category, size, price, tag_price, status, hold_expires_at, sold_by FROM items WHERE id = ?",
    itemId,
  );
  if (!row) throw notFound(`item ${itemId} in this session`);
  const status =
    row.status === "sold" ? (row.sold_by === onlineSeller ? "sold_online" : "sold") : row.status === "pending" && (row.hold_expires_at ?? 0) > now ? "held" : "available";
  return { id: row.id, title: row.title, category: row.category, size: row.size, tagPrice: row.tag_price ?? row.price, price: row.price, status };
}

/** A page of a session's transactions for the organizer; `archived`: the archive pruned them (read them from D1 and R2). */
export interface TransactionPage {
  transactions: TransactionView[];
  /** The `after` of the following page, or null on the last. */
  next: string | null;
  archived: boolean;
}

/** The orders the organizer's list comes in: by transaction id (a walk of the primary key), or newest first. */
export type TransactionOrder = "id" | "newest";

/**
 * The session's transactions with their lines after `afterId`: in id order, or newest first
 * (created_at, then id, descending: the index transactions_by_time), where `afterId` must be a
 * transaction of the session (the last of the page before).
 */
export function transactionPage(sql: Sql, s: SessionRow, afterId: string, limit: number, order: TransactionOrder = "id"): TransactionPage {
  let rows: StoredTransaction[];
  if (order === "id") rows = sql.all<StoredTransaction>("SELECT * FROM transactions WHERE id > ? ORDER BY id LIMIT ?", afterId, limit);
  else if (afterId === "") rows = sql.all<StoredTransaction>("SELECT * FROM transactions ORDER BY created_at DESC, id DESC LIMIT ?", limit);
  else {
    const from = sql.one<{ created_at: number }>("SELECT created_at FROM transactions WHERE id = ?", afterId);
    if (!from) throw new AppError("VALIDATION_FAILED", `after: ${afterId} is no transaction of this session`, { after: afterId });
    rows = sql.all<StoredTransaction>(
      "SELECT * FROM transactions WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?",
      from.created_at,
      afterId,
      limit,
    );
  }
  return {
    transactions: rows.map((tx) => transactionView(s, tx, linesOf(tx))),
    next: rows.length === limit ? rows.at(-1)!.id : null,
    archived: s.archived_at !== null,
  };
}

/** One line of a session's price list: what a register shows for a tag when it cannot ask. */
export interface PriceListItem {
  id: string;
  title: string;
  size: string;
  /** The price on its tag, in cents. */
  tagPrice: number;
  /** What it sells for in this session, in cents. */
  price: number;
}

export interface PriceListPage {
  items: PriceListItem[];
  /** The `after` of the following page, or null on the last. */
  next: string | null;
}

/** The session's items in id order after `afterId`, every status (a walk of the primary key). */
export function priceListPage(sql: Sql, afterId: string, limit: number): PriceListPage {
  const rows = sql.all<{ id: string; title: string; size: string; price: number; tag_price: number | null }>(
    "SELECT id, title, size, price, tag_price FROM items WHERE id > ? ORDER BY id LIMIT ?",
    afterId,
    limit,
  );
  return {
    items: rows.map((r) => ({ id: r.id, title: r.title, size: r.size, tagPrice: r.tag_price ?? r.price, price: r.price })),
    next: rows.length === limit ? rows.at(-1)!.id : null,
  };
}
