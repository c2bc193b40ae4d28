import type { Actor } from "../schemas/domain";
import type { Sql } from "./sql";

/** Every Durable Object keeps its own audit trail in this table (archived to D1 nightly). */
export const AUDIT_TABLE = `CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
  entity TEXT NOT NULL, entity_id TEXT NOT NULL, action TEXT NOT NULL, before TEXT, after TEXT
)`;

export interface AuditEntry {
  entity: string;
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
}

/** Records one state change: who (api key id), when, what, and its before and after. */
export function audit(sql: Sql, actor: Actor, at: number, entry: AuditEntry): void {
  sql.run(
    "INSERT INTO audit (at, actor, entity, entity_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
    at,
    actor.keyId,
    entry.entity,
    entry.entityId,
    entry.action,
    entry.before === null ? null : JSON.stringify(entry.before),
    entry.after === null ? null : JSON.stringify(entry.after),
  );
}

/** Records many state changes by one actor at one time, in one statement. */
export function auditMany(sql: Sql, actor: Actor, at: number, entries: readonly AuditEntry[]): void {
  sql.insertMany(
    "INSERT INTO audit (at, actor, entity, entity_id, action, before, after)",
    entries.map((e) => [at, actor.keyId, e.entity, e.entityId, e.action, e.before === null ? null : JSON.stringify(e.before), e.after === null ? null : JSON.stringify(e.after)]),
  );
}
