import { Hono } from "hono";
import { z } from "zod";
import { AppError, unwrap } from "../../lib/errors";
import { ItemPatch, ItemsUpsert } from "../../schemas/api";
import { EpochMs, Id } from "../../schemas/common";
import { authorize } from "./auth";
import { parse, parseBody, type AppEnv } from "./context";
import { inventoryOf } from "./stubs";

export const items = new Hono<AppEnv>();

/**
 * Bulk upsert of modifiable items, up to 5,000 per call (8 MiB, see body-limits.ts), all or
 * nothing. An admin for any consignor; a consignor key for its own consignor only, within the
 * organizer's item rules. Items without an id get `{consignorId}-{n}`; `ids` answers them in order.
 */
items.put("/:eventId/items", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const { items: input } = await parseBody(c, ItemsUpsert);
  if (actor.role === "consignor") {
    const other = input.find((i) => i.consignorId !== actor.consignorId);
    if (other) throw new AppError("FORBIDDEN", `a consignor key enters items for its own consignor only (not ${other.consignorId})`);
  }
  return c.json(unwrap(await inventoryOf(c.env, eventId).upsertItems(input, actor)));
});

const ItemListQuery = z.strictObject({
  consignorId: Id.optional(),
  status: z.enum(["modifiable", "locked", "sold", "transfer"]).optional(),
  after: z.string().max(64).default(""),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  since: z.coerce.number().pipe(EpochMs).optional(),
});

/** Items in id order, a page at a time (`next` is the `after` of the following page); a consignor sees only their own. */
items.get("/:eventId/items", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const query = parse(ItemListQuery, c.req.query(), "query");
  if (actor.role === "consignor" && query.consignorId !== undefined && query.consignorId !== actor.consignorId) {
    throw new AppError("FORBIDDEN", "this key belongs to another consignor");
  }
  const { after, limit, ...filter } = query;
  const consignorId = actor.role === "consignor" ? actor.consignorId : filter.consignorId;
  return c.json(unwrap(await inventoryOf(c.env, eventId).listItems({ ...filter, consignorId }, after, limit)));
});

items.get("/:eventId/items/:itemId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const item = unwrap(await inventoryOf(c.env, eventId).getItem(itemId));
  if (actor.role === "consignor" && item.consignorId !== actor.consignorId) {
    throw new AppError("FORBIDDEN", "this item belongs to another consignor");
  }
  return c.json(item);
});

/** Changes an item at its current version; a consignor only their own, while modifiable, within the rules. */
items.patch("/:eventId/items/:itemId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const patch = await parseBody(c, ItemPatch);
  return c.json(unwrap(await inventoryOf(c.env, eventId).patchItem(itemId, patch, actor)));
});

/**
 * Deletes an item while modifiable (`?version=` checks it is the one you saw). One Shopify already
 * lists is withdrawn instead (status `transfer`, reason `withdrawn`), so its listing comes down.
 */
items.delete("/:eventId/items/:itemId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  const actor = authorize(c, ["admin", "consignor"], { eventId });
  const { version } = parse(z.strictObject({ version: z.coerce.number().int().min(1).optional() }), c.req.query(), "query");
  return c.json(unwrap(await inventoryOf(c.env, eventId).deleteItem(itemId, version ?? null, actor)));
});
