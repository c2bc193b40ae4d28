import type { Sql } from "../../lib/sql";
import type { TransactionCompleted, TransactionMessage } from "../../schemas/messages";
import type { LedgerContext } from "./context";
import { price, type Priced } from "./pricing";
import { calculation, storedLines, type CalculationRow } from "./schema";
import type { CalculationOutcome } from "./types";
import { auditRejected, reverse, voidOf } from "./voids";

/** What one SQL transaction adds to ledger_meta, written once at its end. */
export interface Tally {
  calculations: number;
  errors: number;
  standingSales: number;
  lastCalculation: number | null;
  /** Whether any void may be waiting for its sale (held_voids is looked at only then). */
  voidsHeld: boolean;
}

/** A sale priced and newly calculated, to be written to the ledger. */
export type Booking = { message: TransactionCompleted; priced: Extract<Priced, { ok: true }> };

export const newTally = (voidsHeld: boolean): Tally => ({ calculations: 0, errors: 0, standingSales: 0, lastCalculation: null, voidsHeld });

export function outcomeOf(calc: CalculationRow, duplicate: boolean): CalculationOutcome {
  return { transactionId: calc.tx_id, status: calc.status, round: calc.round, duplicate, errorCode: calc.error_code, error: calc.error };
}

/** One sale, calculated once; a second delivery changes nothing. Inside a transaction. */
export function recordSale(ledger: LedgerContext, message: TransactionCompleted, now: number): CalculationOutcome {
  const tally = newTally(true);
  const outcomes = salesOf(ledger, [message], now, tally);
  applyTally(ledger.sql, tally);
  return outcomes[0]!;
}

/**
 * A batch from the queue: its sales written first, all together, then its voids applied or held.
 * Returns the outcome of every sale, and the voids refused (addressed to another session's sale).
 * Inside a transaction.
 */
export function recordBatch(
  ledger: LedgerContext,
  messages: readonly TransactionMessage[],
  now: number,
): { sales: CalculationOutcome[]; rejectedVoids: { transactionId: string; reason: string }[] } {
  // Held voids are rare: look for them among the new sales only when any is waiting.
  const tally = newTally(ledger.sql.one("SELECT 1 AS x FROM held_voids LIMIT 1") !== null);
  const outcomes = salesOf(
    ledger,
    messages.filter((m): m is TransactionCompleted => m.type === "transaction.completed"),
    now,
    tally,
  );
  const rejectedVoids: { transactionId: string; reason: string }[] = [];
  for (const message of messages) {
    if (message.type !== "transaction.voided") continue;
    const { rejected } = voidOf(ledger.sql, message, now);
    if (rejected !== undefined) rejectedVoids.push({ transactionId: message.transactionId, reason: rejected });
  }
  applyTally(ledger.sql, tally);
  return { sales: outcomes, rejectedVoids };
}

/**
 * pending → completed | error, for many sales in a few statements. Each is priced before it is
 * written, inside the one SQL transaction that records it, so the `pending` state is never
 * stored: a calculation is written once, in the state it ends in. A sale calculated before (or
 * earlier in the same list) is a duplicate and changes nothing. Outcomes are in `messages` order.
 */
export function salesOf(ledger: LedgerContext, messages: readonly TransactionCompleted[], now: number, tally: Tally): CalculationOutcome[] {
  const priced = messages.map((message) => price(ledger, message));
  const firstAt = new Map<string, number>();
  messages.forEach((message, i) => {
    if (!firstAt.has(message.transactionId)) firstAt.set(message.transactionId, i);
  });
  const candidates = [...firstAt.values()];
  const written = new Set(
    ledger.sql
      .insertManyReturning<{ tx_id: string }>(
        `INSERT OR IGNORE INTO calculations (tx_id, session_id, register_id, occurred_at, status, attempts, error_code, error,
           sale_total, base_amount, bonus_amount, total_amount, message, lines, created_at, updated_at, completed_at)`,
        candidates.map((i) => {
          const message = messages[i]!;
          const p = priced[i]!;
          return [
            message.transactionId,
            message.sessionId,
            message.registerId,
            message.occurredAt,
            p.ok ? "completed" : "error",
            1,
            p.ok ? null : p.code,
            p.ok ? null : p.message,
            message.total,
            p.ok ? p.base : null,
            p.ok ? p.total - p.base : null,
            p.ok ? p.total : null,
            JSON.stringify(message),
            p.ok ? storedLines(p.lines) : "[]",
            now,
            now,
            p.ok ? now : null,
          ];
        }),
        "tx_id",
      )
      .map((row) => row.tx_id),
  );
  const isNew = (i: number) => firstAt.get(messages[i]!.transactionId) === i && written.has(messages[i]!.transactionId);
  const booked: Booking[] = [];
  const outcomes = messages.map((message, i): CalculationOutcome | null => {
    if (!isNew(i)) return null;
    const p = priced[i]!;
    tally.calculations += 1;
    if (!p.ok) {
      tally.errors += 1;
      return { transactionId: message.transactionId, status: "error", round: 0, duplicate: false, errorCode: p.code, error: p.message };
    }
    booked.push({ message, priced: p });
    return { transactionId: message.transactionId, status: "completed", round: 0, duplicate: false, errorCode: null, error: null };
  });
  book(ledger.sql, booked, now, tally);
  return outcomes.map((outcome, i) => outcome ?? duplicateOf(ledger.sql, messages[i]!, now));
}

/**
 * A sale whose transaction id is calculated already: a redelivery of the same sale changes
 * nothing; the same id under another session or with another cart is refused and audited, and
 * never touches the calculation it collided with. Inside a transaction.
 */
export function duplicateOf(sql: Sql, message: TransactionCompleted, now: number): CalculationOutcome {
  const calc = calculation(sql, message.transactionId)!;
  const reason = mismatchOf(calc, message);
  if (reason === null) return outcomeOf(calc, true);
  auditRejected(sql, message, calc.session_id, reason, now);
  return { ...outcomeOf(calc, true), rejected: reason };
}

function mismatchOf(calc: CalculationRow, message: TransactionCompleted): string | null {
  if (calc.session_id !== message.sessionId) {
    return `transaction ${message.transactionId} belongs to session ${calc.session_id}, not ${message.sessionId}`;
  }
  const stored = (JSON.parse(calc.message) as TransactionCompleted).items.map((i) => i.itemId).sort();
  const named = message.items.map((i) => i.itemId).sort();
  if (stored.length !== named.length || stored.some((id, i) => id !== named[i])) {
    return `transaction ${message.transactionId} was calculated with other items`;
  }
  return null;
}

/**
 * Writes what each consignor is owed by priced sales (a sale entry per consignor of their lines,
 * which is also how a consignor's sales are found), and applies voids that were waiting for
 * them. In a transaction, right after their calculations became `completed` with their lines.
 */
export function book(sql: Sql, bookings: readonly Booking[], now: number, tally: Tally) {
  if (bookings.length === 0) return;
  sql.insertMany(
    "INSERT INTO entries (consignor_id, tx_id, kind, amount, created_at)",
    bookings.flatMap(({ message, priced }) => [...priced.perConsignor].map(([consignorId, amount]) => [consignorId, message.transactionId, "sale", amount, now])),
  );
  for (const { message } of bookings) tally.standingSales += message.total;
  tally.lastCalculation = now;
  if (tally.voidsHeld) {
    const held = sql.all<{ tx_id: string; reason: string; session_id: string | null }>(
      "DELETE FROM held_voids WHERE tx_id IN (SELECT value FROM json_each(?)) RETURNING tx_id, reason, session_id",
      JSON.stringify(bookings.map(({ message }) => message.transactionId)),
    );
    const sessionOf = new Map(bookings.map(({ message }) => [message.transactionId, message.sessionId]));
    for (const { tx_id, reason, session_id } of held) {
      const sessionId = sessionOf.get(tx_id)!;
      if (session_id === null || session_id === sessionId) reverse(sql, tx_id, reason, now);
      else {
        const why = `transaction ${tx_id} belongs to session ${sessionId}, not ${session_id}`;
        auditRejected(sql, { type: "transaction.voided", transactionId: tx_id, sessionId: session_id }, sessionId, why, now);
      }
    }
  }
}

/** Adds what a transaction changed to the ledger's counters, in one statement. */
export function applyTally(sql: Sql, tally: Tally) {
  if (tally.calculations === 0 && tally.errors === 0 && tally.standingSales === 0 && tally.lastCalculation === null) return;
  sql.run(
    `UPDATE ledger_meta SET total_calculations = total_calculations + ?, error_count = error_count + ?,
       standing_sales = standing_sales + ?, last_calculation = COALESCE(?, last_calculation) WHERE id = 1`,
    tally.calculations,
    tally.errors,
    tally.standingSales,
    tally.lastCalculation,
  );
}
