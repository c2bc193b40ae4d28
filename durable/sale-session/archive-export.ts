import { AppError, invalidTransition } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import { ARCHIVE_PAGE, SESSION_KINDS, type ArchivePage, type ArchiveRow, type SessionKind } from "../../schemas/archive";
import { pendingIntentCount } from "./late-sales";
import { linesOf, TRANSACTION_COLUMNS, type SessionRow } from "./schema";
import type { SessionStore } from "./store";
import { keepPrunedIds } from "./transaction-ids";

/**
 * Sold items in id order after `afterId`, with the transaction that sold each (for the Inventory).
 * A walk of the items in key order that stops at `limit` sold ones: reading every page of them
 * reads the items once, and a sale writes no index entry for it.
 */
export function listSold(sql: Sql, afterId: string, limit: number): { itemId: string; transactionId: string; soldAt: number }[] {
  return sql
    .all<{ id: string; tx_id: string; sold_at: number | null }>(
      // Items sold online are the Inventory's own sales, not this session's.
      "SELECT id, tx_id, sold_at FROM items WHERE status = 'sold' AND id > ? AND sold_by IS NOT 'shopify' ORDER BY id LIMIT ?",
      afterId,
      Math.min(limit, 10_000),
    )
    .map((r) => ({ itemId: r.id, transactionId: r.tx_id, soldAt: r.sold_at ?? 0 }));
}

/** Transactions in id order after `afterId`, with their status (for the reconciler). */
export function listTransactions(sql: Sql, afterId: string, limit: number): { id: string; status: "completed" | "voided"; createdAt: number; voidedAt: number | null }[] {
  return sql
    .all<{ id: string; status: "completed" | "voided"; created_at: number; voided_at: number | null }>(
      "SELECT id, status, created_at, voided_at FROM transactions WHERE id > ? ORDER BY id LIMIT ?",
      afterId,
      Math.min(limit, 1_000),
    )
    .map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at, voidedAt: r.voided_at }));
}

function requireEnded(s: SessionRow) {
  if (s.status !== "completed" && s.status !== "cancelled") throw invalidTransition("session", s.status, "archived");
}

/** A page of one kind of row for the archive, in key order after `after`. Only ended sessions. */
export function archivePage(sql: Sql, s: SessionRow, kind: SessionKind, after: string, limit: number): ArchivePage {
  requireEnded(s);
  const size = Math.min(limit, ARCHIVE_PAGE);
  let rows: ArchiveRow[];
  let next: (row: ArchiveRow) => string;
  switch (kind) {
    case "transactions":
      rows = sql.all<ArchiveRow>(`SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE id > ? ORDER BY id LIMIT ?`, after, size);
      next = (r) => String(r.id);
      break;
    case "transaction_items": {
      const [tx = "", position = "-1"] = after.split("|");
      rows = lineRows(sql, tx, Number(position), size);
      next = (r) => `${r.tx_id}|${r.position}`;
      break;
    }
    case "audit":
      rows = sql.all<ArchiveRow>("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", Number(after || 0), size);
      next = (r) => String(r.seq);
      break;
  }
  return { rows, next: rows.length === size ? next(rows.at(-1)!) : null };
}

/**
 * Up to `size` lines in (tx_id, position) order after (`afterTx`, `afterPosition`), as rows of
 * `transaction_items`: each transaction holds its own lines, and a page needs at most `size`
 * transactions after the one it starts in (every one has a line).
 */
function lineRows(sql: Sql, afterTx: string, afterPosition: number, size: number): ArchiveRow[] {
  const rows: ArchiveRow[] = [];
  for (const { id, lines } of sql.all<{ id: string; lines: string }>("SELECT id, lines FROM transactions WHERE id >= ? ORDER BY id LIMIT ?", afterTx, size + 1)) {
    for (const [position, line] of linesOf({ lines }).entries()) {
      if (id === afterTx && position <= afterPosition) continue;
      if (rows.length === size) return rows;
      rows.push({ tx_id: id, position, ...line });
    }
  }
  return rows;
}

/**
 * The rows an ended session holds of each kind, once it is checked they may be dropped: refused if
 * they are other counts than were archived (something changed since), so nothing unarchived is
 * lost, or while messages wait in the outbox. `done` when an earlier prune dropped them already.
 */
export function checkPrune(
  store: Pick<SessionStore, "sql" | "outbox">,
  s: SessionRow,
  archived: Record<SessionKind, number>,
): { held: Record<SessionKind, number>; done: boolean } {
  requireEnded(s);
  const { sql, outbox } = store;
  const held: Record<SessionKind, number> = {
    transactions: sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM transactions")!.n,
    transaction_items: sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM transaction_items")!.n,
    audit: sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM audit")!.n,
  };
  if (s.archived_at !== null && held.transactions + held.transaction_items + held.audit === 0) return { held, done: true };
  const same = SESSION_KINDS.every((k) => held[k] === archived[k]);
  if (!same) throw new AppError("INVALID_TRANSITION", "the session changed since it was archived; archive it again", { held, archived });
  if (outbox.pending() > 0) throw new AppError("INVALID_TRANSITION", "the session still has messages to send", { outbox: outbox.pending() });
  const late = pendingIntentCount(sql);
  if (late > 0) throw new AppError("INVALID_TRANSITION", "a sale uploaded after the session ended is still being recorded", { lateSales: late });
  return { held, done: false };
}

/**
 * Drops what the archive holds (transactions with their lines, the audit trail, ended holds), keeping
 * the summary, every item's status, and each transaction's id with its cart (so the id stays the
 * event's and a late replay is still answered). Inside a transaction.
 */
export function dropArchived(sql: Sql, now: number) {
  keepPrunedIds(sql);
  sql.run("DELETE FROM transactions");
  sql.run("DELETE FROM audit");
  sql.run("DELETE FROM holds WHERE status != 'active'");
  sql.run("UPDATE session SET archived_at = ? WHERE id = 1", now);
}
