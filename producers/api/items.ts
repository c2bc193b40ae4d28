import { Hono } from "hono";
import { z } from "zod";
import { sha256Hex } from "../../lib/crypto";
import { AppError, unwrap } from "../../lib/errors";
import { ItemPatch, ItemsUpsert } from "../../schemas/api";
import { EpochMs, Id } from "../../schemas/common";
import { InventoryItem, ItemDeleted, ItemPage, ItemsUpserted } from "../../schemas/responses";
import { authorize } from "./auth";
import { parse, parseBody, type AppEnv } from "./context";
import { documented, json } from "./route-docs";
import { inventoryOf } from "./stubs";

export const items = new Hono<AppEnv>();

/**
 * Bulk upsert of modifiable items, up to 5,000 per call (8 MiB, see body-limits.ts), all or
 * nothing. An admin for any consignor; a consignor key for its own consignor only, within the
 * organizer's item rules. Items without an id get `{consignorId}-{n}`; `ids` answers them in order.
 */
items.put("/:eventId/items", documented({
  operationId: "upsertItems",
  tag: "Items",
  summary: "Create or replace items",
  description:
    "Up to 5,000 items a call (8 MiB), all or nothing, while they are modifiable (before the first session locks them). An item without `id` gets `{consignorId}-{n}` (never given twice); `ids` answers every id in the order sent. Prices in integer cents. A consignor key enters its own items only, held to the event's item rules.",
  access: ["admin", "consignor"],
  body: ItemsUpsert,
  responses: { 200: json(ItemsUpserted, "How many were created and replaced, and every id.") },
  errors: ["NOT_FOUND", "EVENT_CLOSED", "ITEM_LOCKED", "ITEM_RULE_VIOLATED", "IDEMPOTENCY_KEY_REUSED"],
  errorNotes: { FORBIDDEN: "The key's role may not call this route, belongs to another event, or (a consignor key) an item is another consignor's." },
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const { items: input, requestId } = await parseBody(c, ItemsUpsert);
  if (actor.role === "consignor") {
    const other = input.find((i) => i.consignorId !== actor.consignorId);
    if (other) throw new AppError("FORBIDDEN", `a consignor key enters items for its own consignor only (not ${other.consignorId})`);
  }
  const request = requestId ? { id: requestId.toLowerCase(), bodyHash: await sha256Hex(JSON.stringify(input)) } : null;
  const saved = unwrap(await inventoryOf(c.env, eventId).upsertItems(input, actor, request));
  if (saved.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(saved.value, 200);
}));

const ItemListQuery = z.strictObject({
  consignorId: Id.optional(),
  status: z.enum(["modifiable", "locked", "sold", "transfer"]).optional(),
  after: z.string().max(64).default("").describe("Items after this id: the `next` of the page before."),
  limit: z.coerce.number().int().min(1).max(1_000).default(100).describe("Items per page (default 100)."),
  since: z.coerce.number().pipe(EpochMs).optional().describe("Only items changed since this time (epoch ms)."),
});

const ItemDeleteQuery = z.strictObject({
  version: z.coerce.number().int().min(1).optional().describe("The version you saw (VERSION_CONFLICT otherwise)."),
});

/** Items in id order, a page at a time (`next` is the `after` of the following page); a consignor sees only their own. */
items.get("/:eventId/items", documented({
  operationId: "listItems",
  tag: "Items",
  summary: "List items",
  description: "Items in id order, a page at a time: pass the answer's `next` as `after` for the following page. `since` (epoch ms): only items changed since then. A consignor key sees its own items only.",
  access: ["admin", "consignor"],
  query: ItemListQuery,
  responses: { 200: json(ItemPage, "A page of items.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const query = parse(ItemListQuery, c.req.query(), "query");
  if (actor.role === "consignor" && query.consignorId !== undefined && query.consignorId !== actor.consignorId) {
    throw new AppError("FORBIDDEN", "this key belongs to another consignor");
  }
  const { after, limit, ...filter } = query;
  const consignorId = actor.role === "consignor" ? actor.consignorId : filter.consignorId;
  return c.json(unwrap(await inventoryOf(c.env, eventId).listItems({ ...filter, consignorId }, after, limit)));
}));

items.get("/:eventId/items/:itemId", documented({
  operationId: "getItem",
  tag: "Items",
  summary: "An item",
  description: "Its status, version, tag price (cents), marks, sale, and what Shopify acknowledged. A consignor key reads its own items only.",
  access: ["admin", "consignor"],
  responses: { 200: json(InventoryItem, "The item.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const item = unwrap(await inventoryOf(c.env, eventId).getItem(itemId));
  if (actor.role === "consignor" && item.consignorId !== actor.consignorId) {
    throw new AppError("FORBIDDEN", "this item belongs to another consignor");
  }
  return c.json(item);
}));

/** Changes an item at its current version; a consignor only their own, while modifiable, within the rules. */
items.patch("/:eventId/items/:itemId", documented({
  operationId: "patchItem",
  tag: "Items",
  summary: "Change an item",
  description:
    "At its current `version`: data fields while it is modifiable (a consignor only their own, within the item rules); or `{version, status: \"transfer\"}` (admin) to move a locked, unsold item out of the sale between sessions.",
  access: ["admin", "consignor"],
  body: ItemPatch,
  responses: { 200: json(InventoryItem, "The item, changed.") },
  errors: ["NOT_FOUND", "EVENT_CLOSED", "VERSION_CONFLICT", "ITEM_LOCKED", "INVALID_TRANSITION", "ITEM_RULE_VIOLATED"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const patch = await parseBody(c, ItemPatch);
  return c.json(unwrap(await inventoryOf(c.env, eventId).patchItem(itemId, patch, actor)));
}));

/**
 * Deletes an item while modifiable (`?version=` checks it is the one you saw). One Shopify already
 * lists is withdrawn instead (status `transfer`, reason `withdrawn`), so its listing comes down.
 */
items.delete("/:eventId/items/:itemId", documented({
  operationId: "deleteItem",
  tag: "Items",
  summary: "Delete an item",
  description: "While modifiable (`?version=` checks it is the one you saw). One Shopify already lists is withdrawn instead (status `transfer`, reason `withdrawn`), so its listing comes down.",
  access: ["admin", "consignor"],
  query: ItemDeleteQuery,
  responses: { 200: json(ItemDeleted, "Deleted, or withdrawn.") },
  errors: ["NOT_FOUND", "EVENT_CLOSED", "VERSION_CONFLICT", "ITEM_LOCKED"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const { version } = parse(ItemDeleteQuery, c.req.query(), "query");
  return c.json(unwrap(await inventoryOf(c.env, eventId).deleteItem(itemId, version ?? null, actor)));
}));
