import { Hono } from "hono";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { notFound, unwrap } from "../../lib/errors";
import { ApiKeyCreate, ConsignorBody, EventCreate, FeesBody, ItemRulesBody, RatesBody } from "../../schemas/api";
import { Id } from "../../schemas/common";
import { authorize, forgetKey } from "./auth";
import { parse, parseBody, written, type AppEnv } from "./context";
import { inventoryOf, ledgerOf, requireEvent } from "./stubs";

export const events = new Hono<AppEnv>();

events.post("/", async (c) => {
  const actor = authorize(c, ["admin"]);
  const input = await parseBody(c, EventCreate);
  const result = unwrap(await inventoryOf(c.env, input.id).createEvent(input, actor));
  await c.env.DB.prepare("INSERT OR IGNORE INTO events (id, name, created_at) VALUES (?, ?, ?)")
    .bind(result.value.id, result.value.name, result.value.createdAt)
    .run();
  return written(c, result);
});

events.get("/:eventId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin", "register", "consignor"], { eventId });
  return c.json(await requireEvent(c.env, eventId));
});

events.put("/:eventId/rates", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const rates = await parseBody(c, RatesBody);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).setRates(rates, actor)));
});

events.get("/:eventId/rates", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getRates()));
});

/** The event's consignor fee, taken once from each consignor's payout (a consignor's own `fee` overrides it). */
events.put("/:eventId/fees", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const body = await parseBody(c, FeesBody);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).setFees(body.consignorFee, actor)));
});

events.get("/:eventId/fees", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getFees()));
});

/** What consignors may enter themselves: items each, the lowest price, the price step (null = no limit). */
events.put("/:eventId/item-rules", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const rules = await parseBody(c, ItemRulesBody);
  return c.json(unwrap(await inventoryOf(c.env, eventId).setItemRules(rules, actor)));
});

/**
 * Closes the event after its last session: every unsold item leaves the sale, donated or set out
 * for pickup as its tag says. Idempotent; 409 while a session runs or is not yet settled.
 */
events.post("/:eventId/close", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  return c.json(unwrap(await inventoryOf(c.env, eventId).closeEvent(actor)));
});

events.put("/:eventId/consignors/:consignorId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  const actor = authorize(c, ["admin"]);
  const body = await parseBody(c, ConsignorBody);
  await requireEvent(c.env, eventId);
  const { consignor, created } = unwrap(await ledgerOf(c.env, eventId).upsertConsignor(consignorId, body, actor));
  return c.json(consignor, created ? 201 : 200);
});

events.get("/:eventId/consignors/:consignorId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const consignorId = parse(Id, c.req.param("consignorId"), "consignorId");
  authorize(c, ["admin", "consignor"], { eventId, consignorId });
  await requireEvent(c.env, eventId);
  return c.json(unwrap(await ledgerOf(c.env, eventId).getConsignor(consignorId)));
});

// ---------------------------------------------------------------- api keys

type KeyRow = {
  id: string;
  role: string;
  event_id: string;
  consignor_id: string | null;
  label: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
};

const keyView = (row: KeyRow) => ({
  id: row.id,
  role: row.role,
  eventId: row.event_id,
  consignorId: row.consignor_id,
  label: row.label,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/** Issues a register or consignor key for the event. The key itself is in this answer only. */
events.post("/:eventId/api-keys", async (c) => {
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
    { id, key, role: input.role, eventId, consignorId: input.consignorId ?? null, label: input.label, createdAt: now, revokedAt: null },
    201,
  );
});

events.get("/:eventId/api-keys", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin"]);
  await requireEvent(c.env, eventId);
  const { results } = await c.env.DB.prepare("SELECT * FROM api_keys WHERE event_id = ? ORDER BY created_at, id").bind(eventId).all<KeyRow>();
  return c.json({ keys: results.map(keyView) });
});

/** Revokes a key: it stops working at once here and within half a minute in every other isolate. */
events.delete("/:eventId/api-keys/:keyId", async (c) => {
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
});
