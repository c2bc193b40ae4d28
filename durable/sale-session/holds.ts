import { AppError, notFound } from "../../lib/errors";
import { audit } from "../../lib/audit";
import type { Sql } from "../../lib/sql";
import type { OutboxRelay } from "../../producers/outbox-relay";
import type { HoldCreate } from "../../schemas/api";
import { systemActor, type Actor, type HoldView } from "../../schemas/domain";
import { claim } from "./availability";
import type { HoldRow, SessionRow } from "./schema";
import { holdView, sameSet } from "./views";

/**
 * A hold id seen before: its view again for the same key, register and cart (a replay), refused
 * for anything else; `null` if new.
 */
export function replayedHold(sql: Sql, input: HoldCreate, actor: Actor): HoldView | null {
  const existing = sql.one<HoldRow>("SELECT * FROM holds WHERE id = ?", input.id);
  if (!existing) return null;
  if (existing.key_id !== actor.keyId) throw new AppError("IDEMPOTENCY_KEY_REUSED", `hold ${input.id} belongs to another register key`);
  const sameItems = sameSet(JSON.parse(existing.items) as string[], input.items);
  if (existing.register_id !== input.registerId || !sameItems) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", `hold ${input.id} was already used for another cart`);
  }
  return holdView(existing);
}

/** A hold may be released by the key that made it, or by an admin; the body's registerId is only a label. */
export function requireHoldOwner(hold: HoldRow, actor: Actor) {
  if (actor.role !== "admin" && hold.key_id !== actor.keyId) {
    throw new AppError("FORBIDDEN", `hold ${hold.id} belongs to another register key`);
  }
}

/** Where a hold's change is told to the Inventory (the session's outbox), and which session it is. */
export interface HoldNotice {
  outbox: Pick<OutboxRelay, "enqueue">;
  session: Pick<SessionRow, "event_id" | "session_id">;
}

function notify(notice: HoldNotice, holdId: string, state: "placed" | "ended", items: string[], now: number) {
  if (items.length === 0) return;
  notice.outbox.enqueue(
    { v: 1, type: "hold.changed", eventId: notice.session.event_id, sessionId: notice.session.session_id, holdId, state, items, occurredAt: now },
    now,
  );
}

/**
 * available → pending for every item of the cart, or none of them; records the hold and tells
 * the Inventory (through the outbox) which items are held. Inside a transaction.
 */
export function placeHold(sql: Sql, notice: HoldNotice, input: HoldCreate, actor: Actor, now: number, expiresAt: number) {
  const { rows } = claim(sql, input.items, null, actor.keyId, now);
  for (const item of rows) {
    sql.run(
      "UPDATE items SET status = 'pending', hold_id = ?, hold_register = ?, hold_key = ?, hold_expires_at = ? WHERE id = ?",
      input.id,
      input.registerId,
      actor.keyId,
      expiresAt,
      item.id,
    );
    audit(sql, actor, now, { entity: "item", entityId: item.id, action: "hold", before: { status: item.status }, after: { status: "pending", holdId: input.id } });
  }
  sql.run(
    "INSERT INTO holds (id, register_id, items, status, created_at, expires_at, key_id) VALUES (?, ?, ?, 'active', ?, ?, ?)",
    input.id,
    input.registerId,
    JSON.stringify(input.items),
    now,
    expiresAt,
    actor.keyId,
  );
  sql.run("UPDATE session SET active_holds = active_holds + 1 WHERE id = 1");
  audit(sql, actor, now, { entity: "hold", entityId: input.id, action: "create", before: null, after: { status: "active", expiresAt } });
  notify(notice, input.id, "placed", input.items, now);
}

/** The hold `holdId`, or NOT_FOUND. */
export function findHold(sql: Sql, holdId: string): HoldRow {
  const hold = sql.one<HoldRow>("SELECT * FROM holds WHERE id = ?", holdId);
  if (!hold) throw notFound(`hold ${holdId}`);
  return hold;
}

/** The view of a hold known to exist (just written). */
export function storedHold(sql: Sql, holdId: string): HoldView {
  return holdView(sql.one<HoldRow>("SELECT * FROM holds WHERE id = ?", holdId)!);
}

/**
 * Ends an active hold; its items that are still pending become available, and the Inventory is
 * told the hold ended. Inside a transaction.
 */
export function endHold(sql: Sql, notice: HoldNotice, holdId: string, status: "released" | "expired" | "consumed", actor: Actor, now: number) {
  const pending = sql.all<{ id: string }>("SELECT id FROM items WHERE hold_id = ? AND status = 'pending'", holdId);
  for (const item of pending) {
    sql.run(
      "UPDATE items SET status = 'available', hold_id = NULL, hold_register = NULL, hold_key = NULL, hold_expires_at = NULL WHERE id = ?",
      item.id,
    );
    audit(sql, actor, now, { entity: "item", entityId: item.id, action: status === "expired" ? "hold-expired" : "release", before: { status: "pending", holdId }, after: { status: "available" } });
  }
  sql.run("UPDATE holds SET status = ?, ended_at = ? WHERE id = ? AND status = 'active'", status, now, holdId);
  sql.run("UPDATE session SET active_holds = active_holds - 1 WHERE id = 1");
  audit(sql, actor, now, { entity: "hold", entityId: holdId, action: status, before: { status: "active" }, after: { status } });
  const hold = sql.one<{ items: string }>("SELECT items FROM holds WHERE id = ?", holdId);
  if (hold) notify(notice, holdId, "ended", JSON.parse(hold.items) as string[], now);
}

/** Active holds whose time ran out by `now`. */
export function expiredHolds(sql: Sql, now: number): { id: string }[] {
  return sql.all<{ id: string }>("SELECT id FROM holds WHERE status = 'active' AND expires_at <= ?", now);
}

/** Ends every hold of `expired` as expired, on behalf of the system. Inside a transaction. */
export function expireHolds(sql: Sql, notice: HoldNotice, expired: readonly { id: string }[], now: number) {
  const actor = systemActor("system:hold-expiry");
  for (const hold of expired) endHold(sql, notice, hold.id, "expired", actor, now);
}

/** When the next active hold runs out, if any does. */
export function nextExpiry(sql: Sql): number | null {
  return sql.one<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM holds WHERE status = 'active'")?.at ?? null;
}
