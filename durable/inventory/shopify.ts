import { audit } from "../../lib/audit";
import { salePriceOf } from "../../lib/money";
import type { Sql } from "../../lib/sql";
import type { Actor } from "../../schemas/domain";
import type { ShopifyConflict, ShopifyPlan, ShopifyPlanEntry, ShopifyPushed, ShopifyStatus } from "../../schemas/shopify";
import { HELD_SQL } from "./holds";
import { markForPush } from "./shopify-news";
import type { ItemRow } from "./schema";

/**
 * The Inventory's side of the online channel: the event's opt-in, the outbox of changes Shopify
 * has not yet acknowledged (written by the `shopify_item_*` triggers in the change's own SQL
 * transaction), what a push must do per item, and what Shopify answered. Pure SQL; the calls to
 * Shopify are made by the `shopify-sync` consumer and the `shopify-reconcile` workflow.
 */

/**
 * More unlisted items than this go through a bulk listing (the workflow), not one call each; so do
 * more listed items than this whose only change is their data (a discount session's prices).
 */
export const BULK_THRESHOLD = 50;
/** A sent outbox row not acknowledged after this long is sent again. */
export const RESEND_AFTER_MS = 30_000;

type ShopifyRow = {
  enabled: number;
  changed_at: number | null;
  location_id: string | null;
  seq: number;
  stopped: number;
  last_error: string | null;
  last_error_at: number | null;
  reconcile_instance: string | null;
  reconcile_started_at: number | null;
  orders_cursor: number | null;
  priced_discount: number;
};

export const shopifyRow = (sql: Sql) => sql.one<ShopifyRow>("SELECT * FROM shopify WHERE id = 1")!;

/** 1 while the item can be sold (not sold, not transferred, not in a register's cart), 0 otherwise. */
export const desiredQuantity = (row: Pick<ItemRow, "status"> & { held: number }) => ((row.status === "modifiable" || row.status === "locked") && !row.held ? 1 : 0);

/** The same, in SQL, for the item row `alias`. */
const DESIRED_SQL = (alias: string) => `CASE WHEN ${alias}.status IN ('modifiable', 'locked') AND NOT ${HELD_SQL(alias)} THEN 1 ELSE 0 END`;

/**
 * A listed item whose only change Shopify lacks is its data (say, its price when a discount
 * session starts or ends): its quantity there is the one it should have. Such items can be pushed
 * as one bulk operation without touching quantities.
 */
const DATA_ONLY_SQL = (alias: string) =>
  `(${alias}.shopify_id IS NOT NULL AND COALESCE(${alias}.shopify_pushed_version, -1) < ${alias}.data_version AND ${alias}.shopify_quantity IS ${DESIRED_SQL(alias)})`;

/** Which outbox rows a page of the plan takes: never listed, listed with only data to push, or every listed one. */
export type PlanPageKind = "unlisted" | "data" | "listed";
const PAGE_FILTER: Record<PlanPageKind, string> = {
  unlisted: "i.shopify_id IS NULL",
  data: DATA_ONLY_SQL("i"),
  listed: "i.shopify_id IS NOT NULL",
};

/**
 * Turns the event's Shopify channel on or off. Turning it on puts every item in the outbox (the
 * listing); a person's fix is also acknowledged here, so a stopped sync resumes. Inside a transaction.
 */
export function setEnabled(sql: Sql, enabled: boolean, actor: Actor, now: number): { changed: boolean } {
  const before = shopifyRow(sql);
  if (Boolean(before.enabled) === enabled) {
    if (enabled && before.stopped) sql.run("UPDATE shopify SET stopped = 0 WHERE id = 1");
    return { changed: false };
  }
  sql.run("UPDATE shopify SET enabled = ?, changed_at = ?, stopped = 0 WHERE id = 1", enabled ? 1 : 0, now);
  if (enabled) {
    const base = before.seq;
    sql.run(
      `INSERT INTO shopify_outbox (item_id, seq, created_at)
         SELECT id, ? + ROW_NUMBER() OVER (ORDER BY id), ? FROM items WHERE true
         ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq, sent_at = NULL`,
      base,
      now,
    );
    const count = sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM items")!.n;
    sql.run("UPDATE shopify SET seq = seq + ? WHERE id = 1", count);
  }
  audit(sql, actor, now, { entity: "shopify", entityId: "settings", action: enabled ? "enable" : "disable", before: { enabled: Boolean(before.enabled) }, after: { enabled } });
  return { changed: true };
}

/**
 * Outbox rows to hand to `shopify-sync` now: never sent, or sent and not acknowledged for a
 * while; conflicts wait for a person. Unlisted items go here only while they are few, and so do
 * listed items with only new data to push (a re-pricing); more of either is the workflow's (one
 * bulk operation instead of a call each). Marks them sent.
 */
export function takeForRelay(sql: Sql, now: number, limit: number): { itemIds: string[]; needsBulk: boolean } {
  const state = shopifyRow(sql);
  if (!state.enabled || state.stopped) return { itemIds: [], needsBulk: false };
  const listingByBulk = countWaiting(sql, "i.shopify_id IS NULL") > BULK_THRESHOLD;
  const repricingByBulk = countWaiting(sql, DATA_ONLY_SQL("i")) > BULK_THRESHOLD;
  // Whatever goes by bulk is left to the workflow; everything else (availability first of all)
  // goes one message at a time, at once.
  const rows = sql.all<{ item_id: string }>(
    `SELECT o.item_id FROM shopify_outbox o JOIN items i ON i.id = o.item_id
       WHERE o.conflict = 0 AND (o.sent_at IS NULL OR o.sent_at < ?)
         ${listingByBulk ? "AND i.shopify_id IS NOT NULL" : ""} ${repricingByBulk ? `AND NOT ${DATA_ONLY_SQL("i")}` : ""}
       ORDER BY o.seq LIMIT ?`,
    now - RESEND_AFTER_MS,
    limit,
  );
  const itemIds = rows.map((r) => r.item_id);
  if (itemIds.length > 0) {
    sql.run("UPDATE shopify_outbox SET sent_at = ? WHERE item_id IN (SELECT value FROM json_each(?))", now, JSON.stringify(itemIds));
  }
  return { itemIds, needsBulk: listingByBulk || repricingByBulk };
}

/** Whether anything in the outbox still waits (for the alarm). */
export function outboxWaiting(sql: Sql): boolean {
  return sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM (SELECT 1 FROM shopify_outbox WHERE conflict = 0 LIMIT 1)")!.n > 0;
}

/** Outbox rows of items matching `filter` (on `i`), counted only up to just past the bulk threshold (this runs after every commit). */
const countWaiting = (sql: Sql, filter: string) =>
  sql.one<{ n: number }>(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM shopify_outbox o JOIN items i ON i.id = o.item_id WHERE o.conflict = 0 AND ${filter} LIMIT ?)`,
    BULK_THRESHOLD + 1,
  )!.n;

/** What a push must do for these items (only those still in the outbox and not in conflict). */
export function planFor(sql: Sql, eventId: string, itemIds: readonly string[]): ShopifyPlan {
  const state = shopifyRow(sql);
  const rows = sql.all<ItemRow & { seq: number; held: number }>(
    `SELECT i.*, o.seq, ${HELD_SQL("i")} AS held FROM shopify_outbox o JOIN items i ON i.id = o.item_id
       WHERE o.conflict = 0 AND o.item_id IN (SELECT value FROM json_each(?)) ORDER BY o.seq`,
    JSON.stringify(itemIds),
  );
  return { eventId, enabled: Boolean(state.enabled), stopped: Boolean(state.stopped), locationId: state.location_id, entries: rows.map((r) => entryOf(r, state.priced_discount)) };
}

/** A page of the outbox for the workflow, in outbox order after `afterSeq`: the items of `kind` (see PlanPageKind). */
export function planPage(sql: Sql, eventId: string, kind: PlanPageKind, afterSeq: number, limit: number): ShopifyPlan {
  const state = shopifyRow(sql);
  const rows = sql.all<ItemRow & { seq: number; held: number }>(
    `SELECT i.*, o.seq, ${HELD_SQL("i")} AS held FROM shopify_outbox o JOIN items i ON i.id = o.item_id
       WHERE o.conflict = 0 AND o.seq > ? AND ${PAGE_FILTER[kind]} ORDER BY o.seq LIMIT ?`,
    afterSeq,
    limit,
  );
  return { eventId, enabled: Boolean(state.enabled), stopped: Boolean(state.stopped), locationId: state.location_id, entries: rows.map((r) => entryOf(r, state.priced_discount)) };
}

/**
 * Shopify shows the price the running session would charge: when a discount session starts or
 * ends, every unsold item that allows the discount has a new price there, so its data version moves
 * (and the outbox trigger queues its push). Called after any change of the sessions' statuses.
 * Inside a transaction.
 */
export function followSessionDiscount(sql: Sql, now: number): number {
  const state = shopifyRow(sql);
  const running = sql.one<{ discount: number }>("SELECT discount FROM sessions WHERE status = 'active' ORDER BY position LIMIT 1")?.discount ?? 0;
  if (running === state.priced_discount) return 0;
  sql.run("UPDATE shopify SET priced_discount = ? WHERE id = 1", running);
  if (!state.enabled) return 0;
  return sql.all(
    `UPDATE items SET data_version = version + 1, version = version + 1, last_modified = ?
       WHERE status IN ('modifiable', 'locked') AND discount_allowed = 1 RETURNING id`,
    now,
  ).length;
}

function entryOf(row: ItemRow & { seq: number; held: number }, discount: number): ShopifyPlanEntry {
  const price = row.discount_allowed === 1 ? salePriceOf(row.price, discount) : row.price;
  return {
    itemId: row.id,
    seq: row.seq,
    item: { id: row.id, consignorId: row.consignor_id, title: row.title, category: row.category, size: row.size, price, discountAllowed: row.discount_allowed === 1 },
    dataVersion: row.data_version,
    pushedVersion: row.shopify_pushed_version,
    listing:
      row.shopify_id && row.shopify_variant_id && row.shopify_inventory_item_id
        ? { productId: row.shopify_id, variantId: row.shopify_variant_id, inventoryItemId: row.shopify_inventory_item_id }
        : null,
    desired: desiredQuantity(row),
    acked: row.shopify_quantity,
  };
}

export function setLocation(sql: Sql, locationId: string): void {
  sql.run("UPDATE shopify SET location_id = ? WHERE id = 1", locationId);
}

/**
 * Records what Shopify acknowledged. An item leaves the outbox when the change pushed is still
 * its latest and Shopify now holds its data version and its availability; otherwise (a change
 * made while the push was in flight) it is sent again. Inside a transaction.
 */
export function recordPushed(sql: Sql, results: readonly ShopifyPushed[], now: number): { done: number; again: number } {
  let done = 0;
  let again = 0;
  for (const r of results) {
    sql.run(
      `UPDATE items SET
         shopify_id = COALESCE(?, shopify_id), shopify_variant_id = COALESCE(?, shopify_variant_id),
         shopify_inventory_item_id = COALESCE(?, shopify_inventory_item_id),
         shopify_pushed_version = COALESCE(?, shopify_pushed_version), shopify_quantity = COALESCE(?, shopify_quantity),
         last_synced = ?
       WHERE id = ?`,
      r.listing?.productId ?? null,
      r.listing?.variantId ?? null,
      r.listing?.inventoryItemId ?? null,
      r.pushedVersion ?? null,
      r.quantity ?? null,
      now,
      r.itemId,
    );
    const removed = sql.run(
      `DELETE FROM shopify_outbox WHERE item_id = ? AND seq = ? AND EXISTS (
         SELECT 1 FROM items i WHERE i.id = ? AND i.shopify_id IS NOT NULL AND i.shopify_pushed_version >= i.data_version
           AND i.shopify_quantity = ${DESIRED_SQL("i")})`,
      r.itemId,
      r.seq,
      r.itemId,
    );
    if (removed > 0) done++;
    else {
      again++;
      sql.run("UPDATE shopify_outbox SET sent_at = NULL WHERE item_id = ? AND conflict = 0", r.itemId);
      // No row left: a newer push was acknowledged before this older one, so Shopify may have
      // applied them out of order and hold the older data now. An item not in step goes again.
      const requeued = sql.run(
        `INSERT INTO shopify_outbox (item_id, seq, created_at)
           SELECT i.id, (SELECT seq + 1 FROM shopify WHERE id = 1), ? FROM items i
           WHERE i.id = ? AND NOT EXISTS (SELECT 1 FROM shopify_outbox o WHERE o.item_id = i.id)
             AND (COALESCE(i.shopify_pushed_version, -1) < i.data_version OR i.shopify_quantity IS NOT ${DESIRED_SQL("i")})`,
        now,
        r.itemId,
      );
      if (requeued > 0) sql.run("UPDATE shopify SET seq = seq + 1 WHERE id = 1");
    }
  }
  if (results.length > 0) {
    sql.run("UPDATE sync_metadata SET last_sync_time = ?, last_successful_sync = ?, sync_count = sync_count + ? WHERE id = 1", now, now, done);
    sql.run("UPDATE shopify SET last_error = NULL, last_error_at = NULL WHERE id = 1");
  }
  return { done, again };
}

/**
 * A compare-and-set Shopify refused because it held another quantity than the one we last
 * confirmed: recorded with both quantities and counted, and ours is pushed back from the quantity
 * Shopify holds (conflict rule 2) — at once when Shopify offers more than we allow, after the
 * outbox's resend delay when it offers less (an online order may be on its way). When Shopify's
 * quantity could not be read the item waits for a person. Inside a transaction.
 */
export function recordConflicts(sql: Sql, conflicts: readonly ShopifyConflict[], actor: Actor, now: number): void {
  for (const c of conflicts) {
    const known = c.theirs.quantity !== null;
    sql.run(
      "INSERT INTO shopify_conflicts (item_id, kind, ours, theirs, action, at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      c.itemId,
      c.kind,
      JSON.stringify(c.ours),
      JSON.stringify(c.theirs),
      known ? "our quantity was pushed back to Shopify" : "parked: Shopify's quantity could not be read; a person must check the item",
      now,
      known ? now : null,
    );
    if (known) {
      sql.run("UPDATE items SET shopify_quantity = ? WHERE id = ?", c.theirs.quantity, c.itemId);
      markForPush(sql, c.itemId, now, c.theirs.quantity! < c.ours.wanted);
    } else {
      sql.run("UPDATE shopify_outbox SET conflict = 1 WHERE item_id = ?", c.itemId);
    }
    audit(sql, actor, now, { entity: "item", entityId: c.itemId, action: "shopify-conflict", before: c.ours, after: c.theirs });
  }
  if (conflicts.length > 0) sql.run("UPDATE sync_metadata SET conflict_count = conflict_count + ?, last_sync_time = ? WHERE id = 1", conflicts.length, now);
}

/** A failure: `stop` when a person must act (syncing waits until the settings are saved again). */
export function recordFailure(sql: Sql, message: string, stop: boolean, now: number): void {
  // A passing failure never hides the one a person must act on.
  sql.run(
    "UPDATE shopify SET last_error = ?, last_error_at = ?, stopped = 1 WHERE id = 1 AND ? = 1",
    message.slice(0, 1000),
    now,
    stop ? 1 : 0,
  );
  sql.run("UPDATE shopify SET last_error = ?, last_error_at = ? WHERE id = 1 AND ? = 0 AND stopped = 0", message.slice(0, 1000), now, stop ? 1 : 0);
  sql.run("UPDATE sync_metadata SET last_sync_time = ? WHERE id = 1", now);
}

export function recordReconcileStarted(sql: Sql, instanceId: string, now: number): void {
  sql.run("UPDATE shopify SET reconcile_instance = ?, reconcile_started_at = ? WHERE id = 1", instanceId, now);
}

export function statusOf(sql: Sql, configured: boolean): ShopifyStatus {
  const state = shopifyRow(sql);
  const meta = sql.one<{ last_sync_time: number | null; sync_count: number; conflict_count: number; last_successful_sync: number | null }>(
    "SELECT * FROM sync_metadata WHERE id = 1",
  )!;
  const counts = sql.one<{ waiting: number; unlisted: number; conflicts: number }>(
    `SELECT
       (SELECT COUNT(*) FROM shopify_outbox WHERE conflict = 0) AS waiting,
       (SELECT COUNT(*) FROM items WHERE shopify_id IS NULL) AS unlisted,
       (SELECT COUNT(*) FROM shopify_conflicts WHERE resolved_at IS NULL) AS conflicts`,
  )!;
  return {
    enabled: Boolean(state.enabled),
    configured,
    locationId: state.location_id,
    syncMetadata: {
      lastSyncTime: meta.last_sync_time,
      syncCount: meta.sync_count,
      conflictCount: meta.conflict_count,
      lastSuccessfulSync: meta.last_successful_sync,
    },
    waiting: counts.waiting,
    unlisted: state.enabled ? counts.unlisted : 0,
    openConflicts: counts.conflicts,
    stopped: Boolean(state.stopped),
    lastError: state.last_error === null ? null : { message: state.last_error, at: state.last_error_at ?? 0 },
  };
}

export interface ShopifyConflictView {
  id: number;
  itemId: string;
  kind: string;
  ours: Record<string, number | string | null>;
  theirs: Record<string, number | string | null>;
  action: string;
  at: number;
  resolvedAt: number | null;
}

/** Conflicts, newest first, after `beforeId` (paging). */
export function conflictsPage(sql: Sql, beforeId: number, limit: number): ShopifyConflictView[] {
  return sql
    .all<{ id: number; item_id: string; kind: string; ours: string; theirs: string; action: string; at: number; resolved_at: number | null }>(
      "SELECT * FROM shopify_conflicts WHERE id < ? ORDER BY id DESC LIMIT ?",
      beforeId,
      limit,
    )
    .map((r) => ({ id: r.id, itemId: r.item_id, kind: r.kind, ours: JSON.parse(r.ours) as ShopifyConflictView["ours"], theirs: JSON.parse(r.theirs) as ShopifyConflictView["theirs"], action: r.action, at: r.at, resolvedAt: r.resolved_at }));
}

/** Where the inbound reconcile reads orders from: the cursor, or a minute before the event was enabled. */
export function ordersCursor(sql: Sql): number {
  const state = shopifyRow(sql);
  return state.orders_cursor ?? Math.max(0, (state.changed_at ?? Date.now()) - 60_000);
}

/** Moves the cursor forward only (a late, slower run never moves it back). */
export function advanceOrdersCursor(sql: Sql, at: number): void {
  sql.run("UPDATE shopify SET orders_cursor = MAX(COALESCE(orders_cursor, 0), ?) WHERE id = 1", at);
}

/** A person did what a conflict asked (say, refunded the online order): it is marked resolved, with their note. */
export function resolveConflict(sql: Sql, id: number, note: string, actor: Actor, now: number): ShopifyConflictView | null {
  const row = sql.one<{ id: number; item_id: string; resolved_at: number | null; action: string }>("SELECT id, item_id, resolved_at, action FROM shopify_conflicts WHERE id = ?", id);
  if (!row) return null;
  if (row.resolved_at === null) {
    sql.run("UPDATE shopify_conflicts SET resolved_at = ?, action = ? WHERE id = ?", now, `${row.action} — resolved: ${note}`.slice(0, 2000), id);
    audit(sql, actor, now, { entity: "shopify-conflict", entityId: String(id), action: "resolve", before: { resolvedAt: null }, after: { resolvedAt: now, note } });
  }
  return conflictsPage(sql, id + 1, 1)[0] ?? null;
}
