import { Hono } from "hono";
import { AppError, unwrap } from "../../lib/errors";
import { ItemPatch, ItemsUpsert } from "../../schemas/api";
import { Id } from "../../schemas/common";
import { authorize } from "./auth";
import { parse, parseBody, type AppEnv } from "./context";
import { inventoryOf } from "./stubs";

export const items = new Hono<AppEnv>();

/** Bulk upsert of modifiable items, up to 5,000 per call (8 MiB, see body-limits.ts), all or nothing. */
items.put("/:eventId/items", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const { items: input } = await parseBody(c, ItemsUpsert);
  return c.json(unwrap(await inventoryOf(c.env, eventId).upsertItems(input, actor)));
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

items.patch("/:eventId/items/:itemId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  const actor = authorize(c, ["admin"]);
  const patch = await parseBody(c, ItemPatch);
  return c.json(unwrap(await inventoryOf(c.env, eventId).patchItem(itemId, patch, actor)));
});
