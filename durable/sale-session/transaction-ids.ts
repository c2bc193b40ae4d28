import { AppError, notFound, unwrap, type Result } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { TransactionCreate } from "../../schemas/api";
import type { TransactionView } from "../../schemas/domain";
import type { SessionRow, TransactionItemRow, TransactionRow } from "./schema";
import type { SessionStore } from "./store";
import { sameSet, transactionView } from "./views";

/**
 * Transaction ids are the event's, not the session's: an id used in any session of the
 * event is refused in every other one, with any cart. A session learns the ids of the sessions
 * that ran before it when it starts (sessions run one after another, and an ended session takes no
 * new sales), and keeps its own after the archive pruned their rows, so a register that hears back
 * late still gets its 200.
 */

/** Ids read from another session per call while starting. */
export const IDS_PAGE = 5_000;

/** Refuses an id another session of the event used. A lookup in memory: no statement on the checkout's path. */
export function requireOwnId(foreignIds: ReadonlyMap<string, string>, txId: string) {
  const other = foreignIds.get(txId);
  if (other !== undefined) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", `transaction ${txId} was already used in session ${other} of this event`, { sessionId: other });
  }
}

/** The ids of the event's other sessions this session knows (read once when the object wakes). */
export function readForeignIds(sql: Sql): Map<string, string> {
  return new Map(sql.all<{ id: string; session_id: string }>("SELECT id, session_id FROM foreign_tx").map((r) => [r.id, r.session_id]));
}

/** A checkout that replays one of this session's pruned transactions: answered from the archive in D1. */
export class ArchivedReplay extends Error {
  override readonly name = "ArchivedReplay";
  constructor(readonly txId: string) {
    super(`transaction ${txId} was archived; its replay is answered from the archive`);
  }
}

/**
 * Whether `input` replays a pruned transaction of this session: true for the same register,
 * shopper, hold and cart; IDEMPOTENCY_KEY_REUSED for another; false if the id is not one of them.
 */
export function prunedReplay(sql: Sql, input: TransactionCreate): boolean {
  const row = sql.one<{ cart: string }>("SELECT cart FROM pruned_tx WHERE id = ?", input.id);
  if (!row) return false;
  const [registerId, shopperCode, holdId, items] = JSON.parse(row.cart) as [string, string, string | null, string[]];
  const same = registerId === input.registerId && shopperCode === input.shopperCode && holdId === (input.holdId ?? null) && sameSet(items, input.items);
  if (!same) throw new AppError("IDEMPOTENCY_KEY_REUSED", `transaction ${input.id} was already used for another checkout`);
  return true;
}

/** Whether `txId` is one of this session's pruned transactions. */
export function isPruned(sql: Sql, txId: string): boolean {
  return sql.one("SELECT 1 AS x FROM pruned_tx WHERE id = ?", txId) !== null;
}

/** Before the archive drops the transactions: what each one was, kept by id. Inside that transaction. */
export function keepPrunedIds(sql: Sql) {
  sql.run(
    `INSERT OR IGNORE INTO pruned_tx (id, cart)
     SELECT t.id, json_array(t.register_id, t.shopper_code, t.hold_id,
       json((SELECT json_group_array(l.value ->> 0 ORDER BY l.key) FROM json_each(t.lines) l)))
     FROM transactions t`,
  );
}

/**
 * This session's transaction ids after `after`, in order, live and pruned, and those of sales
 * uploaded late whose items the Inventory is claiming (for the sessions after it).
 */
export function transactionIds(sql: Sql, after: string, limit: number): string[] {
  return sql
    .all<{ id: string }>(
      `SELECT id FROM (SELECT id FROM transactions WHERE id > ?1 UNION SELECT id FROM pruned_tx WHERE id > ?1 UNION SELECT tx_id FROM late_sales WHERE tx_id > ?1)
       ORDER BY id LIMIT ?2`,
      after,
      Math.min(limit, IDS_PAGE),
    )
    .map((r) => r.id);
}

/** Records ids of another session of the event (idempotent), in storage and in `foreignIds`. */
export function addForeignIds(store: Pick<SessionStore, "sql" | "storage" | "foreignIds">, sessionId: string, ids: readonly string[]) {
  store.storage.transactionSync(() => store.sql.insertMany("INSERT OR IGNORE INTO foreign_tx (id, session_id)", ids.map((id) => [id, sessionId])));
  for (const id of ids) if (!store.foreignIds.has(id)) store.foreignIds.set(id, sessionId);
}

/** One of this session's pruned transactions, as the archive in D1 holds it. */
export async function archivedTransaction(db: D1Database, s: SessionRow, txId: string): Promise<TransactionView> {
  const tx = await db
    .prepare("SELECT * FROM transactions WHERE event_id = ? AND id = ? AND session_id = ?")
    .bind(s.event_id, txId, s.session_id)
    .first<TransactionRow>();
  if (!tx) throw notFound(`transaction ${txId} in the archive`);
  const { results } = await db
    .prepare("SELECT item_id, consignor_id, title, price, commission_rate, commission, COALESCE(tag_price, price) AS tag_price FROM transaction_items WHERE event_id = ? AND tx_id = ? ORDER BY position")
    .bind(s.event_id, txId)
    .all<TransactionItemRow>();
  return transactionView(s, tx, results);
}

/**
 * The transaction ids of the event's other sessions, so none of them is sold again here. They
 * ended before this one could start (sessions run one after another), so their ids are final;
 * the ids of sales uploaded late to one of them come with them. Idempotent: a start that failed
 * half way reads them again.
 */
export async function loadEarlierIds(
  store: Pick<SessionStore, "sql" | "storage" | "foreignIds">,
  sessionIds: readonly string[],
  stubOf: (sessionId: string) => { transactionIds(after: string, limit: number): Promise<Result<string[]>> },
) {
  for (const other of sessionIds) {
    for (let after = ""; ; ) {
      const ids = unwrap(await stubOf(other).transactionIds(after, IDS_PAGE));
      if (ids.length === 0) break;
      addForeignIds(store, other, ids);
      if (ids.length < IDS_PAGE) break;
      after = ids.at(-1)!;
    }
  }
}
