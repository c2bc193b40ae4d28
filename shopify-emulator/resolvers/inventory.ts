// Inventory (Admin schema 2026-10): quantities read through InventoryItem/InventoryLevel/Location, and
// written with inventorySetQuantities / inventoryAdjustQuantities, whose `changeFromQuantity` is
// mandatory since 2026-04 (null skips the compare; a mismatch is CHANGE_FROM_QUANTITY_STALE and
// nothing is applied). shopify.dev/docs/api/admin-graphql/latest/input-objects/InventoryQuantityInput
import { GraphQLError } from "graphql";
import { gid, idOf, isoNow, nextId } from "../ids.ts";
import { inventoryLevelPayload } from "../payloads.ts";
import type { InventoryItem, InventoryLevel, QuantityName, Shop } from "../shop.ts";
import { searchFilter } from "../search.ts";
import { inventoryItemView, inventoryLevelView, locationView } from "./catalog-views.ts";
import { connection, type PageArgs } from "./connection.ts";
import type { Context, UserError } from "./context.ts";

/** The reasons Shopify accepts (shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps/manage-quantities-states). */
const REASONS = new Set([
  "correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "movement_received", "movement_canceled",
  "other", "promotion", "quality_control", "received", "reservation_created", "reservation_deleted", "reservation_updated",
  "restock", "safety_stock", "shrinkage",
]);
/** Names inventoryAdjustQuantities may change; all but `incoming` are part of `on_hand`. */
const ADJUSTABLE: QuantityName[] = ["available", "damaged", "incoming", "quality_control", "reserved", "safety_stock"];
const LIMIT = 1_000_000_000;

interface Change {
  level: InventoryLevel;
  name: QuantityName;
  delta: number;
  ledgerDocumentUri: string | null;
  /** The quantity right after this change (set when applied). */
  after?: number;
}

export interface AdjustmentGroup {
  id: number;
  createdAt: string;
  reason: string;
  referenceDocumentUri: string | null;
  changes: Change[];
}

function adjustmentGroupView(shop: Shop, group: AdjustmentGroup): object {
  return {
    __typename: "InventoryAdjustmentGroup",
    id: gid("InventoryAdjustmentGroup", group.id),
    createdAt: group.createdAt,
    reason: group.reason,
    referenceDocumentUri: group.referenceDocumentUri,
    app: null,
    staffMember: null,
    changes: (args: { inventoryItemIds?: string[]; locationIds?: string[]; quantityNames?: string[] }) =>
      group.changes
        .filter((c) => !args.inventoryItemIds || args.inventoryItemIds.includes(gid("InventoryItem", c.level.itemId)))
        .filter((c) => !args.locationIds || args.locationIds.includes(gid("Location", c.level.locationId)))
        .filter((c) => !args.quantityNames || args.quantityNames.includes(c.name))
        .map((c) => ({
          name: c.name,
          delta: c.delta,
          quantityAfterChange: c.after ?? c.level.quantities[c.name],
          ledgerDocumentUri: c.ledgerDocumentUri,
          item: () => {
            const item = shop.items.get(c.level.itemId);
            return item ? inventoryItemView(shop, item) : null;
          },
          location: () => {
            const location = shop.locations.get(c.level.locationId);
            return location ? locationView(shop, location) : null;
          },
        })),
  };
}

/** "This field is mandatory: you must explicitly pass in a value, even if that value is null, or the mutation returns an error." */
function requireChangeFrom(rows: object[], inputType: string): void {
  if (rows.some((row) => !("changeFromQuantity" in row))) {
    throw new GraphQLError(`${inputType} must include the following argument: changeFromQuantity.`, { extensions: { code: "INVALID_FIELD_ARGUMENTS" } });
  }
}

interface Row {
  inventoryItemId: string;
  locationId: string;
  changeFromQuantity?: number | null;
}

/** Checks that apply to every row; returns the row's level (or null when the item is not stocked there). */
function locate(shop: Shop, row: Row, at: string[], errors: UserError[]): InventoryLevel | null | undefined {
  const itemId = idOf("InventoryItem", row.inventoryItemId);
  const locationId = idOf("Location", row.locationId);
  const item = itemId === null ? undefined : shop.items.get(itemId);
  if (!item) {
    errors.push({ code: "INVALID_INVENTORY_ITEM", field: [...at, "inventoryItemId"], message: "The specified inventory item could not be found." });
    return undefined;
  }
  if (locationId === null || !shop.locations.has(locationId)) {
    errors.push({ code: "INVALID_LOCATION", field: [...at, "locationId"], message: "The specified location could not be found." });
    return undefined;
  }
  return shop.level(item.id, locationId) ?? null;
}

function applyChanges(ctx: Context, reason: string, referenceDocumentUri: string | null | undefined, changes: Change[]): AdjustmentGroup {
  const now = isoNow();
  const touched = new Set<InventoryLevel>();
  for (const c of changes) {
    if (c.delta !== 0) {
      c.level.quantities[c.name] += c.delta;
      c.level.updatedAt = now;
      touched.add(c.level);
    }
    c.after = c.level.quantities[c.name];
  }
  for (const level of touched) ctx.services.emit("inventory_levels/update", inventoryLevelPayload(level));
  return { id: nextId(), createdAt: now, reason, referenceDocumentUri: referenceDocumentUri ?? null, changes };
}

interface SetInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  quantities: (Row & { quantity: number })[];
}
interface AdjustInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  changes: (Row & { delta: number; ledgerDocumentUri?: string | null })[];
}

export const inventoryMutations = {
  inventorySetQuantities({ input }: { input: SetInput }, ctx: Context) {
    requireChangeFrom(input.quantities, "InventoryQuantityInput");
    const { shop } = ctx;
    const errors: UserError[] = [];
    if (input.name !== "available" && input.name !== "on_hand") {
      errors.push({ code: "INVALID_NAME", field: ["input", "name"], message: "The quantity name must be either 'available' or 'on_hand'." });
    }
    if (!REASONS.has(input.reason)) errors.push({ code: "INVALID_REASON", field: ["input", "reason"], message: "The specified reason is invalid." });
    const name = input.name === "on_hand" ? "on_hand" : "available";
    const changes: Change[] = [];
    input.quantities.forEach((row, i) => {
      const at = ["input", "quantities", String(i)];
      const level = locate(shop, row, at, errors);
      if (row.quantity < 0) errors.push({ code: "INVALID_QUANTITY_NEGATIVE", field: [...at, "quantity"], message: "The quantity can't be negative." });
      if (row.quantity > LIMIT) errors.push({ code: "INVALID_QUANTITY_TOO_HIGH", field: [...at, "quantity"], message: "The total quantity can't be higher than 1,000,000,000." });
      // An item not stocked at the location is left as it is (activate it with inventoryActivate first).
      if (!level) return;
      const current = level.quantities[name];
      if (row.changeFromQuantity != null && row.changeFromQuantity !== current) {
        errors.push({ code: "CHANGE_FROM_QUANTITY_STALE", field: [...at, "changeFromQuantity"], message: "The changeFromQuantity argument no longer matches the persisted quantity." });
        return;
      }
      const delta = row.quantity - current;
      const other: QuantityName = name === "available" ? "on_hand" : "available";
      changes.push({ level, name, delta, ledgerDocumentUri: null }, { level, name: other, delta, ledgerDocumentUri: null });
    });
    if (errors.length) return { inventoryAdjustmentGroup: null, userErrors: errors };
    const group = applyChanges(ctx, input.reason, input.referenceDocumentUri, changes);
    return { inventoryAdjustmentGroup: adjustmentGroupView(shop, group), userErrors: [] };
  },

  inventoryAdjustQuantities({ input }: { input: AdjustInput }, ctx: Context) {
    requireChangeFrom(input.changes, "InventoryChangeInput");
    const { shop } = ctx;
    const errors: UserError[] = [];
    const name = ADJUSTABLE.find((n) => n === input.name);
    if (!name) errors.push({ code: "INVALID_QUANTITY_NAME", field: ["input", "name"], message: "The quantity name is invalid." });
    if (!REASONS.has(input.reason)) errors.push({ code: "INVALID_REASON", field: ["input", "reason"], message: "The specified reason is invalid." });
    const changes: Change[] = [];
    input.changes.forEach((row, i) => {
      const at = ["input", "changes", String(i)];
      const level = locate(shop, row, at, errors);
      if (name && name !== "available" && !row.ledgerDocumentUri) {
        errors.push({ code: "INVALID_LEDGER_DOCUMENT", field: [...at, "ledgerDocumentUri"], message: "A ledger document URI is required for quantity names other than available." });
      }
      if (!level || !name) return;
      const current = level.quantities[name];
      if (row.changeFromQuantity != null && row.changeFromQuantity !== current) {
        errors.push({ code: "CHANGE_FROM_QUANTITY_STALE", field: [...at, "changeFromQuantity"], message: "The changeFromQuantity argument no longer matches the persisted quantity." });
        return;
      }
      if (Math.abs(current + row.delta) > LIMIT) errors.push({ code: "INVALID_QUANTITY_TOO_HIGH", field: [...at, "delta"], message: "The total quantity can't be higher than 1,000,000,000." });
      changes.push({ level, name, delta: row.delta, ledgerDocumentUri: row.ledgerDocumentUri ?? null });
      if (name !== "incoming") changes.push({ level, name: "on_hand", delta: row.delta, ledgerDocumentUri: null });
    });
    if (errors.length) return { inventoryAdjustmentGroup: null, userErrors: errors };
    const group = applyChanges(ctx, input.reason, input.referenceDocumentUri, changes);
    return { inventoryAdjustmentGroup: adjustmentGroupView(shop, group), userErrors: [] };
  },

  inventoryActivate(args: { inventoryItemId: string; locationId: string; available?: number | null; onHand?: number | null }, ctx: Context) {
    const { shop } = ctx;
    const errors: UserError[] = [];
    const level = locate(shop, { inventoryItemId: args.inventoryItemId, locationId: args.locationId }, [], errors);
    if (level === undefined) return { inventoryLevel: null, userErrors: errors.map(({ field, message }) => ({ field, message })) };
    const activated = level ?? shop.activate(idOf("InventoryItem", args.inventoryItemId)!, idOf("Location", args.locationId)!);
    if (!level && (args.available != null || args.onHand != null)) {
      const quantity = args.available ?? args.onHand ?? 0;
      applyChanges(ctx, "correction", null, [
        { level: activated, name: "available", delta: quantity, ledgerDocumentUri: null },
        { level: activated, name: "on_hand", delta: quantity, ledgerDocumentUri: null },
      ]);
    }
    return { inventoryLevel: inventoryLevelView(shop, activated), userErrors: [] };
  },
};

export const inventoryQueries = {
  inventoryItem({ id }: { id: string }, ctx: Context) {
    const item = ctx.shop.items.get(idOf("InventoryItem", id) ?? -1);
    return item ? inventoryItemView(ctx.shop, item) : null;
  },
  inventoryItems(args: PageArgs & { query?: string | null }, ctx: Context) {
    const { shop } = ctx;
    const filter = searchFilter<InventoryItem>(args.query, {
      default: { kind: "string", get: (i) => i.sku },
      sku: { kind: "string", get: (i) => i.sku },
      id: { kind: "id", get: (i) => i.id },
      created_at: { kind: "date", get: (i) => i.createdAt },
      updated_at: { kind: "date", get: (i) => i.updatedAt },
    });
    const records = [...shop.items.values()].filter((i) => !filter || filter(i));
    return connection(ctx, "inventoryItems", records, args, (i) => [i.id], (i) => inventoryItemView(shop, i));
  },
  inventoryLevel({ id }: { id: string }, ctx: Context) {
    const levelId = idOf("InventoryLevel", id);
    const level = [...ctx.shop.levels.values()].find((l) => l.id === levelId);
    return level ? inventoryLevelView(ctx.shop, level) : null;
  },
  locations(args: PageArgs & { includeInactive?: boolean; query?: string | null }, ctx: Context) {
    const { shop } = ctx;
    const records = [...shop.locations.values()].filter((l) => l.isActive || args.includeInactive);
    return connection(ctx, "locations", records, args, (l) => [l.name, l.id], (l) => locationView(shop, l));
  },
  location({ id }: { id?: string | null }, ctx: Context) {
    const { shop } = ctx;
    const location = id ? shop.locations.get(idOf("Location", id) ?? -1) : shop.primaryLocation();
    return location ? locationView(shop, location) : null;
  },
};
