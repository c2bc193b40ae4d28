import type { Sql } from "../../lib/sql";
import { ARCHIVE_PAGE, type ArchivePage, type ArchiveRow, type LedgerKind } from "../../schemas/archive";
import { FEES_SESSION } from "../../schemas/common";
import { FEE_TX_ID } from "./fees";

/** The fee entries (kind `fee`, belonging to no sale) as the archive's pseudo-session FEES_SESSION (through the index `entries_once`). */
const FEE_ENTRIES = `SELECT e.seq, e.consignor_id, e.tx_id, '${FEES_SESSION}' AS session_id, e.kind, e.amount, e.batch_id, e.created_at
  FROM entries e WHERE e.tx_id = '${FEE_TX_ID}' AND e.kind = 'fee'`;

/**
 * A page of one session's calculations or ledger entries for the archive, in key order. Session
 * FEES_SESSION has no calculations; its entries are the event's fee entries.
 */
export function archivePage(sql: Sql, kind: LedgerKind, sessionId: string, after: string, limit: number): ArchivePage {
  const size = Math.min(limit, ARCHIVE_PAGE);
  const rows =
    sessionId === FEES_SESSION && kind === "ledger_entries"
      ? sql.all<ArchiveRow>(`${FEE_ENTRIES} AND e.seq > ? ORDER BY e.seq LIMIT ?`, Number(after || 0), size)
      : kind === "calculations"
      ? sql.all<ArchiveRow>(
          `SELECT tx_id, session_id, status, attempts, error_code, error, sale_total, base_amount, bonus_amount, total_amount,
             voided_at, occurred_at, completed_at FROM calculations WHERE session_id = ? AND tx_id > ? ORDER BY tx_id LIMIT ?`,
          sessionId,
          after,
          size,
        )
      : sql.all<ArchiveRow>(
          `SELECT e.seq, e.consignor_id, e.tx_id, c.session_id, e.kind, e.amount, e.batch_id, e.created_at
           FROM entries e JOIN calculations c ON c.tx_id = e.tx_id WHERE c.session_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
          sessionId,
          Number(after || 0),
          size,
        );
  const last = rows.at(-1);
  return { rows, next: rows.length === size && last ? String(kind === "calculations" ? last.tx_id : last.seq) : null };
}

/** What the archive needs to know of one session's calculations and entries. */
export interface LedgerSessionState {
  /** Changes whenever any calculation or entry of the session does: the archive copies it again then. */
  version: string;
  calculations: number;
  completed: number;
  pending: number;
  errors: number;
  voided: number;
  /** Voids received before their sale, still waiting for it. */
  voidsHeld: number;
}

/**
 * Every session's state in the ledger, in three grouped reads (the nightly archive asks once per
 * event). A calculation's every change moves its `updated_at`, and entries are only ever added, so
 * the counts, the latest change and the last entry's seq together change with any change.
 */
export function sessionStates(sql: Sql): Record<string, LedgerSessionState> {
  const states: Record<string, LedgerSessionState & { parts: (number | null)[] }> = {};
  const state = (sessionId: string) =>
    (states[sessionId] ??= { version: "", calculations: 0, completed: 0, pending: 0, errors: 0, voided: 0, voidsHeld: 0, parts: [] });
  for (const r of sql.all<{ session_id: string; n: number; completed: number; pending: number; errors: number; voided: number; updated: number; tries: number }>(
    `SELECT session_id, COUNT(*) AS n, SUM(status = 'completed') AS completed, SUM(status = 'pending') AS pending,
       SUM(status = 'error') AS errors, SUM(voided_at IS NOT NULL) AS voided, MAX(updated_at) AS updated, SUM(attempts + round) AS tries
     FROM calculations GROUP BY session_id`,
  )) {
    Object.assign(state(r.session_id), { calculations: r.n, completed: r.completed, pending: r.pending, errors: r.errors, voided: r.voided });
    state(r.session_id).parts.push(r.n, r.completed, r.pending, r.errors, r.voided, r.updated, r.tries);
  }
  for (const r of sql.all<{ session_id: string; n: number; last: number }>(
    "SELECT c.session_id, COUNT(*) AS n, MAX(e.seq) AS last FROM entries e JOIN calculations c ON c.tx_id = e.tx_id GROUP BY c.session_id",
  )) {
    state(r.session_id).parts.push(r.n, r.last);
  }
  for (const r of sql.all<{ session_id: string | null; n: number }>("SELECT session_id, COUNT(*) AS n FROM held_voids GROUP BY session_id")) {
    if (r.session_id !== null) state(r.session_id).voidsHeld = r.n;
  }
  // The fee entries, as their pseudo-session: only added to, so their count and last seq are their version.
  const fees = sql.one<{ n: number; last: number | null }>(`SELECT COUNT(*) AS n, MAX(seq) AS last FROM (${FEE_ENTRIES})`)!;
  if (fees.n > 0) state(FEES_SESSION).parts.push(fees.n, fees.last);
  return Object.fromEntries(
    Object.entries(states).map(([id, { parts, ...rest }]) => [id, { ...rest, version: parts.join(".") }]),
  );
}
