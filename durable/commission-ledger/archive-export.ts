import type { Sql } from "../../lib/sql";
import { ARCHIVE_PAGE, type ArchivePage, type ArchiveRow, type LedgerKind } from "../../schemas/archive";

/** A page of one session's calculations or ledger entries for the archive, in key order. */
export function archivePage(sql: Sql, kind: LedgerKind, sessionId: string, after: string, limit: number): ArchivePage {
  const size = Math.min(limit, ARCHIVE_PAGE);
  const rows =
    kind === "calculations"
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
