import { ARCHIVE_COLUMNS, type ArchiveKind, type ArchivePage } from "../schemas/archive";
import type { Sql } from "./sql";

/** Rows per piece of a page's text: a few dozen KiB, so no piece is a string V8 keeps until a full collection. */
export const PIECE_ROWS = 100;

type Bindable = string | number | null;

/** The SQL of a page's key (where the next page starts after a row), and of its order. */
const KEY: Record<ArchiveKind, { key: string; order: string }> = {
  transactions: { key: "p.id", order: "id" },
  transaction_items: { key: "p.tx_id || '|' || p.position", order: "tx_id, position" },
  audit: { key: "CAST(p.seq AS TEXT)", order: "seq" },
  calculations: { key: "p.tx_id", order: "tx_id" },
  ledger_entries: { key: "CAST(p.seq AS TEXT)", order: "seq" },
};

/**
 * One page of the archive, its text written by SQLite where the rows are, so that no row becomes a
 * JavaScript object anywhere on its way: `source` selects the kind's ARCHIVE_COLUMNS, under those
 * names, in key order, at most `size` rows (its `?` parameters are `params`). The page comes back
 * as pieces of PIECE_ROWS rows each:
 * - `values`: each row's values as a JSON array (`json_array`), joined with commas, so that
 *   "[" + the pieces joined with "," + "]" is the page's rows as one JSON array of arrays — the text
 *   its content checksum is taken over, and what D1 reads in its upserts;
 * - `ndjson`: each row as the JSON object `{eventId, sessionId, …its columns}`, a line each — the
 *   part's NDJSON for R2.
 * D1 writes the values of what it holds the same way (workflows/archive-d1.ts#readBackContent), so
 * the two texts are equal exactly when the values are.
 */
export function archivePageOf(sql: Sql, kind: ArchiveKind, ref: { eventId: string; sessionId: string }, source: string, params: Bindable[], size: number): ArchivePage {
  const columns = ARCHIVE_COLUMNS[kind];
  const { key, order } = KEY[kind];
  // The numbering's names start with an underscore: no archived column does (`total` is one).
  const pieces = sql.all<{ rows_json: string; ndjson: string; rows: number; last: string | null }>(
    `WITH page AS (${source}),
     numbered AS (SELECT *, row_number() OVER (ORDER BY ${order}) AS _n, count(*) OVER () AS _rows FROM page)
     SELECT group_concat(json_array(${columns.map((c) => `p.${c}`).join(", ")}), ',' ORDER BY _n) AS rows_json,
       group_concat(json_object('eventId', ?, 'sessionId', ?, ${columns.map((c) => `'${c}', p.${c}`).join(", ")}), char(10) ORDER BY _n) || char(10) AS ndjson,
       max(_rows) AS rows, max(CASE WHEN _n = _rows THEN ${key} END) AS last
     FROM numbered p GROUP BY (_n - 1) / ${PIECE_ROWS} ORDER BY (_n - 1) / ${PIECE_ROWS}`,
    ...params,
    ref.eventId,
    ref.sessionId,
  );
  const count = pieces[0]?.rows ?? 0;
  const last = pieces.at(-1)?.last ?? null;
  return { count, last, next: count === size ? last : null, values: pieces.map((p) => p.rows_json), ndjson: pieces.map((p) => p.ndjson) };
}
