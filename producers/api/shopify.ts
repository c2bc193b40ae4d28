import { Hono } from "hono";
import { z } from "zod";
import { AppError, notFound, unwrap } from "../../lib/errors";
import { shopifyConfig } from "../../lib/shopify/config";
import { Id } from "../../schemas/common";
import { ShopifySettings } from "../../schemas/shopify";
import { authorize } from "./auth";
import { parse, parseBody, type AppEnv } from "./context";
import { inventoryOf } from "./stubs";

/** The event's online channel (Shopify), for organizers. */
export const shopify = new Hono<AppEnv>();

const notConfigured = () =>
  new AppError("SHOPIFY_NOT_CONFIGURED", "Shopify is not configured for this deployment (SHOPIFY_ADMIN_ORIGIN and the SHOPIFY_ADMIN_TOKEN secret)");

/** `{enabled}`: on lists every item of the event and keeps Shopify in step; off stops all syncing. */
shopify.put("/:eventId/shopify", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const { enabled } = await parseBody(c, ShopifySettings);
  if (enabled && !shopifyConfig(c.env)) throw notConfigured();
  return c.json(unwrap(await inventoryOf(c.env, eventId).setShopifyEnabled(enabled, actor)));
});

/** Status: `enabled`, `syncMetadata`, items waiting to sync, unlisted, open conflicts, the last error. */
shopify.get("/:eventId/shopify", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  return c.json(unwrap(await inventoryOf(c.env, eventId).shopifyStatus()));
});

const SyncBody = z.strictObject({ drift: z.boolean().optional() });

/**
 * Reconcile now: 202 with the workflow instance doing it (the running one, if any). `{"drift":true}`
 * also compares every listed item with Shopify (a bulk query), as the nightly run does.
 */
shopify.post("/:eventId/shopify/sync", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const body = (c.req.header("Content-Length") ?? "0") === "0" && !c.req.header("Transfer-Encoding") ? {} : await parseBody(c, SyncBody);
  if (!shopifyConfig(c.env)) throw notConfigured();
  const inventory = inventoryOf(c.env, eventId);
  const status = unwrap(await inventory.shopifyStatus());
  if (!status.enabled) throw new AppError("INVALID_TRANSITION", "Shopify is not enabled for this event", { enabled: false });
  const { instanceId, started } = unwrap(await inventory.reconcileShopify("on-demand", body.drift ?? false));
  return c.json({ instanceId, started }, 202);
});

/** A reconcile run: its workflow status and, once done, what it listed and pushed. */
shopify.get("/:eventId/shopify/sync/:instanceId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const instanceId = parse(z.string().regex(/^shopify-[0-9A-Za-z._-]{1,120}$/), c.req.param("instanceId"), "instanceId");
  if (!instanceId.startsWith(`shopify-${eventId}-`)) throw notFound(`reconcile run ${instanceId} of event ${eventId}`);
  const instance = await c.env.SHOPIFY_RECONCILE.get(instanceId).catch(() => null);
  if (!instance) throw notFound(`reconcile run ${instanceId}`);
  const { status, output, error } = await instance.status();
  return c.json({ instanceId, status, ...(output !== undefined ? { output } : {}), ...(error ? { error } : {}) });
});

const ConflictsQuery = z.strictObject({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Conflicts with Shopify, newest first, each with both values and what was done. Paged by `before`. */
shopify.get("/:eventId/shopify/conflicts", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const query = parse(ConflictsQuery, c.req.query(), "query");
  const conflicts = unwrap(await inventoryOf(c.env, eventId).shopifyConflicts(query.before ?? Number.MAX_SAFE_INTEGER, query.limit));
  const last = conflicts.at(-1);
  return c.json({ conflicts, next: conflicts.length === query.limit && last ? `?before=${last.id}&limit=${query.limit}` : null });
});

const ResolveBody = z.strictObject({ note: z.string().min(1).max(500) });

/** A person did what the conflict asked (refunded the online order, checked the item): resolved, with a note. */
shopify.post("/:eventId/shopify/conflicts/:conflictId/resolve", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const conflictId = parse(z.coerce.number().int().min(1), c.req.param("conflictId"), "conflictId");
  const actor = authorize(c, ["admin"]);
  const { note } = await parseBody(c, ResolveBody);
  return c.json(unwrap(await inventoryOf(c.env, eventId).resolveShopifyConflict(conflictId, note, actor)));
});
