import { AppError } from "../../lib/errors";
import { commissionOf } from "../../lib/money";
import type { Sql } from "../../lib/sql";
import type { TransactionCreate } from "../../schemas/api";
import type { Actor, Replayable, TransactionView } from "../../schemas/domain";
import { claim } from "./availability";
import { endHold } from "./holds";
import { requireActive } from "./lifecycle";
import { ArchivedReplay, prunedReplay, requireOwnId } from "./transaction-ids";
import { completedMessage } from "./messages";
import { linesOf, storedLines, type ItemRow, type SessionRow, type TransactionItemRow, type TransactionRow } from "./schema";
import type { SessionStore } from "./store";
import { sameSet, storedTransaction, transactionView } from "./views";

/**
 * Marks an item sold by a transaction (binds tx id, time, the api key selling); the caller adds
 * the WHERE. The audit row of the sale is written by SQLite with it (trigger item_sold_audit).
 */
const SELL_ITEM =
  "UPDATE items SET status = 'sold', tx_id = ?, sold_at = ?, sold_by = ?, hold_id = NULL, hold_register = NULL, hold_key = NULL, hold_expires_at = NULL";

/**
 * One checkout of session `s` (the mirror), committed; the caller makes sure the outbox is sent. A
 * transaction id seen before is found on the way out: a replay cannot sell its items again (they
 * are sold) nor write its id again (the key is taken), so it always fails inside and rolls back
 * first. An id another session of the event used is refused before anything is written; one of
 * this session's pruned transactions throws ArchivedReplay (the caller answers from the archive).
 */
export function sell(store: SessionStore, s: SessionRow, input: TransactionCreate, actor: Actor, now: number): Replayable<TransactionView> {
  try {
    requireActive(s);
    requireOwnId(store.foreignIds, input.id);
    return { value: record(store, s, input, actor, now), replayed: false };
  } catch (error) {
    const replay = replayOf(store, s, input);
    if (replay) return replay;
    throw error;
  }
}

/**
 * The answer to `input` when its id is one of this session's sales: a replay for the same
 * register, shopper, hold and cart, IDEMPOTENCY_KEY_REUSED for another, ArchivedReplay when the
 * archive pruned it (the caller answers from the archive); null when the id is new here.
 */
export function replayOf(store: Pick<SessionStore, "sql">, s: SessionRow, input: TransactionCreate): Replayable<TransactionView> | null {
  const existing = storedTransaction(store.sql, input.id);
  if (!existing) {
    // Pruned after the archive: recognised by what it was, answered from the archive.
    if (prunedReplay(store.sql, input)) throw new ArchivedReplay(input.id);
    return null;
  }
  const items = linesOf(existing);
  const same =
    existing.register_id === input.registerId &&
    existing.shopper_code === input.shopperCode &&
    existing.hold_id === (input.holdId ?? null) &&
    sameSet(
      items.map((i) => i.item_id),
      input.items,
    );
  if (!same) throw new AppError("IDEMPOTENCY_KEY_REUSED", `transaction ${input.id} was already used for another checkout`);
  return { value: transactionView(s, existing, items), replayed: true };
}

/**
 * Sells the cart in one SQL transaction, or throws having changed nothing: the items (each sale
 * audited by trigger), the transaction with its lines in its own row (the counters move by
 * trigger), the outbox message, and whatever `also` writes. Checks neither the session's status
 * nor the id's owner (the callers do).
 */
export function record(store: SessionStore, s: SessionRow, input: TransactionCreate, actor: Actor, now: number, also?: () => void): TransactionView {
  const sql = store.sql;
  const holdId = input.holdId ?? null;
  // Built here as they are written, so nothing needs reading back.
  const lines: TransactionItemRow[] = [];
  const tx: TransactionRow = {
    id: input.id,
    register_id: input.registerId,
    shopper_code: input.shopperCode,
    hold_id: holdId,
    status: "completed",
    total: 0,
    commission_total: 0,
    created_at: now,
    voided_at: null,
    void_reason: null,
  };
  let holdConsumed = false;
  store.storage.transactionSync(() => {
    for (const item of take(sql, input.items, holdId, actor.keyId, input.id, now)) {
      const commission = commissionOf(item.price, item.commission_rate);
      tx.total += item.price;
      tx.commission_total += commission;
      lines.push({
        item_id: item.id,
        consignor_id: item.consignor_id,
        title: item.title,
        price: item.price,
        commission_rate: item.commission_rate,
        commission,
        tag_price: item.tag_price ?? item.price,
      });
    }
    sql.run(
      `INSERT INTO transactions (id, register_id, shopper_code, hold_id, status, total, commission_total, item_count, created_at, actor, lines)
       VALUES (?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?)`,
      input.id,
      input.registerId,
      input.shopperCode,
      holdId,
      tx.total,
      tx.commission_total,
      lines.length,
      now,
      actor.keyId,
      storedLines(lines),
    );
    // The session's counters move with this insert (trigger session_counts_on_sale).
    // The cart's hold is used up: whatever it still keeps pending goes back on the floor.
    if (holdId && sql.one("SELECT 1 AS x FROM holds WHERE id = ? AND status = 'active'", holdId)) {
      endHold(sql, { outbox: store.outbox, session: s }, holdId, "consumed", actor, now);
      holdConsumed = true;
    }
    store.outbox.enqueue(completedMessage(s, tx, lines), now);
    also?.();
  });
  // The counters moved exactly as the trigger moved them; a consumed hold changed more, so read.
  if (holdConsumed) store.reload();
  else {
    store.mirror({
      ...s,
      total_sales: s.total_sales + tx.total,
      total_commissions: s.total_commissions + tx.commission_total,
      sold_count: s.sold_count + lines.length,
      tx_count: s.tx_count + 1,
      last_tx_at: now,
    });
  }
  return transactionView(s, tx, lines);
}

/**
 * Marks the cart's items sold by `txId` for the api key `keyId`, in cart order, with each one's
 * state before (each sale audited by trigger item_sold_audit). An
 * available item is taken in one statement; the others (pending under a hold) are checked by
 * `claim`, which refuses the whole cart if any cannot be sold. Inside a transaction.
 */
function take(sql: Sql, ids: readonly string[], holdId: string | null, keyId: string, txId: string, now: number): ItemRow[] {
  const taken = new Map<string, ItemRow>();
  const rest: string[] = [];
  for (const id of ids) {
    const row = sql.one<Omit<ItemRow, "status">>(
      `${SELL_ITEM} WHERE id = ? AND status = 'available'
       RETURNING id, consignor_id, title, price, tag_price, commission_rate, hold_id, hold_register, hold_key, hold_expires_at`,
      txId,
      now,
      keyId,
      id,
    );
    if (row) taken.set(id, { ...row, status: "available" });
    else rest.push(id);
  }
  if (rest.length > 0) {
    for (const item of claim(sql, rest, holdId, keyId, now).rows) {
      sql.run(
        `${SELL_ITEM} WHERE id = ?`,
        txId,
        now,
        keyId,
        item.id,
      );
      taken.set(item.id, item);
    }
  }
  return ids.map((id) => taken.get(id)!);
}
