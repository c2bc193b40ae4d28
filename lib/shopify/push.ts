import type { ShopifyConflict, ShopifyListing, ShopifyPlan, ShopifyPlanEntry, ShopifyPushed } from "../../schemas/shopify";
import { ShopifyStop, type ShopifyClient } from "./client";
import { AVAILABLE_QUANTITIES, LOCATIONS, PRODUCT_SET, SET_QUANTITIES } from "./documents";
import { productSetVariables, quantityKey } from "./mapping";

/** Shopify takes at most 250 quantities in one inventorySetQuantities. */
const QUANTITIES_PER_CALL = 250;
/** Calls for one page of quantities when compares go stale (each retries only what did not apply). */
const STALE_ATTEMPTS = 3;

type UserError = { field?: string[] | null; message: string; code?: string | null };

interface ProductSetData {
  productSet: {
    product: { id: string; variants: { nodes: { id: string; inventoryItem: { id: string }; inventoryQuantity: number | null }[] } } | null;
    userErrors: UserError[];
  };
}

/** The location stocked: the configured one, or the shop's first active location. */
export async function resolveLocation(client: ShopifyClient, known: string | null): Promise<string> {
  if (known) return known;
  if (client.config.locationId) return client.config.locationId;
  const data = await client.request<{ locations: { nodes: { id: string; isActive: boolean }[] } }>(LOCATIONS);
  const location = data.locations.nodes.find((l) => l.isActive);
  if (!location) throw new ShopifyStop("NO_LOCATION", "the shop has no active location to stock items at");
  return location.id;
}

export interface PushOutcome {
  pushed: ShopifyPushed[];
  conflicts: ShopifyConflict[];
}

/**
 * Brings Shopify up to date on each entry of a plan: `productSet` for an item never listed or
 * whose data changed (the quantity only when the product is created), then one compare-and-set
 * of the available quantities that differ from what Shopify last confirmed, with an
 * `@idempotent` key derived from the changes. A stale compare becomes a conflict, never a blind
 * retry. Any other userError stops with a `ShopifyStop`: a person must look.
 */
export async function pushPlan(client: ShopifyClient, plan: ShopifyPlan, locationId: string): Promise<PushOutcome> {
  const pushed = new Map<string, ShopifyPushed>();
  const state = new Map<string, { listing: ShopifyListing | null; acked: number | null }>();
  for (const entry of plan.entries) {
    state.set(entry.itemId, { listing: entry.listing, acked: entry.acked });
    if (entry.listing && entry.pushedVersion !== null && entry.pushedVersion >= entry.dataVersion) continue;
    const created = entry.listing === null;
    const variables = productSetVariables(plan.eventId, entry.item, locationId, created ? entry.desired : null);
    const data = await client.request<ProductSetData>(PRODUCT_SET, variables);
    const result = data.productSet;
    if (result.userErrors.length > 0 || !result.product) throw refused("productSet", entry.itemId, result.userErrors);
    const variant = result.product.variants.nodes[0];
    if (!variant) throw new ShopifyStop("NO_VARIANT", `productSet for item ${entry.itemId} returned a product without a variant`);
    const listing = { productId: result.product.id, variantId: variant.id, inventoryItemId: variant.inventoryItem.id };
    const acked = created ? (variant.inventoryQuantity ?? entry.desired) : entry.acked;
    state.set(entry.itemId, { listing, acked });
    pushed.set(entry.itemId, { itemId: entry.itemId, seq: entry.seq, listing, pushedVersion: entry.dataVersion, ...(acked === null ? {} : { quantity: acked }) });
  }

  const changes = plan.entries.filter((e) => state.get(e.itemId)!.acked !== e.desired);
  const conflicts: ShopifyConflict[] = [];
  for (let i = 0; i < changes.length; i += QUANTITIES_PER_CALL) {
    let page = changes.slice(i, i + QUANTITIES_PER_CALL);
    // A stale compare fails the whole call: the items it did not apply for that reason go again at
    // once (Shopify was just read to hold what we expected), not after the outbox's resend delay.
    for (let attempt = 0; attempt < STALE_ATTEMPTS && page.length > 0; attempt++) {
      const outcome = await setQuantities(client, plan.eventId, locationId, page, state);
      for (const entry of outcome.applied) pushed.set(entry.itemId, { ...(pushed.get(entry.itemId) ?? { itemId: entry.itemId, seq: entry.seq }), quantity: entry.desired });
      conflicts.push(...outcome.conflicts);
      page = outcome.again;
    }
  }
  // Entries needing nothing (already in step) are acknowledged too, so they leave the outbox.
  for (const entry of plan.entries) {
    if (!pushed.has(entry.itemId) && !conflicts.some((c) => c.itemId === entry.itemId) && state.get(entry.itemId)!.acked === entry.desired) {
      pushed.set(entry.itemId, { itemId: entry.itemId, seq: entry.seq });
    }
  }
  return { pushed: [...pushed.values()], conflicts };
}

async function setQuantities(
  client: ShopifyClient,
  eventId: string,
  locationId: string,
  entries: readonly ShopifyPlanEntry[],
  state: Map<string, { listing: ShopifyListing | null; acked: number | null }>,
): Promise<{ applied: ShopifyPlanEntry[]; conflicts: ShopifyConflict[]; again: ShopifyPlanEntry[] }> {
  const quantities = entries.map((e) => ({
    inventoryItemId: state.get(e.itemId)!.listing!.inventoryItemId,
    locationId,
    quantity: e.desired,
    changeFromQuantity: state.get(e.itemId)!.acked,
  }));
  const key = await quantityKey(eventId, entries.map((e) => ({ itemId: e.itemId, seq: e.seq, from: state.get(e.itemId)!.acked, to: e.desired })));
  const data = await client.request<{ inventorySetQuantities: { userErrors: UserError[] } }>(SET_QUANTITIES, {
    key,
    input: { name: "available", reason: "correction", referenceDocumentUri: `consignment://${eventId}/availability`, quantities },
  });
  const errors = data.inventorySetQuantities.userErrors;
  if (errors.length === 0) return { applied: [...entries], conflicts: [], again: [] };
  if (!errors.every((e) => e.code === "CHANGE_FROM_QUANTITY_STALE")) throw refused("inventorySetQuantities", entries.map((e) => e.itemId).join(","), errors);
  // A stale compare: read what Shopify holds, item by item. Where it already shows what we want
  // the change is done; where it still shows what we expected the call did not apply (it goes
  // again); anything else is a conflict, recorded with both quantities.
  const actual = await availableQuantities(client, locationId, entries.map((e) => state.get(e.itemId)!.listing!.inventoryItemId));
  const applied: ShopifyPlanEntry[] = [];
  const conflicts: ShopifyConflict[] = [];
  const again: ShopifyPlanEntry[] = [];
  for (const entry of entries) {
    const theirs = actual.get(state.get(entry.itemId)!.listing!.inventoryItemId) ?? null;
    const expected = state.get(entry.itemId)!.acked;
    if (theirs === entry.desired) applied.push(entry);
    else if (theirs !== expected) conflicts.push({ itemId: entry.itemId, kind: "quantity_stale", ours: { expected, wanted: entry.desired }, theirs: { quantity: theirs } });
    else again.push(entry);
  }
  return { applied, conflicts, again };
}

async function availableQuantities(client: ShopifyClient, locationId: string, inventoryItemIds: string[]): Promise<Map<string, number>> {
  const data = await client.request<{ nodes: ({ id: string; inventoryLevel: { quantities: { name: string; quantity: number }[] } | null } | null)[] }>(
    AVAILABLE_QUANTITIES,
    { ids: inventoryItemIds, locationId },
  );
  const result = new Map<string, number>();
  for (const node of data.nodes) {
    const available = node?.inventoryLevel?.quantities.find((q) => q.name === "available");
    if (node && available) result.set(node.id, available.quantity);
  }
  return result;
}

function refused(mutation: string, itemId: string, errors: readonly UserError[]): ShopifyStop {
  const first = errors[0];
  return new ShopifyStop(first?.code ?? "USER_ERROR", `${mutation} for item ${itemId} refused: ${errors.map((e) => `${(e.field ?? []).join(".")} ${e.message}`.trim()).join("; ") || "no product returned"}`);
}
