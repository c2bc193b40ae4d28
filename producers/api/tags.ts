import { Hono } from "hono";
import { z } from "zod";
import { AppError, unwrap } from "../../lib/errors";
import { perPage, renderTags, type TagData } from "../../lib/tags/render";
import { EpochMs, Id } from "../../schemas/common";
import type { InventoryItem } from "../../schemas/domain";
import { authorize } from "./auth";
import { parse, type AppEnv } from "./context";
import { documented } from "./route-docs";
import { inventoryOf, requireEvent } from "./stubs";

export const tags = new Hono<AppEnv>();

/** Tags one PDF may hold: a consignor's whole sale, with room to spare. */
const MAX_TAGS = 2_000;
const PAGE = 1_000;

const TagsQuery = z.strictObject({
  /** Comma-separated item ids: only these (each must be this consignor's). */
  items: z
    .string()
    .max(20_000)
    .describe("Comma-separated item ids: only these (each must be this consignor's), whatever their status.")
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(Id).min(1).max(MAX_TAGS))
    .optional(),
  /** Only items changed after this time (epoch ms): the tags not printed since then. */
  since: z.coerce.number().pipe(EpochMs).optional().describe("Only items changed since this time (epoch ms): the tags not printed since then."),
  format: z.enum(["tags", "labels"]).default("tags").describe("`tags` (6 a letter page, default) or `labels` (Avery 5160, 30 a sheet)."),
  /** Positions of a partly used sheet to leave blank. */
  skip: z.coerce.number().int().min(0).max(29).default(0).describe("Positions of a partly used sheet to leave blank (less than a page's)."),
});

const tagOf = (i: InventoryItem): TagData => ({
  itemId: i.id,
  consignorId: i.consignorId,
  title: i.title,
  size: i.size,
  price: i.price,
  discountAllowed: i.discountAllowed,
  donate: i.donate,
});

/**
 * A consignor's printable tags (that consignor, or an admin): 6 a US-letter page for card stock,
 * or Avery 5160 labels with `format=labels`; every item still in the sale, or `items=`, or the
 * ones changed `since=` a time. Each tag carries a Code 128 barcode of the item id.
 */
tags.get("/:eventId/consignors/:consignorId/tags.pdf", documented({
  operationId: "getTagsPdf",
  tag: "Tags",
  summary: "A consignor's printable tags (PDF)",
  description:
    "Every item of the consignor still in the sale, or `items=`, or those changed `since=` a time (epoch ms); 6 tags a US-letter page, or Avery 5160 labels with `format=labels` (`skip` leaves the first positions of a used sheet blank). Each tag has the price, the marks and a Code 128 barcode of the item id. At most 2,000 tags a PDF. A consignor key prints its own.",
  access: ["admin", "consignor"],
  query: TagsQuery,
  responses: {
    200: {
      description: "The PDF.",
      media: "application/pdf",
      headers: { "Content-Disposition": "`inline; filename=\"{eventId}-{consignorId}-{format}.pdf\"`", "Cache-Control": "`no-store`" },
    },
  },
  errors: ["NOT_FOUND"],
  errorNotes: {
    VALIDATION_FAILED: "The path or query is not valid (`details.issues`), `skip` is not less than the positions of a page, or more than 2,000 tags would print (`details.limit`).",
    NOT_FOUND: "The event does not exist, or an item of `items=` is not this consignor's (`details.items`).",
  },
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  authorize(c, ["admin", "consignor"], { eventId, consignorId });
  const query = parse(TagsQuery, c.req.query(), "query");
  if (query.skip >= perPage(query.format)) {
    throw new AppError("VALIDATION_FAILED", `skip must be less than the ${perPage(query.format)} positions of a page`, { limit: perPage(query.format) - 1 });
  }
  const event = await requireEvent(c.env, eventId);
  const inventory = inventoryOf(c.env, eventId);
  const chosen: InventoryItem[] = [];
  let after = "";
  for (;;) {
    const page = unwrap(await inventory.listItems({ consignorId, ids: query.items, since: query.since }, after, PAGE));
    // Named items print whatever their status; otherwise only what is still in the sale.
    chosen.push(...page.items.filter((i) => query.items !== undefined || i.status === "modifiable" || i.status === "locked"));
    if (chosen.length > MAX_TAGS) {
      throw new AppError("VALIDATION_FAILED", `more than ${MAX_TAGS} tags in one PDF; print them in parts with items= or since=`, { limit: MAX_TAGS });
    }
    if (page.next === null) break;
    after = page.next;
  }
  if (query.items !== undefined) {
    const found = new Set(chosen.map((i) => i.id));
    const missing = query.items.filter((id) => !found.has(id));
    if (missing.length > 0) throw new AppError("NOT_FOUND", `no item ${missing.join(", ")} of consignor ${consignorId}`, { items: missing });
  }
  const pdf = await renderTags(chosen.map(tagOf), query.format, { eventName: event.name, skip: query.skip });
  c.header("Content-Type", "application/pdf");
  c.header("Content-Disposition", `inline; filename="${eventId}-${consignorId}-${query.format}.pdf"`);
  c.header("Cache-Control", "no-store");
  return c.body(new Uint8Array(pdf));
}));
