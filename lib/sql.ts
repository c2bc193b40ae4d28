type Bindable = string | number | null | ArrayBuffer;
/** A value that can travel inside a JSON parameter (see `insertMany`). */
export type JsonBindable = string | number | null;

/** An error from SQLite, with the statement that caused it. */
export class SqlError extends Error {
  override readonly name = "SqlError";
  constructor(
    readonly query: string,
    cause: unknown,
  ) {
    super(`${cause instanceof Error ? cause.message : String(cause)} — in: ${query.replace(/\s+/g, " ").trim()}`, { cause });
  }
}

/** A thin typed wrapper over a Durable Object's SqlStorage. */
export class Sql {
  constructor(private readonly storage: SqlStorage) {}

  all<Row extends Record<string, SqlStorageValue>>(query: string, ...params: Bindable[]): Row[] {
    try {
      return this.storage.exec<Row>(query, ...params).toArray();
    } catch (error) {
      throw new SqlError(query, error);
    }
  }

  one<Row extends Record<string, SqlStorageValue>>(query: string, ...params: Bindable[]): Row | null {
    const rows = this.all<Row>(query, ...params);
    return rows[0] ?? null;
  }

  /** Runs a statement; returns how many rows it wrote, index entries included (so test it against 0, never 1). */
  run(query: string, ...params: Bindable[]): number {
    try {
      return this.storage.exec(query, ...params).rowsWritten;
    } catch (error) {
      throw new SqlError(query, error);
    }
  }

  /**
   * Runs `insert` (an `INSERT … INTO table (columns)` head) for many rows in one statement. The
   * rows travel as one JSON parameter and are read back with json_each in order, so the
   * 100-parameter limit of a query does not bound them. Returns the rows written.
   */
  insertMany(insert: string, rows: readonly (readonly JsonBindable[])[]): number {
    if (rows.length === 0) return 0;
    return this.run(manyRows(insert, rows[0]!.length), JSON.stringify(rows));
  }

  /** `insertMany` with a RETURNING clause: one result row per row written. */
  insertManyReturning<Row extends Record<string, SqlStorageValue>>(insert: string, rows: readonly (readonly JsonBindable[])[], returning: string): Row[] {
    if (rows.length === 0) return [];
    return this.all<Row>(`${manyRows(insert, rows[0]!.length)} RETURNING ${returning}`, JSON.stringify(rows));
  }

  /**
   * Brings the object's schema up to `migrations.length`, running only the steps it has not yet
   * run. Each step is a list of statements, run inside the caller's transaction.
   */
  migrate(migrations: readonly string[][]): void {
    this.run("CREATE TABLE IF NOT EXISTS _schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
    const current = this.one<{ version: number }>("SELECT version FROM _schema WHERE id = 1")?.version ?? 0;
    for (let version = current; version < migrations.length; version++) {
      for (const statement of migrations[version]!) this.run(statement);
    }
    if (current < migrations.length) {
      this.run("INSERT INTO _schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", migrations.length);
    }
  }
}

function manyRows(insert: string, width: number): string {
  const columns = Array.from({ length: width }, (_, i) => `value ->> ${i}`).join(", ");
  return `${insert} SELECT ${columns} FROM json_each(?)`;
}
