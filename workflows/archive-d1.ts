import { ARCHIVE_COLUMNS, auditSource, type ArchiveKind, type ArchivePart, type ArchiveRow, type SessionRef } from "../schemas/archive";

/**
 * The archive's D1 side: each page upserted in a few statements (its rows travel as one JSON
 * parameter), and read back by the same key range to check its content against the object's.
 */

type Value = string | number | null;

/** A row's archived values, in ARCHIVE_COLUMNS order. The ledger keeps "no batch" as '', D1 as NULL. */
export function archivedValues(kind: ArchiveKind, row: ArchiveRow): Value[] {
  return ARCHIVE_COLUMNS[kind].map((column) => {
    const value = row[column] ?? null;
    return column === "batch_id" && value === "" ? null : value;
  });
}

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
 * The JSON parameter of one statement: well under D1's limit on a bound value, and small enough
 * to be a short-lived string (see lib/chunks.ts); a page takes a few dozen statements in one batch.
 */
const MAX_PARAMETER_BYTES = 32 * 1024;

/** Upserts one page into D1 in one batch (one implicit transaction): all of it or none. */
export async function upsertPage(db: D1Database, s: SessionRef, kind: ArchiveKind, rows: readonly ArchiveRow[]): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    const json = `[${chunk.join(",")}]`;
    // The session and the source appear only in the tables that store them; D1 wants exactly the parameters used.
    statements.push(db.prepare(UPSERTS[kind]).bind(...[json, s.eventId, s.sessionId, auditSource(s)].slice(0, PARAMETERS[kind])));
    chunk = [];
    bytes = 0;
  };
  for (const row of rows) {
    const json = JSON.stringify(archivedValues(kind, row));
    if (bytes + json.length > MAX_PARAMETER_BYTES) flush();
    chunk.push(json);
    bytes += json.length + 1;
  }
  flush();
  if (statements.length > 0) await db.batch(statements);
}

/** What D1 holds of one part: the same rows, in the same order, as ARCHIVE_COLUMNS values. */
export async function readBackPart(db: D1Database, s: SessionRef, kind: ArchiveKind, part: Pick<ArchivePart, "after" | "last">): Promise<Value[][]> {
  const columns = ARCHIVE_COLUMNS[kind];
  const select = (alias: string) => columns.map((c) => `${alias}.${c}`).join(", ");
  let statement: D1PreparedStatement;
  switch (kind) {
    case "transactions":
      statement = db
        .prepare(`SELECT ${select("t")} FROM transactions t WHERE t.event_id = ? AND t.session_id = ? AND t.id > ? AND t.id <= ? ORDER BY t.id`)
        .bind(s.eventId, s.sessionId, part.after, part.last);
      break;
    case "transaction_items": {
      const [afterTx = "", afterPos = "-1"] = part.after.split("|");
      const [lastTx = "", lastPos = "0"] = part.last.split("|");
      statement = db
        .prepare(
          `SELECT ${select("i")} FROM transaction_items i JOIN transactions t ON t.event_id = i.event_id AND t.id = i.tx_id
           WHERE i.event_id = ? AND t.session_id = ? AND (i.tx_id, i.position) > (?, ?) AND (i.tx_id, i.position) <= (?, ?)
           ORDER BY i.tx_id, i.position`,
        )
        .bind(s.eventId, s.sessionId, afterTx, Number(afterPos), lastTx, Number(lastPos));
      break;
    }
    case "audit":
      statement = db
        .prepare(`SELECT ${select("a")} FROM audit_log a WHERE a.event_id = ? AND a.session_id = ? AND a.source = ? AND a.seq > ? AND a.seq <= ? ORDER BY a.seq`)
        .bind(s.eventId, s.sessionId, auditSource(s), Number(part.after || 0), Number(part.last));
      break;
    case "calculations":
      statement = db
        .prepare(`SELECT ${select("c")} FROM calculations c WHERE c.event_id = ? AND c.session_id = ? AND c.tx_id > ? AND c.tx_id <= ? ORDER BY c.tx_id`)
        .bind(s.eventId, s.sessionId, part.after, part.last);
      break;
    case "ledger_entries":
      statement = db
        .prepare(`SELECT ${select("e")} FROM ledger_entries e WHERE e.event_id = ? AND e.session_id = ? AND e.seq > ? AND e.seq <= ? ORDER BY e.seq`)
        .bind(s.eventId, s.sessionId, Number(part.after || 0), Number(part.last));
      break;
  }
  const { results } = await statement.all<ArchiveRow>();
  return results.map((row) => archivedValues(kind, row));
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
