import { audit } from "../../lib/audit";
import { AppError, invalidTransition, notFound } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { ItemInput, ItemPatch } from "../../schemas/api";
import type { Actor, InventoryItem, InventoryStatus } from "../../schemas/domain";
import { itemRow, runningSession, unsettledSession, type ItemRow } from "./schema";

/**
 * Creates or replaces items, all or none: one item that is no longer modifiable refuses the
 * whole call with ITEM_LOCKED naming every such item. Inside a transaction.
 */
export function saveItems(sql: Sql, items: ItemInput[], actor: Actor, now: number): { created: number; updated: number } {
  let created = 0;
  let updated = 0;
  const locked: string[] = [];
  const current = new Map<string, ItemRow>();
  for (const item of items) {
    const row = itemRow(sql, item.id);
    if (!row) continue;
    if (row.status !== "modifiable") locked.push(item.id);
    else current.set(item.id, row);
  }
  if (locked.length > 0) {
    throw new AppError("ITEM_LOCKED", `${locked.length} item(s) can no longer be changed`, { items: locked });
  }
  for (const item of items) {
    const before = current.get(item.id);
    const data = JSON.stringify(item.data ?? {});
    if (before) {
      sql.run(
        `UPDATE items SET consignor_id = ?, title = ?, category = ?, size = ?, price = ?, data = ?,
                 last_modified = ?, version = version + 1, data_version = version + 1 WHERE id = ?`,
        item.consignorId,
        item.title,
        item.category,
        item.size,
        item.price,
        data,
        now,
        item.id,
      );
      updated++;
    } else {
      sql.run(
        `INSERT INTO items (id, consignor_id, title, category, size, price, data, status, last_modified, version, data_version)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'modifiable', ?, 1, 1)`,
        item.id,
        item.consignorId,
        item.title,
        item.category,
        item.size,
        item.price,
        data,
        now,
      );
      created++;
    }
    audit(sql, actor, now, { entity: "item", entityId: item.id, action: before ? "update" : "create", before: before ? editableRow(before) : null, after: editable(item) });
  }
  return { created, updated };
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
  next: Pick<ItemRow, "consignor_id" | "title" | "category" | "size" | "price" | "data" | "status">;
  /** Whether the patch changes the item's data (not only its status). */
  changesData: boolean;
}

/**
 * Checks a patch against the item at its current version. Data fields change only while
 * modifiable (ITEM_LOCKED after); `status: "transfer"` moves a locked, unsold item out of the sale
 * while no session runs.
 */
export function checkPatch(sql: Sql, itemId: string, patch: ItemPatch): ItemChange {
  const row = itemRow(sql, itemId);
  if (!row) throw notFound(`item ${itemId}`);
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
    data: fields.data === undefined ? row.data : JSON.stringify(fields.data),
    status: status ?? row.status,
  };
  return { row, status, next, changesData };
}

/** Writes a checked patch at the next version, audited. Inside a transaction. */
export function applyPatch(sql: Sql, itemId: string, change: ItemChange, actor: Actor, now: number): void {
  const { row, status, next } = change;
  sql.run(
    `UPDATE items SET consignor_id = ?, title = ?, category = ?, size = ?, price = ?, data = ?, status = ?,
             last_modified = ?, version = version + 1, data_version = CASE WHEN ? THEN version + 1 ELSE data_version END WHERE id = ?`,
    next.consignor_id,
    next.title,
    next.category,
    next.size,
    next.price,
    next.data,
    next.status,
    now,
    change.changesData ? 1 : 0,
    itemId,
  );
  audit(sql, actor, now, { entity: "item", entityId: itemId, action: status ? "transfer" : "update", before: { ...editableRow(row), status: row.status }, after: {
    ...editableRow({ ...row, ...next }),
    status: next.status,
  } });
}

/** Counts of items by status (for summaries and tests). */
export function countByStatus(sql: Sql): Record<InventoryStatus, number> {
  const counts: Record<InventoryStatus, number> = { modifiable: 0, locked: 0, sold: 0, transfer: 0 };
  for (const r of sql.all<{ status: InventoryStatus; n: number }>("SELECT status, COUNT(*) AS n FROM items GROUP BY status")) {
    counts[r.status] = r.n;
  }
  return counts;
}

function editable(item: Pick<ItemInput, "consignorId" | "title" | "category" | "size" | "price" | "data">) {
  return { consignorId: item.consignorId, title: item.title, category: item.category, size: item.size, price: item.price, data: item.data ?? {} };
}

function editableRow(row: Pick<ItemRow, "consignor_id" | "title" | "category" | "size" | "price" | "data">) {
  return { consignorId: row.consignor_id, title: row.title, category: row.category, size: row.size, price: row.price, data: JSON.parse(row.data) as unknown };
}

export function itemView(row: ItemRow): InventoryItem {
  return {
    id: row.id,
    consignorId: row.consignor_id,
    title: row.title,
    category: row.category,
    size: row.size,
    price: row.price,
    data: JSON.parse(row.data) as InventoryItem["data"],
    status: row.status,
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
