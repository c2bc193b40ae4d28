import type { Sql } from "../../lib/sql";
import type { OutboxRelay } from "../../producers/outbox-relay";
import type { SessionRow } from "./schema";

/**
 * What the modules of a session work with in place of the object: its SQL, its storage's
 * transactions, its outbox and the in-memory mirror of the session row. The object builds it once;
 * a unit test can build one from plain values. Most modules are the body of a transaction the
 * object opens; a checkout and a start's item copy open theirs here, inside their own logic, and a
 * checkout and a snapshot bring the mirror up to date here, after what they commit.
 */
export interface SessionStore {
  readonly sql: Sql;
  /** Runs a closure as one SQL transaction. */
  readonly storage: Pick<DurableObjectStorage, "transactionSync">;
  /** Transaction ids of the event's other sessions, by id → session (mirrors table foreign_tx). */
  readonly foreignIds: Map<string, string>;
  /** Writes a message inside the caller's transaction; counts the unsent ones. */
  readonly outbox: Pick<OutboxRelay, "enqueue" | "pending">;
  /** Reads the committed session row into the mirror again. */
  reload(): void;
  /** Sets the mirror to a row known to be the committed one, without reading it. */
  mirror(row: SessionRow): void;
}
