import { Hono } from "hono";
import { z } from "zod";
import { AppError, notFound, unwrap } from "../../lib/errors";
import { shopifyConfig } from "../../lib/shopify/config";
import { Id } from "../../schemas/common";
import { ShopifySettings } from "../../schemas/shopify";
import {
  ShopifyConflictPage,
  ShopifyConflictView,
  ShopifySettingsSaved,
  ShopifyStatus,
  ShopifySyncRun,
  ShopifySyncStarted,
  type ShopifyReconcileOutput,
} from "../../schemas/responses";
import { authorize } from "./auth";
import { parse, parseBody, type AppEnv } from "./context";
import { documented, json } from "./route-docs";
import { inventoryOf } from "./stubs";

/** The event's online channel (Shopify), for organizers. */
export const shopify = new Hono<AppEnv>();

const notConfigured = () =>
  new AppError("SHOPIFY_NOT_CONFIGURED", "Shopify is not configured for this deployment (SHOPIFY_ADMIN_ORIGIN and the SHOPIFY_ADMIN_TOKEN secret)");

/** `{enabled}`: on lists every item of the event and keeps Shopify in step; off stops all syncing. */
shopify.put("/:eventId/shopify", documented({
  operationId: "setShopify",
  tag: "Shopify",
  summary: "Turn the online channel on or off",
  description:
    "`{enabled: true}` lists every item of the event on Shopify (many at once as a bulk operation) and keeps it in step; `false` stops all syncing. Saving again resumes a stopped sync.",
  access: ["admin"],
  body: ShopifySettings,
  responses: { 200: json(ShopifySettingsSaved, "The event's Shopify status, and the reconcile listing the items if one runs.") },
  errors: ["NOT_FOUND", "SHOPIFY_NOT_CONFIGURED"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const { enabled } = await parseBody(c, ShopifySettings);
  if (enabled && !shopifyConfig(c.env)) throw notConfigured();
  return c.json(unwrap(await inventoryOf(c.env, eventId).setShopifyEnabled(enabled, actor)));
}));

/** Status: `enabled`, `syncMetadata`, items waiting to sync, unlisted, open conflicts, the last error. */
shopify.get("/:eventId/shopify", documented({
  operationId: "getShopify",
  tag: "Shopify",
  summary: "The online channel's status",
  description: "`enabled`, `configured`, `syncMetadata` (times in epoch ms), items waiting for Shopify's acknowledgement, unlisted items, open conflicts, `stopped` and the last error.",
  access: ["admin"],
  responses: { 200: json(ShopifyStatus, "The status.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  return c.json(unwrap(await inventoryOf(c.env, eventId).shopifyStatus()));
}));

const SyncBody = z.strictObject({ drift: z.boolean().optional().describe("Also compare every listed item with Shopify (a bulk query).") });
const ReconcileInstanceId = z.string().regex(/^shopify-[0-9A-Za-z._-]{1,120}$/).describe("A reconcile run's workflow instance id (`shopify-{eventId}-…`).");
const ConflictId = z.coerce.number().int().min(1).describe("The conflict's id.");

/**
 * Reconcile now: 202 with the workflow instance doing it (the running one, if any). `{"drift":true}`
 * also compares every listed item with Shopify (a bulk query), as the nightly run does.
 */
shopify.post("/:eventId/shopify/sync", documented({
  operationId: "syncShopify",
  tag: "Shopify",
  summary: "Reconcile with Shopify now",
  description:
    "Starts the `shopify-reconcile` workflow (or answers the one running). `{\"drift\": true}` also compares every listed item with Shopify (a bulk query), as the nightly run does.",
  access: ["admin"],
  body: SyncBody,
  bodyOptional: true,
  responses: { 202: json(ShopifySyncStarted, "The workflow instance doing it.") },
  errors: ["NOT_FOUND", "SHOPIFY_NOT_CONFIGURED", "INVALID_TRANSITION"],
  errorNotes: { INVALID_TRANSITION: "Shopify is not enabled for this event (`details.enabled: false`)." },
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const body = (c.req.header("Content-Length") ?? "0") === "0" && !c.req.header("Transfer-Encoding") ? {} : await parseBody(c, SyncBody);
  if (!shopifyConfig(c.env)) throw notConfigured();
  const inventory = inventoryOf(c.env, eventId);
  const status = unwrap(await inventory.shopifyStatus());
  if (!status.enabled) throw new AppError("INVALID_TRANSITION", "Shopify is not enabled for this event", { enabled: false });
  const { instanceId, started } = unwrap(await inventory.reconcileShopify("on-demand", body.drift ?? false));
  return c.json({ instanceId, started } satisfies z.infer<typeof ShopifySyncStarted>, 202);
}));

/** A reconcile run: its workflow status and, once done, what it listed and pushed. */
shopify.get("/:eventId/shopify/sync/:instanceId", documented({
  operationId: "getShopifySync",
  tag: "Shopify",
  summary: "A reconcile run",
  description: "Its workflow status and, once done, what it listed and pushed.",
  access: ["admin"],
  params: { instanceId: ReconcileInstanceId },
  responses: { 200: json(ShopifySyncRun, "The run.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const instanceId = parse(ReconcileInstanceId, c.req.param("instanceId"), "instanceId");
  if (!instanceId.startsWith(`shopify-${eventId}-`)) throw notFound(`reconcile run ${instanceId} of event ${eventId}`);
  const instance = await c.env.SHOPIFY_RECONCILE.get(instanceId).catch(() => null);
  if (!instance) throw notFound(`reconcile run ${instanceId}`);
  const { status, output, error } = await instance.status();
  return c.json({
    instanceId,
    status,
    ...(output !== undefined ? { output: output as z.infer<typeof ShopifyReconcileOutput> } : {}),
    ...(error ? { error } : {}),
  } satisfies z.infer<typeof ShopifySyncRun>);
}));

const ConflictsQuery = z.strictObject({
  before: z.coerce.number().int().min(1).optional().describe("Conflicts with a smaller id than this (the `next` page)."),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("Conflicts per page (default 100)."),
});

/** Conflicts with Shopify, newest first, each with both values and what was done. Paged by `before`. */
shopify.get("/:eventId/shopify/conflicts", documented({
  operationId: "listShopifyConflicts",
  tag: "Shopify",
  summary: "Conflicts with Shopify",
  description:
    "Newest first, each with both values and what was done (`double_sale`, `shopify_edit`, `quantity_edit`, `quantity_stale`, `product_deleted`); `resolvedAt` once settled. Paged by `before` (the answer's `next`).",
  access: ["admin"],
  query: ConflictsQuery,
  responses: { 200: json(ShopifyConflictPage, "A page of conflicts.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  const query = parse(ConflictsQuery, c.req.query(), "query");
  const conflicts = unwrap(await inventoryOf(c.env, eventId).shopifyConflicts(query.before ?? Number.MAX_SAFE_INTEGER, query.limit));
  const last = conflicts.at(-1);
  return c.json({
    conflicts,
    next: conflicts.length === query.limit && last ? `?before=${last.id}&limit=${query.limit}` : null,
  } satisfies z.infer<typeof ShopifyConflictPage>);
}));

const ResolveBody = z.strictObject({ note: z.string().min(1).max(500) });

/** A person did what the conflict asked (refunded the online order, checked the item): resolved, with a note. */
shopify.post("/:eventId/shopify/conflicts/:conflictId/resolve", documented({
  operationId: "resolveShopifyConflict",
  tag: "Shopify",
  summary: "Mark a conflict resolved",
  description: "A person did what the conflict asked (refunded the online order, checked the item): resolved, with a note. Idempotent.",
  access: ["admin"],
  params: { conflictId: ConflictId },
  body: ResolveBody,
  responses: { 200: json(ShopifyConflictView, "The conflict, resolved.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const conflictId = parse(ConflictId, c.req.param("conflictId"), "conflictId");
  const actor = authorize(c, ["admin"]);
  const { note } = await parseBody(c, ResolveBody);
  return c.json(unwrap(await inventoryOf(c.env, eventId).resolveShopifyConflict(conflictId, note, actor)));
}));
