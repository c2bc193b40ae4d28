import { AppError, invalidTransition, unwrap } from "../../lib/errors";
import { rateFor, salePriceOf, type RateTable, type Tier } from "../../lib/money";
import { audit } from "../../lib/audit";
import type { Sql } from "../../lib/sql";
import type { SessionCreate } from "../../schemas/api";
import type { Actor, SessionItemSeed } from "../../schemas/domain";
import type { Inventory } from "../inventory";
import { endHold, type HoldNotice } from "./holds";
import type { SessionRow } from "./schema";
import type { SessionStore } from "./store";

/** Items fetched from the Inventory per page while a session starts. */
const LOAD_PAGE = 5_000;

/** An `init` of a session that exists: the same request again is a replay, a different one a conflict. */
export function requireSameSession(existing: SessionRow, eventId: string, input: SessionCreate) {
  const same =
    existing.event_id === eventId &&
    existing.session_id === input.id &&
    existing.name === input.name &&
    existing.start_time === input.startTime &&
    existing.end_time === input.endTime &&
    existing.discount === input.discount;
  if (!same) throw new AppError("ALREADY_EXISTS", `session ${input.id} already exists with other details`);
}

/** Writes the session row in `initial`. Inside a transaction. */
export function createSession(sql: Sql, eventId: string, input: SessionCreate, actor: Actor, now: number) {
  sql.run(
    `INSERT INTO session (id, event_id, session_id, name, status, start_time, end_time, created_at, discount)
     VALUES (1, ?, ?, ?, 'initial', ?, ?, ?, ?)`,
    eventId,
    input.id,
    input.name,
    input.startTime,
    input.endTime,
    now,
    input.discount,
  );
  audit(sql, actor, now, { entity: "session", entityId: input.id, action: "create", before: null, after: { status: "initial", discount: input.discount } });
}

export function requireStartable(s: SessionRow) {
  if (s.status !== "initial") throw invalidTransition("session", s.status, "active");
}

/** The event's commission rates; a session cannot start before they are set. */
export function requireRates(table: { rates: RateTable | null }): RateTable {
  if (!table.rates) {
    throw new AppError("INVALID_TRANSITION", "set the event's commission rates before starting a session", {
      from: "initial",
      to: "active",
      reason: "RATES_NOT_SET",
    });
  }
  return table.rates;
}

/**
 * Copies the session's unsold items from the Inventory with their commission rate snapshot and
 * both prices (the tag's, and the session's: discounted when the session has a discount and the
 * item allows it), a page at a time after `after`. Each page commits with its cursor, so a copy
 * that stopped resumes there.
 */
export async function loadItems(
  store: Pick<SessionStore, "sql" | "storage">,
  inventory: Pick<DurableObjectStub<Inventory>, "sessionItems">,
  sessionId: string,
  after: string,
  rates: RateTable,
  tiers: Record<string, Tier>,
  discount: number,
): Promise<void> {
  let cursor = after;
  for (;;) {
    const page: SessionItemSeed[] = unwrap(await inventory.sessionItems(sessionId, cursor, LOAD_PAGE));
    if (page.length === 0) break;
    cursor = page[page.length - 1]!.id;
    store.storage.transactionSync(() => {
      for (const item of page) {
        store.sql.run(
          `INSERT OR IGNORE INTO items (id, consignor_id, title, category, size, price, tag_price, commission_rate, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'available')`,
          item.id,
          item.consignorId,
          item.title,
          item.category,
          item.size,
          item.discountAllowed ? salePriceOf(item.price, discount) : item.price,
          item.price,
          rateFor(rates, tiers[item.consignorId] ?? "standard"),
        );
      }
      store.sql.run("UPDATE session SET load_cursor = ? WHERE id = 1", cursor);
    });
    if (page.length < LOAD_PAGE) break;
  }
}

/** initial → active, counting the items loaded. Inside a transaction. */
export function markStarted(sql: Sql, sessionId: string, actor: Actor, now: number) {
  sql.run(
    "UPDATE session SET status = 'active', started_at = ?, item_count = (SELECT COUNT(*) FROM items) WHERE id = 1",
    now,
  );
  audit(sql, actor, now, { entity: "session", entityId: sessionId, action: "start", before: { status: "initial" }, after: { status: "active" } });
}

export function requireActive(s: SessionRow) {
  if (s.status !== "active") {
    throw new AppError("SESSION_NOT_ACTIVE", `session ${s.session_id} is ${s.status}`, { status: s.status });
  }
}

export function requireCompletable(s: SessionRow) {
  if (s.status !== "active") throw invalidTransition("session", s.status, "completed");
}

/** Only while no sale stands (voided ones do not count). */
export function requireCancellable(s: SessionRow) {
  if (s.status !== "initial" && s.status !== "active") throw invalidTransition("session", s.status, "cancelled");
  const standing = s.tx_count - s.void_count;
  if (standing > 0) {
    throw new AppError("SESSION_HAS_SALES", `session has ${standing} unvoided transaction(s); void them first`, {
      transactions: standing,
    });
  }
}

/** Releases the open holds and ends the session as `status`. Inside a transaction. */
export function endSession(sql: Sql, notice: HoldNotice, s: SessionRow, status: "completed" | "cancelled", actor: Actor, now: number) {
  for (const hold of sql.all<{ id: string }>("SELECT id FROM holds WHERE status = 'active'")) {
    endHold(sql, notice, hold.id, "released", actor, now);
  }
  sql.run("UPDATE session SET status = ?, ended_at = ? WHERE id = 1", status, now);
  audit(sql, actor, now, { entity: "session", entityId: s.session_id, action: status === "completed" ? "complete" : "cancel", before: { status: s.status }, after: { status } });
}

/**
 * The session has ended here (committed); the Inventory settles its sales now. If it cannot be
 * told, the next session start asks this object and settles then, so the answer stays a success.
 */
export async function tellInventory(inventory: DurableObjectNamespace<Inventory>, s: SessionRow, status: "completed" | "cancelled") {
  try {
    unwrap(await inventory.getByName(s.event_id).sessionStatusChanged(s.session_id, status));
  } catch (error) {
    console.error(`session ${s.session_id} ${status}, but the Inventory could not be told yet; the next start settles it`, error);
  }
}
