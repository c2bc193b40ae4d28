import type { Sql } from "../../lib/sql";
import { audit } from "../../lib/audit";
import { systemActor } from "../../schemas/domain";
import type { TransactionMessage, TransactionVoided } from "../../schemas/messages";
import { calculation } from "./schema";

/**
 * Reverses the sale exactly if it is calculated, or holds the void until it is (`book` applies it
 * then); a second delivery changes nothing. Inside a transaction.
 */
export function voidOf(sql: Sql, message: TransactionVoided, now: number): { applied: boolean; held: boolean; rejected?: string } {
  const calc = calculation(sql, message.transactionId);
  if (calc && calc.session_id !== message.sessionId) {
    // A void only ever voids a sale of the session it is addressed to.
    const rejected = `transaction ${message.transactionId} belongs to session ${calc.session_id}, not ${message.sessionId}`;
    auditRejected(sql, message, calc.session_id, rejected, now);
    return { applied: false, held: false, rejected };
  }
  if (calc?.status === "completed") {
    if (calc.voided_at !== null) return { applied: false, held: false };
    reverse(sql, message.transactionId, message.reason, now);
    return { applied: true, held: false };
  }
  const inserted = sql.run(
    "INSERT OR IGNORE INTO held_voids (tx_id, reason, occurred_at, received_at, session_id) VALUES (?, ?, ?, ?, ?)",
    message.transactionId,
    message.reason,
    message.occurredAt,
    now,
    message.sessionId,
  );
  return { applied: false, held: inserted > 0 };
}

/** The exact negation of what the transaction's entries add up to, per consignor. In a transaction. */
export function reverse(sql: Sql, txId: string, reason: string, now: number) {
  const nets = sql.all<{ consignor_id: string; net: number }>(
    "SELECT consignor_id, SUM(amount) AS net FROM entries WHERE tx_id = ? GROUP BY consignor_id",
    txId,
  );
  for (const { consignor_id, net } of nets) {
    sql.run("INSERT INTO entries (consignor_id, tx_id, kind, amount, created_at) VALUES (?, ?, 'reversal', ?, ?)", consignor_id, txId, -net, now);
  }
  const sale = sql.one<{ sale_total: number }>("SELECT sale_total FROM calculations WHERE tx_id = ?", txId)!;
  sql.run("UPDATE calculations SET voided_at = ?, void_reason = ?, updated_at = ? WHERE tx_id = ?", now, reason, now, txId);
  sql.run("UPDATE ledger_meta SET standing_sales = standing_sales - ? WHERE id = 1", sale.sale_total);
}

/** A message refused because its transaction id is the ledger's under another session or cart: audited, never applied. */
export function auditRejected(sql: Sql, message: Pick<TransactionMessage, "type" | "transactionId" | "sessionId">, ownerSessionId: string, reason: string, now: number) {
  audit(sql, systemActor("system:transactions-consumer"), now, {
    entity: "transaction",
    entityId: message.transactionId,
    action: "message-rejected",
    before: { sessionId: ownerSessionId },
    after: { type: message.type, sessionId: message.sessionId, reason },
  });
}
