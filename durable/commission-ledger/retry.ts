import { audit } from "../../lib/audit";
import { invalidTransition, notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { Actor } from "../../schemas/domain";
import { TransactionCompleted } from "../../schemas/messages";
import { applyTally, book, newTally, outcomeOf } from "./calculations";
import type { LedgerContext } from "./context";
import { price, type Priced } from "./pricing";
import { calculation, storedLines, type CalculationRow } from "./schema";
import type { CalculationOutcome } from "./types";

/**
 * What a retry of one round comes to before anything is written: a calculation completed already,
 * or moved on to a later round, is left alone (superseded); else its sale as it was stored, priced now.
 */
export type RetryPlan =
  | { superseded: true; outcome: CalculationOutcome & { superseded: boolean } }
  | { superseded: false; calc: CalculationRow; message: TransactionCompleted; priced: Priced };

/**
 * A sale that the queue gave up on, recorded as `error` (`DEAD_LETTERED`) so it is visible and a
 * retry workflow takes it on. Only for a sale without a calculation. Inside a transaction.
 */
export function recordDeadLetter(sql: Sql, message: TransactionCompleted, now: number) {
  sql.run(
    `INSERT INTO calculations (tx_id, session_id, register_id, occurred_at, status, error_code, error, sale_total, message, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'error', 'DEAD_LETTERED', ?, ?, ?, ?, ?)`,
    message.transactionId,
    message.sessionId,
    message.registerId,
    message.occurredAt,
    "the queue gave up delivering this sale; a retry workflow takes it on",
    message.total,
    JSON.stringify(message),
    now,
    now,
  );
  applyTally(sql, { ...newTally(false), calculations: 1, errors: 1 });
}

/** Reads the calculation and prices its stored sale for a retry of round `round`; writes nothing. */
export function planRetry(ledger: LedgerContext, txId: string, round: number): RetryPlan {
  const calc = calculation(ledger.sql, txId);
  if (!calc) throw notFound(`calculation ${txId}`);
  if (calc.status === "completed" || calc.round !== round) return { superseded: true, outcome: { ...outcomeOf(calc, true), superseded: true } };
  const message = TransactionCompleted.parse(JSON.parse(calc.message));
  return { superseded: false, calc, message, priced: price(ledger, message) };
}

/**
 * error → pending → completed | error, from the sale as it was stored: only the state it ends in
 * is written. Inside a transaction.
 */
export function writeRetry(sql: Sql, { calc, message, priced }: Extract<RetryPlan, { superseded: false }>, now: number) {
  const txId = calc.tx_id;
  const tally = newTally(true);
  const wasError = calc.status === "error" ? 1 : 0;
  if (priced.ok) {
    sql.run(
      `UPDATE calculations SET status = 'completed', attempts = attempts + 1, error_code = NULL, error = NULL,
         base_amount = ?, bonus_amount = ?, total_amount = ?, lines = ?, updated_at = ?, completed_at = ? WHERE tx_id = ?`,
      priced.base,
      priced.total - priced.base,
      priced.total,
      storedLines(priced.lines),
      now,
      now,
      txId,
    );
    tally.errors -= wasError;
    book(sql, [{ message, priced }], now, tally);
  } else {
    sql.run(
      "UPDATE calculations SET status = 'error', attempts = attempts + 1, error_code = ?, error = ?, updated_at = ? WHERE tx_id = ?",
      priced.code,
      priced.message,
      now,
      txId,
    );
    tally.errors += 1 - wasError;
  }
  applyTally(sql, tally);
}

/** The calculation that may have another round of retries: only one in `error` can. */
export function retryable(sql: Sql, txId: string): CalculationRow {
  const calc = calculation(sql, txId);
  if (!calc) throw notFound(`calculation ${txId}`);
  if (calc.status !== "error") throw invalidTransition("calculation", calc.status, "pending");
  return calc;
}

/** Moves `calc` to its next round, audited. Inside a transaction. */
export function beginRound(sql: Sql, calc: CalculationRow, actor: Actor, now: number) {
  sql.run("UPDATE calculations SET round = round + 1, updated_at = ? WHERE tx_id = ?", now, calc.tx_id);
  audit(sql, actor, now, { entity: "calculation", entityId: calc.tx_id, action: "retry", before: { round: calc.round }, after: { round: calc.round + 1 } });
}
