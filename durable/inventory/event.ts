import { audit } from "../../lib/audit";
import { AppError, notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { EventCreate } from "../../schemas/api";
import type { Actor, EventRecord } from "../../schemas/domain";

export function eventRow(sql: Sql): EventRecord | null {
  const row = sql.one<{ event_id: string; name: string; created_at: number }>("SELECT * FROM event WHERE id = 1");
  return row ? { id: row.event_id, name: row.name, createdAt: row.created_at } : null;
}

export function requireEvent(sql: Sql): EventRecord {
  const event = eventRow(sql);
  if (!event) throw notFound("event");
  return event;
}

/** The event already recorded, when `input` repeats it (a replay); ALREADY_EXISTS when it differs. */
export function recordedEvent(sql: Sql, input: EventCreate): EventRecord | null {
  const existing = eventRow(sql);
  if (existing) {
    if (existing.id !== input.id || existing.name !== input.name) {
      throw new AppError("ALREADY_EXISTS", `event ${input.id} already exists with another name`);
    }
  }
  return existing;
}

/** Records the event, audited. Inside a transaction. */
export function insertEvent(sql: Sql, input: EventCreate, actor: Actor, now: number): void {
  sql.run("INSERT INTO event (id, event_id, name, created_at) VALUES (1, ?, ?, ?)", input.id, input.name, now);
  audit(sql, actor, now, { entity: "event", entityId: input.id, action: "create", before: null, after: { name: input.name } });
}
