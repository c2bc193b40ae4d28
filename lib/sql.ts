type Bindable = string | number | null | ArrayBuffer;

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
