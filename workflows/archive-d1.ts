import { PIECE_ROWS } from "../lib/archive-pages";
import { ARCHIVE_COLUMNS, auditSource, type ArchiveKind, type ArchivePart, type ArchiveValue, type SessionRef } from "../schemas/archive";

/**
 * The archive's D1 side: each page upserted in a few statements (its rows travel as one JSON
 * parameter), and read back by the same key range to check its content against the object's.
 */

type Value = ArchiveValue;

/**
 * The D1 table of each kind, its key, and the columns every row of this session gets besides its
 * own. Parameters: ?1 the rows (JSON), ?2 the event, ?3 the session, ?4 the audit source.
 */
const TABLES: Record<ArchiveKind, { table: string; key: string[]; fixed: [string, string][] }> = {
  transactions: { table: "transactions", key: ["event_id", "id"], fixed: [["event_id", "?2"], ["session_id", "?3"]] },
  transaction_items: { table: "transaction_items", key: ["event_id", "tx_id", "position"], fixed: [["event_id", "?2"]] },
  audit: {
    table: "audit_log",
    key: ["id"],
    fixed: [
      ["id", "?4 || ':' || ?2 || ':' || ?3 || ':' || (value ->> 0)"],
      ["event_id", "?2"],
      ["session_id", "?3"],
      ["source", "?4"],
    ],
  },
  calculations: { table: "calculations", key: ["event_id", "tx_id"], fixed: [["event_id", "?2"]] },
  ledger_entries: { table: "ledger_entries", key: ["event_id", "seq"], fixed: [["event_id", "?2"]] },
};

/**
 * `INSERT … SELECT … FROM json_each(?1) … ON CONFLICT DO UPDATE`: a row archived before is
 * brought up to date (a void after the archive, a calculation completed later), a new one added.
 */
const UPSERTS = Object.fromEntries(
  Object.entries(TABLES).map(([kind, { table, key, fixed }]) => {
    const own = ARCHIVE_COLUMNS[kind as ArchiveKind].map((column, i): [string, string] => [column, `value ->> ${i}`]);
    const columns = [...fixed, ...own];
    const updated = columns.map(([c]) => c).filter((c) => !key.includes(c));
    return [
      kind,
      `INSERT INTO ${table} (${columns.map(([c]) => c).join(", ")})
       SELECT ${columns.map(([, v]) => v).join(", ")} FROM json_each(?1) WHERE true
       ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${updated.map((c) => `${c} = excluded.${c}`).join(", ")}`,
    ];
  }),
) as Record<ArchiveKind, string>;

/** How many of the parameters ?1…?4 each upsert uses. */
const PARAMETERS = Object.fromEntries(
  Object.entries(UPSERTS).map(([kind, sql]) => [kind, Math.max(...[...sql.matchAll(/\?(\d)/g)].map((m) => Number(m[1])))]),
) as Record<ArchiveKind, number>;

/**
 * Upserts one page into D1 in one batch (one implicit transaction): all of it or none. `pieces`:
 * the page's rows as JSON arrays joined with commas, a piece of PIECE_ROWS rows per statement (a
 * parameter of a few dozen KiB, well under D1's limit on a bound value). One call per page: D1
 * calls in smaller batches (64–96 KiB, so that no string of them is one V8 keeps until a full
 * collection) cost a third of the speed locally, and would cost more where each call crosses the
 * network, for no gain in memory beyond the noise (README, Benchmark).
 */
export async function upsertPage(db: D1Database, s: SessionRef, kind: ArchiveKind, pieces: readonly string[]): Promise<void> {
  // The session and the source appear only in the tables that store them; D1 wants exactly the parameters used.
  const fixed = [s.eventId, s.sessionId, auditSource(s)].slice(0, PARAMETERS[kind] - 1);
  const statements = pieces.map((piece) => db.prepare(UPSERTS[kind]).bind(`[${piece}]`, ...fixed));
  if (statements.length > 0) await db.batch(statements);
}

/** The rows of one part in D1: its table, their range in the kind's key order, and that order. */
function partScope(s: SessionRef, kind: ArchiveKind, part: Pick<ArchivePart, "after" | "last">): { alias: string; from: string; order: string; params: Value[] } {
  switch (kind) {
    case "transactions":
      return { alias: "t", from: "transactions t WHERE t.event_id = ? AND t.session_id = ? AND t.id > ? AND t.id <= ?", order: "t.id", params: [s.eventId, s.sessionId, part.after, part.last] };
    case "transaction_items": {
      const [afterTx = "", afterPos = "-1"] = part.after.split("|");
      const [lastTx = "", lastPos = "0"] = part.last.split("|");
      return {
        alias: "i",
        from: `transaction_items i JOIN transactions t ON t.event_id = i.event_id AND t.id = i.tx_id
           WHERE i.event_id = ? AND t.session_id = ? AND (i.tx_id, i.position) > (?, ?) AND (i.tx_id, i.position) <= (?, ?)`,
        order: "i.tx_id, i.position",
        params: [s.eventId, s.sessionId, afterTx, Number(afterPos), lastTx, Number(lastPos)],
      };
    }
    case "audit":
      return {
        alias: "a",
        from: "audit_log a WHERE a.event_id = ? AND a.session_id = ? AND a.source = ? AND a.seq > ? AND a.seq <= ?",
        order: "a.seq",
        params: [s.eventId, s.sessionId, auditSource(s), Number(part.after || 0), Number(part.last)],
      };
    case "calculations":
      return { alias: "c", from: "calculations c WHERE c.event_id = ? AND c.session_id = ? AND c.tx_id > ? AND c.tx_id <= ?", order: "c.tx_id", params: [s.eventId, s.sessionId, part.after, part.last] };
    case "ledger_entries":
      return {
        alias: "e",
        from: "ledger_entries e WHERE e.event_id = ? AND e.session_id = ? AND e.seq > ? AND e.seq <= ?",
        order: "e.seq",
        params: [s.eventId, s.sessionId, Number(part.after || 0), Number(part.last)],
      };
  }
}

/**
 * What D1 holds of one part, as the text its content checksum is taken over, made by D1 itself
 * as the objects make theirs (lib/archive-pages.ts): each row's ARCHIVE_COLUMNS values as a JSON
 * array (`json_array`), in key order, joined with commas, in pieces of PIECE_ROWS rows; "[" + the
 * pieces joined with "," + "]" is the part's JSON array of arrays. What comes back is a few
 * strings, not an object per row (test/archive-integrity.test.ts checks the two agree on awkward text).
 */
export async function readBackContent(db: D1Database, s: SessionRef, kind: ArchiveKind, part: Pick<ArchivePart, "after" | "last">): Promise<string[]> {
  const { alias, from, order, params } = partScope(s, kind, part);
  const values = ARCHIVE_COLUMNS[kind].map((c) => `${alias}.${c}`).join(", ");
  const { results } = await db
    .prepare(
      `SELECT group_concat(j, ',' ORDER BY n) AS piece FROM (SELECT json_array(${values}) AS j, row_number() OVER (ORDER BY ${order}) AS n FROM ${from})
       GROUP BY (n - 1) / ${PIECE_ROWS} ORDER BY (n - 1) / ${PIECE_ROWS}`,
    )
    .bind(...params)
    .all<{ piece: string }>();
  return results.map((r) => r.piece);
}

/** Rows of the kind D1 holds for the session (none may be there that the manifest does not list). */
export async function countInD1(db: D1Database, s: SessionRef, kind: ArchiveKind): Promise<number> {
  const sql: Record<ArchiveKind, string> = {
    transactions: "SELECT COUNT(*) AS n FROM transactions WHERE event_id = ?1 AND session_id = ?2",
    transaction_items:
      "SELECT COUNT(*) AS n FROM transaction_items i JOIN transactions t ON t.event_id = i.event_id AND t.id = i.tx_id WHERE i.event_id = ?1 AND t.session_id = ?2",
    audit: "SELECT COUNT(*) AS n FROM audit_log WHERE event_id = ?1 AND session_id = ?2 AND source = ?3",
    calculations: "SELECT COUNT(*) AS n FROM calculations WHERE event_id = ?1 AND session_id = ?2",
    ledger_entries: "SELECT COUNT(*) AS n FROM ledger_entries WHERE event_id = ?1 AND session_id = ?2",
  };
  const statement = db.prepare(sql[kind]);
  const bound = kind === "audit" ? statement.bind(s.eventId, s.sessionId, auditSource(s)) : statement.bind(s.eventId, s.sessionId);
  return (await bound.first<{ n: number }>())?.n ?? 0;
}
