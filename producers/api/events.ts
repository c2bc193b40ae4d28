import { Hono } from "hono";
import type { z } from "zod";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { notFound, unwrap } from "../../lib/errors";
import { ApiKeyCreate, ConsignorBody, EventCreate, FeesBody, ItemRulesBody, RatesBody } from "../../schemas/api";
import { Id } from "../../schemas/common";
import { ApiKey, ApiKeyIssued, ApiKeyList, CloseOutcome, ConsignorRecord, EventRecord, FeesSet, FeesView, RateTable } from "../../schemas/responses";
import { authorize, forgetKey } from "./auth";
import { parse, parseBody, written, type AppEnv } from "./context";
import { documented, json, replayable } from "./route-docs";
import { inventoryOf, ledgerOf, requireEvent } from "./stubs";

export const events = new Hono<AppEnv>();

events.post("/", documented({
  operationId: "createEvent",
  tag: "Events",
  summary: "Create an event",
  description: "Creates the event (its Inventory and ledger). The same `{id, name}` again is a replay; the id with another name is 409 `ALREADY_EXISTS`.",
  access: ["admin"],
  body: EventCreate,
  responses: replayable(EventRecord, "The event, created."),
  errors: ["ALREADY_EXISTS"],
}, async (c) => {
  const actor = authorize(c, ["admin"]);
  const input = await parseBody(c, EventCreate);
  const result = unwrap(await inventoryOf(c.env, input.id).createEvent(input, actor));
  await c.env.DB.prepare("INSERT OR IGNORE INTO events (id, name, created_at) VALUES (?, ?, ?)")
    .bind(result.value.id, result.value.name, result.value.createdAt)
    .run();
  return written(c, result);
}));

events.get("/:eventId", documented({
  operationId: "getEvent",
  tag: "Events",
  summary: "An event",
  description: "The event record: name, when it was created and closed, its item rules. Register and consignor keys read their own event.",
  access: ["admin", "register", "consignor"],
  responses: { 200: json(EventRecord, "The event.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin", "register", "consignor"], { eventId });
  return c.json(await requireEvent(c.env, eventId));
}));

events.put("/:eventId/rates", documented({
  operationId: "setRates",
  tag: "Events",
  summary: "Set the commission rates",
  description:
    "The consignors' commission rates in basis points: `base` for everyone, plus `volunteerBonus` or `superBonus` by tier (base + the larger bonus ≤ 10000). A change re-prices completed calculations with adjustment entries.",
  access: ["admin"],
  body: RatesBody,
  responses: { 200: json(RateTable, "The rates now.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const rates = await parseBody(c, RatesBody);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).setRates(rates, actor)));
}));

events.get("/:eventId/rates", documented({
  operationId: "getRates",
  tag: "Events",
  summary: "The commission rates",
  access: ["admin"],
  responses: { 200: json(RateTable, "The rates, in basis points.") },
  errors: ["NOT_FOUND"],
  errorNotes: { NOT_FOUND: "The event does not exist, or its rates are not set yet." },
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getRates()));
}));

/** The event's consignor fee, taken once from each consignor's payout (a consignor's own `fee` overrides it). */
events.put("/:eventId/fees", documented({
  operationId: "setFees",
  tag: "Events",
  summary: "Set the consignor fee",
  description:
    "The event's consignor fee in integer cents, taken once from each consignor's payout (a consignor's own `fee` overrides it). Setting it again books only the difference.",
  access: ["admin"],
  body: FeesBody,
  responses: { 200: json(FeesSet, "The fee, and how many consignors' fee entries changed.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const body = await parseBody(c, FeesBody);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).setFees(body.consignorFee, actor)));
}));

events.get("/:eventId/fees", documented({
  operationId: "getFees",
  tag: "Events",
  summary: "The consignor fee",
  access: ["admin"],
  responses: { 200: json(FeesView, "The event's consignor fee, in integer cents.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getFees()));
}));

/** What consignors may enter themselves: items each, the lowest price, the price step (null = no limit). */
events.put("/:eventId/item-rules", documented({
  operationId: "setItemRules",
  tag: "Events",
  summary: "Set the item rules",
  description: "Limits on consignors' own item entry: items per consignor, the lowest price (cents), the price step (cents); each `null` = no limit. Admins are not held to them.",
  access: ["admin"],
  body: ItemRulesBody,
  responses: { 200: json(EventRecord, "The event, with its `itemRules`.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const rules = await parseBody(c, ItemRulesBody);
  return c.json(unwrap(await inventoryOf(c.env, eventId).setItemRules(rules, actor)));
}));

/**
 * Closes the event after its last session: every unsold item leaves the sale, donated or set out
 * for pickup as its tag says. Idempotent; 409 while a session runs or is not yet settled.
 */
events.post("/:eventId/close", documented({
  operationId: "closeEvent",
  tag: "Events",
  summary: "Close the event",
  description:
    "After the last session: every unsold item moves to `transfer`, reason `donated` (its tag says donate) or `pickup`. Idempotent (a repeat changes nothing). Refused while a session runs or an ended one is not yet settled; afterwards no session starts and no item changes (`EVENT_CLOSED`).",
  access: ["admin"],
  responses: { 200: json(CloseOutcome, "When it closed, and how many items were donated or set out for pickup.") },
  errors: ["NOT_FOUND", "INVALID_TRANSITION"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  return c.json(unwrap(await inventoryOf(c.env, eventId).closeEvent(actor)));
}));

events.put("/:eventId/consignors/:consignorId", documented({
  operationId: "putConsignor",
  tag: "Consignors",
  summary: "Register or change a consignor",
  description: "Name, tier (`standard`, `volunteer`, `super`) and an optional own `fee` in cents. A change of tier re-prices the consignor's completed calculations.",
  access: ["admin"],
  body: ConsignorBody,
  responses: {
    201: json(ConsignorRecord, "The consignor, registered."),
    200: json(ConsignorRecord, "The consignor, changed."),
  },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  const actor = authorize(c, ["admin"]);
  const body = await parseBody(c, ConsignorBody);
  await requireEvent(c.env, eventId);
  const { consignor, created } = unwrap(await ledgerOf(c.env, eventId).upsertConsignor(consignorId, body, actor));
  return c.json(consignor, created ? 201 : 200);
}));

events.get("/:eventId/consignors/:consignorId", documented({
  operationId: "getConsignor",
  tag: "Consignors",
  summary: "A consignor",
  description: "A consignor key reads its own consignor only.",
  access: ["admin", "consignor"],
  responses: { 200: json(ConsignorRecord, "The consignor.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  authorize(c, ["admin", "consignor"], { eventId, consignorId });
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getConsignor(consignorId)));
}));

// ---------------------------------------------------------------- api keys

type KeyRow = {
  id: string;
  role: "register" | "consignor";
  event_id: string;
  consignor_id: string | null;
  label: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
};

const keyView = (row: KeyRow): z.infer<typeof ApiKey> => ({
  id: row.id,
  role: row.role,
  eventId: row.event_id,
  consignorId: row.consignor_id,
  label: row.label,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/** Issues a register or consignor key for the event. The key itself is in this answer only. */
events.post("/:eventId/api-keys", documented({
  operationId: "issueApiKey",
  tag: "Events",
  summary: "Issue a register or consignor key",
  description: "A key for this event: `role` `register`, or `consignor` with its `consignorId`. The key is in this answer only (stored as SHA-256).",
  access: ["admin"],
  body: ApiKeyCreate,
  responses: { 201: json(ApiKeyIssued, "The key, with the key itself.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const input = await parseBody(c, ApiKeyCreate);
  await requireEvent(c.env, eventId);
  const id = `key_${randomToken(9)}`;
  const key = `csk_${input.role === "register" ? "reg" : "con"}_${randomToken(32)}`;
  const now = Date.now();
  await c.env.DB.prepare(
    `INSERT INTO api_keys (id, key_hash, role, event_id, consignor_id, label, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(id, await sha256Hex(key), input.role, eventId, input.consignorId ?? null, input.label, now, actor.keyId)
    .run();
  return c.json(
    { id, key, role: input.role, eventId, consignorId: input.consignorId ?? null, label: input.label, createdAt: now, revokedAt: null } satisfies z.infer<typeof ApiKeyIssued>,
    201,
  );
}));

events.get("/:eventId/api-keys", documented({
  operationId: "listApiKeys",
  tag: "Events",
  summary: "The event's keys",
  description: "Every key issued for the event, revoked ones included, oldest first (never the keys themselves).",
  access: ["admin"],
  responses: { 200: json(ApiKeyList, "The keys.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  const { results } = await c.env.DB.prepare("SELECT * FROM api_keys WHERE event_id = ? ORDER BY created_at, id").bind(eventId).all<KeyRow>();
  return c.json({ keys: results.map(keyView) } satisfies z.infer<typeof ApiKeyList>);
}));

/** Revokes a key: it stops working at once here and within half a minute in every other isolate. */
events.delete("/:eventId/api-keys/:keyId", documented({
  operationId: "revokeApiKey",
  tag: "Events",
  summary: "Revoke a key",
  description: "It stops working at once in this isolate and within 30 s everywhere else. Revoking again changes nothing.",
  access: ["admin"],
  responses: { 200: json(ApiKey, "The key, with `revokedAt`.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const keyId = parse(Id, c.req.param("keyId"), "keyId");
  const actor = authorize(c, ["admin"]);
  await c.env.DB.prepare("UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND event_id = ? AND revoked_at IS NULL")
    .bind(Date.now(), actor.keyId, keyId, eventId)
    .run();
  const row = await c.env.DB.prepare("SELECT * FROM api_keys WHERE id = ? AND event_id = ?").bind(keyId, eventId).first<KeyRow>();
  if (!row) throw notFound(`api key ${keyId}`);
  forgetKey(keyId);
  return c.json(keyView(row));
}));
