import { AppError } from "../../lib/errors";
import { audit } from "../../lib/audit";
import type { Sql } from "../../lib/sql";
import type { Actor } from "../../schemas/domain";
import { voidedMessage } from "./messages";
import { linesOf, type SessionRow, type TransactionItemRow, type TransactionRow } from "./schema";
import type { SessionStore } from "./store";
import { findTransaction } from "./views";

/**
 * The transaction to void, with its lines. One voided already comes back as it is (the caller
 * answers with a replay); otherwise the session must allow a void by `actor`: a register only
 * while it is active, an admin also after it completed.
 */
export function voidable(sql: Sql, s: SessionRow, txId: string, actor: Actor): { tx: TransactionRow; items: TransactionItemRow[] } {
  const tx = findTransaction(sql, txId);
  if (tx.status === "voided") return { tx, items: linesOf(tx) };
  const allowed = s.status === "active" || (s.status === "completed" && actor.role === "admin");
  if (!allowed) {
    throw new AppError("SESSION_NOT_ACTIVE", `session is ${s.status}: ${actor.role === "admin" ? "nothing to void" : "only an admin can void now"}`, {
      status: s.status,
    });
  }
  return { tx, items: linesOf(tx) };
}

/**
 * completed → voided: the items are available again, the counters drop by exactly what the sale
 * added, and the voided message goes to the outbox. Inside a transaction.
 */
export function recordVoid(
  store: Pick<SessionStore, "sql" | "outbox">,
  s: SessionRow,
  tx: TransactionRow,
  items: TransactionItemRow[],
  reason: string,
  actor: Actor,
  now: number,
) {
  const { sql } = store;
  const txId = tx.id;
  for (const item of items) {
    sql.run("UPDATE items SET status = 'available', tx_id = NULL, sold_at = NULL WHERE id = ? AND tx_id = ?", item.item_id, txId);
    audit(sql, actor, now, { entity: "item", entityId: item.item_id, action: "void", before: { status: "sold", transactionId: txId }, after: { status: "available" } });
  }
  sql.run(
    "UPDATE transactions SET status = 'voided', voided_at = ?, void_reason = ?, void_actor = ? WHERE id = ?",
    now,
    reason,
    actor.keyId,
    txId,
  );
  sql.run(
    `UPDATE session SET total_sales = total_sales - ?, total_commissions = total_commissions - ?,
       sold_count = sold_count - ?, void_count = void_count + 1 WHERE id = 1`,
    tx.total,
    tx.commission_total,
    items.length,
  );
  audit(sql, actor, now, { entity: "transaction", entityId: txId, action: "void", before: { status: "completed" }, after: { status: "voided", reason } });
  store.outbox.enqueue(voidedMessage(s, { ...tx, status: "voided", voided_at: now, void_reason: reason }, items), now);
}
