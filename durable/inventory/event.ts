import { audit } from "../../lib/audit";
import { AppError, notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { EventCreate, ItemRulesBody } from "../../schemas/api";
import type { Actor, EventRecord } from "../../schemas/domain";

type EventRow = {
  event_id: string;
  name: string;
  created_at: number;
  closed_at: number | null;
  max_items_per_consignor: number | null;
  min_price: number | null;
  price_step: number | null;
};

export function eventRow(sql: Sql): EventRecord | null {
  const row = sql.one<EventRow>("SELECT * FROM event WHERE id = 1");
  return row
    ? {
        id: row.event_id,
        name: row.name,
        createdAt: row.created_at,
        closedAt: row.closed_at,
        itemRules: { maxItemsPerConsignor: row.max_items_per_consignor, minPrice: row.min_price, priceStep: row.price_step },
      }
    : null;
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

/** Sets the limits of consignors' own item entry, audited. Inside a transaction. */
export function setItemRules(sql: Sql, rules: ItemRulesBody, actor: Actor, now: number): EventRecord {
  const before = requireEvent(sql);
  sql.run(
    "UPDATE event SET max_items_per_consignor = ?, min_price = ?, price_step = ? WHERE id = 1",
    rules.maxItemsPerConsignor,
    rules.minPrice,
    rules.priceStep,
  );
  audit(sql, actor, now, { entity: "event", entityId: before.id, action: "item-rules", before: before.itemRules, after: rules });
  return requireEvent(sql);
}

/** The event is closed: no session starts and no item changes any more. */
export function requireOpen(sql: Sql): EventRecord {
  const event = requireEvent(sql);
  if (event.closedAt !== null) throw new AppError("EVENT_CLOSED", `event ${event.id} is closed`, { closedAt: event.closedAt });
  return event;
}
