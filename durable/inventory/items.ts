import { audit } from "../../lib/audit";
import { AppError, invalidTransition, notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { ItemInput, ItemPatch } from "../../schemas/api";
import type { Actor, InventoryItem, InventoryStatus } from "../../schemas/domain";
import { checkConsignorEntry, checkConsignorPatch } from "./rules";
import { itemRow, runningSession, unsettledSession, type ItemRow } from "./schema";

/**
 * Creates or replaces items, all or none: one item that is no longer modifiable refuses the
 * whole call with ITEM_LOCKED naming every such item. An item without an id gets the next
 * `{consignorId}-{n}` (numbers are never given twice, even after a delete). A consignor's own entry
 * is held to the organizer's rules (rules.ts). Returns the ids in the order given. Inside a
 * transaction.
 */
export function saveItems(sql: Sql, items: ItemInput[], actor: Actor, now: number): { created: number; updated: number; ids: string[] } {
  let created = 0;
  let updated = 0;
  const locked: string[] = [];
  const current = new Map<string, ItemRow>();
  for (const item of items) {
    const row = item.id === undefined ? null : itemRow(sql, item.id);
    if (!row) continue;
    if (row.status !== "modifiable") locked.push(row.id);
    else current.set(row.id, row);
  }
  if (locked.length > 0) {
    throw new AppError("ITEM_LOCKED", `${locked.length} item(s) can no longer be changed`, { items: locked });
  }
  if (actor.role === "consignor") checkConsignorEntry(sql, actor, items, current);
  const ids: string[] = [];
  for (const item of items) {
    const id = item.id ?? nextItemId(sql, item.consignorId);
    ids.push(id);
    const before = current.get(id);
    const data = JSON.stringify(item.data ?? {});
    if (before) {
      sql.run(
        `UPDATE items SET consignor_id = ?, title = ?, category = ?, size = ?, price = ?, discount_allowed = ?, donate = ?, data = ?,
                 last_modified = ?, version = version + 1, data_version = version + 1 WHERE id = ?`,
        item.consignorId,
        item.title,
        item.category,
        item.size,
        item.price,
        item.discountAllowed ? 1 : 0,
        item.donate ? 1 : 0,
        data,
        now,
        id,
      );
      updated++;
    } else {
      sql.run(
        `INSERT INTO items (id, consignor_id, title, category, size, price, discount_allowed, donate, data, status, last_modified, version, data_version)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'modifiable', ?, 1, 1)`,
        id,
        item.consignorId,
        item.title,
        item.category,
        item.size,
        item.price,
        item.discountAllowed ? 1 : 0,
        item.donate ? 1 : 0,
        data,
        now,
      );
      created++;
    }
    audit(sql, actor, now, { entity: "item", entityId: id, action: before ? "update" : "create", before: before ? editableRow(before) : null, after: editable(item) });
  }
  return { created, updated, ids };
}

/**
 * Deletes an item while it is modifiable: gone for good if Shopify never heard of it, otherwise
 * moved to `transfer` (reason `withdrawn`) so the listing is taken down. Audited. Inside a transaction.
 */
export function deleteItem(sql: Sql, itemId: string, version: number | null, actor: Actor, now: number): { deleted: boolean; withdrawn: boolean } {
  const row = itemRow(sql, itemId);
  if (!row) throw notFound(`item ${itemId}`);
  if (version !== null && row.version !== version) {
    throw new AppError("VERSION_CONFLICT", `item ${itemId} is at version ${row.version}, not ${version}`, { currentVersion: row.version });
  }
  if (row.status !== "modifiable") throw new AppError("ITEM_LOCKED", `item ${itemId} is ${row.status}; it can no longer be deleted`, { items: [itemId] });
  if (row.shopify_id === null) {
    sql.run("DELETE FROM shopify_outbox WHERE item_id = ?", itemId);
    sql.run("DELETE FROM items WHERE id = ?", itemId);
    audit(sql, actor, now, { entity: "item", entityId: itemId, action: "delete", before: editableRow(row), after: null });
    return { deleted: true, withdrawn: false };
  }
  sql.run("UPDATE items SET status = 'transfer', transfer_reason = 'withdrawn', last_modified = ?, version = version + 1 WHERE id = ?", now, itemId);
  audit(sql, actor, now, { entity: "item", entityId: itemId, action: "withdraw", before: { status: row.status }, after: { status: "transfer", reason: "withdrawn" } });
  return { deleted: false, withdrawn: true };
}

/** The next `{consignorId}-{n}` not yet given (nor taken by an item named so by hand). Inside a transaction. */
function nextItemId(sql: Sql, consignorId: string): string {
  let n = sql.one<{ last: number }>("SELECT last FROM consignor_item_numbers WHERE consignor_id = ?", consignorId)?.last ?? 0;
  let id: string;
  do {
    n++;
    id = `${consignorId}-${n}`;
  } while (itemRow(sql, id));
  if (id.length > 64) throw new AppError("VALIDATION_FAILED", `consignor id ${consignorId} is too long to number its items; give each item an id`);
  sql.run(
    "INSERT INTO consignor_item_numbers (consignor_id, last) VALUES (?, ?) ON CONFLICT (consignor_id) DO UPDATE SET last = excluded.last",
    consignorId,
    n,
  );
  return id;
}

export function findItem(sql: Sql, itemId: string): InventoryItem {
  const row = itemRow(sql, itemId);
  if (!row) throw notFound(`item ${itemId}`);
  return itemView(row);
}

/** An item's patch, checked: the row it applies to and the values it leaves. */
export interface ItemChange {
  row: ItemRow;
  status: ItemPatch["status"];
  next: Pick<ItemRow, "consignor_id" | "title" | "category" | "size" | "price" | "discount_allowed" | "donate" | "data" | "status">;
  /** Whether the patch changes the item's data (not only its status). */
  changesData: boolean;
}

/**
 * Checks a patch against the item at its current version. Data fields change only while
 * modifiable (ITEM_LOCKED after); `status: "transfer"` moves a locked, unsold item out of the sale
 * while no session runs.
 */
export function checkPatch(sql: Sql, itemId: string, patch: ItemPatch, actor: Actor): ItemChange {
  const row = itemRow(sql, itemId);
  if (!row) throw notFound(`item ${itemId}`);
  if (actor.role === "consignor") checkConsignorPatch(sql, actor, row, patch);
  if (row.version !== patch.version) {
    throw new AppError("VERSION_CONFLICT", `item ${itemId} is at version ${row.version}, not ${patch.version}`, {
      currentVersion: row.version,
    });
  }
  const { version: _version, status, ...fields } = patch;
  const changesData = Object.keys(fields).length > 0;
  if (changesData && row.status !== "modifiable") {
    throw new AppError("ITEM_LOCKED", `item ${itemId} is ${row.status}; its data can no longer change`, { items: [itemId] });
  }
  if (status === "transfer") {
    if (row.status !== "locked") throw invalidTransition("item", row.status, "transfer");
    const running = runningSession(sql);
    if (running) {
      throw invalidTransition("item", row.status, "transfer", { reason: "a session is running", sessionId: running.id });
    }
    const unsettled = unsettledSession(sql);
    if (unsettled) {
      throw invalidTransition("item", row.status, "transfer", { reason: "an ended session's sales are not yet all known; try again shortly", sessionId: unsettled.id });
    }
  }
  const next = {
    consignor_id: fields.consignorId ?? row.consignor_id,
    title: fields.title ?? row.title,
    category: fields.category ?? row.category,
    size: fields.size ?? row.size,
    price: fields.price ?? row.price,
    discount_allowed: fields.discountAllowed === undefined ? row.discount_allowed : fields.discountAllowed ? 1 : 0,
    donate: fields.donate === undefined ? row.donate : fields.donate ? 1 : 0,
    data: fields.data === undefined ? row.data : JSON.stringify(fields.data),
    status: status ?? row.status,
  };
  return { row, status, next, changesData };
}

/** Writes a checked patch at the next version, audited. Inside a transaction. */
export function applyPatch(sql: Sql, itemId: string, change: ItemChange, actor: Actor, now: number): void {
  const { row, status, next } = change;
  sql.run(
    `UPDATE items SET consignor_id = ?, title = ?, category = ?, size = ?, price = ?, discount_allowed = ?, donate = ?, data = ?, status = ?,
             transfer_reason = CASE WHEN ? = 'transfer' THEN 'transfer' ELSE transfer_reason END,
             last_modified = ?, version = version + 1, data_version = CASE WHEN ? THEN version + 1 ELSE data_version END WHERE id = ?`,
    next.consignor_id,
    next.title,
    next.category,
    next.size,
    next.price,
    next.discount_allowed,
    next.donate,
    next.data,
    next.status,
    status ?? null,
    now,
    change.changesData ? 1 : 0,
    itemId,
  );
  audit(sql, actor, now, { entity: "item", entityId: itemId, action: status ? "transfer" : "update", before: { ...editableRow(row), status: row.status }, after: {
    ...editableRow({ ...row, ...next }),
    status: next.status,
  } });
}

export interface ItemFilter {
  consignorId?: string;
  status?: InventoryStatus;
  /** Only these items (in id order). */
  ids?: string[];
  /** Only items changed after this time (epoch ms): those whose tags were not yet printed since then. */
  since?: number;
}

/** A page of items in id order after `afterId`, filtered; `next` is the cursor of the following page. */
export function listItems(sql: Sql, filter: ItemFilter, afterId: string, limit: number): { items: InventoryItem[]; next: string | null } {
  // Each condition only when asked for, so SQLite can use items_by_consignor or items_by_status.
  const where = ["id > ?"];
  const params: (string | number)[] = [afterId];
  if (filter.consignorId !== undefined) (where.push("consignor_id = ?"), params.push(filter.consignorId));
  if (filter.status !== undefined) (where.push("status = ?"), params.push(filter.status));
  if (filter.since !== undefined) (where.push("last_modified > ?"), params.push(filter.since));
  if (filter.ids !== undefined) (where.push("id IN (SELECT value FROM json_each(?))"), params.push(JSON.stringify(filter.ids)));
  const rows = sql.all<ItemRow>(`SELECT * FROM items WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`, ...params, limit);
  return { items: rows.map(itemView), next: rows.length === limit ? rows.at(-1)!.id : null };
}

/** Counts of items by status (for summaries and tests). */
export function countByStatus(sql: Sql): Record<InventoryStatus, number> {
  const counts: Record<InventoryStatus, number> = { modifiable: 0, locked: 0, sold: 0, transfer: 0 };
  for (const r of sql.all<{ status: InventoryStatus; n: number }>("SELECT status, COUNT(*) AS n FROM items GROUP BY status")) {
    counts[r.status] = r.n;
  }
  return counts;
}

function editable(item: Pick<ItemInput, "consignorId" | "title" | "category" | "size" | "price" | "discountAllowed" | "donate" | "data">) {
  return {
    consignorId: item.consignorId,
    title: item.title,
    category: item.category,
    size: item.size,
    price: item.price,
    discountAllowed: item.discountAllowed,
    donate: item.donate,
    data: item.data ?? {},
  };
}

function editableRow(row: Pick<ItemRow, "consignor_id" | "title" | "category" | "size" | "price" | "discount_allowed" | "donate" | "data">) {
  return {
    consignorId: row.consignor_id,
    title: row.title,
    category: row.category,
    size: row.size,
    price: row.price,
    discountAllowed: row.discount_allowed === 1,
    donate: row.donate === 1,
    data: JSON.parse(row.data) as unknown,
  };
}

export function itemView(row: ItemRow): InventoryItem {
  return {
    id: row.id,
    consignorId: row.consignor_id,
    title: row.title,
    category: row.category,
    size: row.size,
    price: row.price,
    discountAllowed: row.discount_allowed === 1,
    donate: row.donate === 1,
    data: JSON.parse(row.data) as InventoryItem["data"],
    status: row.status,
    transferReason: row.transfer_reason,
    shopifyId: row.shopify_id,
    shopifyVariantId: row.shopify_variant_id,
    shopifyInventoryItemId: row.shopify_inventory_item_id,
    shopifyPushedVersion: row.shopify_pushed_version,
    lastSynced: row.last_synced,
    lastModified: row.last_modified,
    version: row.version,
    soldTransactionId: row.sold_tx_id,
    soldSessionId: row.sold_session_id,
  };
}
