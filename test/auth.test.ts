import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../lib/crypto";
import { exports } from "cloudflare:workers";
import { ADMIN, BASE, call, createSession, expectError, item, seedEvent, txId } from "./helpers";

/**
 * The auth matrix: every route against every kind of caller. A refused call answers 401 or 403
 * with the error envelope and changes nothing.
 */

type Who = "none" | "wrong" | "admin" | "register" | "otherRegister" | "consignor" | "otherConsignor";
const keys = {} as Record<Who, string | null>;

beforeAll(async () => {
  const { registerKey } = await seedEvent("au", [item("I1", "c1", 1000), item("I2", "c2", 500), item("I3", "c1", 700)]);
  await seedEvent("au-other", [item("O1", "c1", 100)]);
  await createSession("au", "s1");
  // N1 is added after the session started, so it stays modifiable: its consignor may edit it.
  expect((await call("PUT", "/v1/events/au/items", { body: { items: [item("N1", "c1", 100)] } })).status).toBe(200);
  const issue = async (eventId: string, body: object) => (await call("POST", `/v1/events/${eventId}/api-keys`, { body })).body.key as string;
  Object.assign(keys, {
    none: null,
    wrong: "csk_reg_not-a-real-key",
    admin: ADMIN,
    register: registerKey,
    otherRegister: await issue("au-other", { role: "register", label: "other event" }),
    consignor: await issue("au", { role: "consignor", consignorId: "c1", label: "c1" }),
    otherConsignor: await issue("au", { role: "consignor", consignorId: "c2", label: "c2" }),
  });
});

interface Route {
  name: string;
  method: string;
  path: string | (() => string);
  /** The body, or a function that reads what it needs first (an item's current version). */
  body?: unknown;
  /** Who may call it; every other caller is refused. */
  allowed: Who[];
}

const tx = txId();
const routes: Route[] = [
  { name: "create event", method: "POST", path: "/v1/events", body: { id: "au-new", name: "New" }, allowed: ["admin"] },
  { name: "read event", method: "GET", path: "/v1/events/au", allowed: ["admin", "register", "consignor", "otherConsignor"] },
  { name: "set rates", method: "PUT", path: "/v1/events/au/rates", body: { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, allowed: ["admin"] },
  { name: "read rates", method: "GET", path: "/v1/events/au/rates", allowed: ["admin"] },
  { name: "upsert consignor", method: "PUT", path: "/v1/events/au/consignors/c1", body: { name: "Consignor c1", tier: "standard" }, allowed: ["admin"] },
  { name: "read consignor", method: "GET", path: "/v1/events/au/consignors/c1", allowed: ["admin", "consignor"] },
  { name: "upsert items", method: "PUT", path: "/v1/events/au/items", body: { items: [item("N1", "c1", 100)] }, allowed: ["admin", "consignor"] },
  { name: "list items", method: "GET", path: "/v1/events/au/items?consignorId=c1", allowed: ["admin", "consignor"] },
  { name: "read item", method: "GET", path: "/v1/events/au/items/I1", allowed: ["admin", "consignor"] },
  {
    name: "patch item",
    method: "PATCH",
    path: "/v1/events/au/items/N1",
    body: async () => ({ version: (await call("GET", "/v1/events/au/items/N1")).body.version, title: "Renamed" }),
    allowed: ["admin", "consignor"],
  },
  { name: "set fees", method: "PUT", path: "/v1/events/au/fees", body: { consignorFee: 0 }, allowed: ["admin"] },
  { name: "read fees", method: "GET", path: "/v1/events/au/fees", allowed: ["admin"] },
  { name: "item rules", method: "PUT", path: "/v1/events/au/item-rules", body: { maxItemsPerConsignor: null, minPrice: null, priceStep: null }, allowed: ["admin"] },
  { name: "unsold report", method: "GET", path: "/v1/events/au/reports/unsold", allowed: ["admin"] },
  { name: "consignor's unsold", method: "GET", path: "/v1/events/au/consignors/c1/unsold", allowed: ["admin", "consignor"] },
  { name: "issue key", method: "POST", path: "/v1/events/au/api-keys", body: { role: "register", label: "x" }, allowed: ["admin"] },
  { name: "list keys", method: "GET", path: "/v1/events/au/api-keys", allowed: ["admin"] },
  { name: "create session", method: "POST", path: "/v1/events/au/sessions", body: { id: "s2", name: "Later", startTime: 1, endTime: 2 }, allowed: ["admin"] },
  { name: "read session", method: "GET", path: "/v1/events/au/sessions/s1", allowed: ["admin", "register"] },
  { name: "list sessions", method: "GET", path: "/v1/events/au/sessions", allowed: ["admin", "register"] },
  { name: "read session item", method: "GET", path: "/v1/events/au/sessions/s1/items/I2", allowed: ["admin", "register"] },
  { name: "hold", method: "POST", path: "/v1/events/au/sessions/s1/holds", body: { id: "h1", registerId: "r1", items: ["I2"] }, allowed: ["register"] },
  { name: "release", method: "DELETE", path: "/v1/events/au/sessions/s1/holds/h1", allowed: ["admin", "register"] },
  { name: "checkout", method: "POST", path: "/v1/events/au/sessions/s1/transactions", body: { id: tx, registerId: "r1", shopperCode: "S1", items: ["I1"] }, allowed: ["register"] },
  {
    name: "offline upload",
    method: "POST",
    path: "/v1/events/au/sessions/s1/transactions/batch",
    body: { transactions: [{ id: txId(), registerId: "r1", shopperCode: "S1", items: ["I3"] }] },
    allowed: ["register"],
  },
  { name: "read transaction", method: "GET", path: `/v1/events/au/sessions/s1/transactions/${tx}`, allowed: ["admin", "register"] },
  { name: "void", method: "POST", path: `/v1/events/au/sessions/s1/transactions/${tx}/void`, body: { reason: "test" }, allowed: ["admin", "register"] },
  { name: "commissions", method: "GET", path: "/v1/events/au/commissions", allowed: ["admin"] },
  { name: "calculations", method: "GET", path: "/v1/events/au/commissions/calculations", allowed: ["admin"] },
  { name: "reconcile", method: "POST", path: "/v1/events/au/commissions/reconcile?settleSeconds=0", allowed: ["admin"] },
  { name: "statement", method: "GET", path: "/v1/events/au/consignors/c1/statement", allowed: ["admin", "consignor"] },
  { name: "report", method: "GET", path: "/v1/events/au/reports/summary", allowed: ["admin"] },
  { name: "cancel session", method: "POST", path: "/v1/events/au/sessions/s2/cancel", allowed: ["admin"] },
  // The pages' routes (producers/api/lists.ts, live.ts, me.ts).
  { name: "list events", method: "GET", path: "/v1/events", allowed: ["admin"] },
  { name: "list session transactions", method: "GET", path: "/v1/events/au/sessions/s1/transactions", allowed: ["admin"] },
  { name: "live ticket", method: "POST", path: "/v1/events/au/sessions/s1/live/tickets", allowed: ["admin"] },
  { name: "who am I", method: "GET", path: "/v1/me", allowed: ["admin", "register", "otherRegister", "consignor", "otherConsignor"] },
];

const bodyOf = async (route: Route) => (typeof route.body === "function" ? await (route.body as () => Promise<unknown>)() : route.body);

const everyone: Who[] = ["none", "wrong", "admin", "register", "otherRegister", "consignor", "otherConsignor"];

/** A fingerprint of everything a refused call could have changed. */
async function state() {
  const session = (await call("GET", "/v1/events/au/sessions/s1")).body;
  const s2 = await call("GET", "/v1/events/au/sessions/s2");
  const items = await Promise.all(["I1", "I2", "I3", "N1"].map(async (id) => (await call("GET", `/v1/events/au/items/${id}`)).body));
  const keyCount = (await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys").first<{ n: number }>())!.n;
  return {
    session: session.metadata,
    s2: s2.body?.status ?? s2.status,
    items: items.map((i) => [i.status, i.version, i.title]),
    rates: (await call("GET", "/v1/events/au/rates")).body,
    fees: (await call("GET", "/v1/events/au/fees")).body,
    rules: (await call("GET", "/v1/events/au")).body.itemRules,
    consignor: (await call("GET", "/v1/events/au/consignors/c1")).body.name,
    newEvent: (await call("GET", "/v1/events/au-new")).status,
    keyCount,
  };
}

describe("auth matrix", () => {
  it("answers 401/403 with the envelope and changes nothing for every refused caller of every route", async () => {
    const before = await state();
    for (const route of routes) {
      for (const who of everyone.filter((w) => !route.allowed.includes(w))) {
        const path = typeof route.path === "string" ? route.path : route.path();
        const result = await call(route.method, path, { key: keys[who], body: await bodyOf(route) });
        const expected = who === "none" || who === "wrong" ? [401, "UNAUTHENTICATED"] : [403, "FORBIDDEN"];
        expect({ route: route.name, who, status: result.status, code: result.body?.error?.code }).toEqual({
          route: route.name,
          who,
          status: expected[0],
          code: expected[1],
        });
      }
    }
    expect(await state()).toEqual(before);
  });

  it("lets every allowed caller through", async () => {
    for (const route of routes) {
      for (const who of route.allowed) {
        const path = typeof route.path === "string" ? route.path : route.path();
        const result = await call(route.method, path, { key: keys[who], body: await bodyOf(route) });
        expect({ route: route.name, who, ok: result.status < 400, body: result.status < 400 ? null : result.body }).toEqual({ route: route.name, who, ok: true, body: null });
      }
    }
  });

  it("scopes a consignor key to its own items and statement", async () => {
    expect((await call("GET", "/v1/events/au/items/I1", { key: keys.consignor })).status).toBe(200);
    expectError(await call("GET", "/v1/events/au/items/I2", { key: keys.consignor }), 403, "FORBIDDEN");
    expectError(await call("GET", "/v1/events/au/consignors/c2/statement", { key: keys.consignor }), 403, "FORBIDDEN");
    expectError(await call("GET", "/v1/events/au-other/items/O1", { key: keys.consignor }), 403, "FORBIDDEN");
  });

  it("stores only the SHA-256 of a key, shows it once, and revokes it at once", async () => {
    const issued = (await call("POST", "/v1/events/au/api-keys", { body: { role: "register", label: "temp" } })).body;
    expect(issued.key).toMatch(/^csk_reg_[A-Za-z0-9_-]{40,}$/);
    const rows = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(issued.id).all<Record<string, unknown>>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]!.key_hash).toBe(await sha256Hex(issued.key));
    expect(JSON.stringify(rows.results)).not.toContain(issued.key);
    const listed = (await call("GET", "/v1/events/au/api-keys")).body.keys;
    expect(listed.find((k: { id: string }) => k.id === issued.id)).not.toHaveProperty("key");
    expect((await call("GET", "/v1/events/au/sessions/s1", { key: issued.key })).status).toBe(200);
    const revoked = await call("DELETE", `/v1/events/au/api-keys/${issued.id}`);
    expect(revoked.body.revokedAt).toEqual(expect.any(Number));
    expectError(await call("GET", "/v1/events/au/sessions/s1", { key: issued.key }), 401, "UNAUTHENTICATED");
    expectError(await call("DELETE", "/v1/events/au/api-keys/key_nope"), 404, "NOT_FOUND");
  });

  it("refuses an Authorization header that is not one Bearer key", async () => {
    for (const header of ["Basic abc", "Bearer", "", `Bearer ${ADMIN} extra`, `${ADMIN}`]) {
      const response = await exports.default.fetch(new Request(`${BASE}/v1/events/au`, { headers: header ? { Authorization: header } : {} }));
      expect({ header, status: response.status, body: await response.json() }).toMatchObject({ header, status: 401, body: { error: { code: "UNAUTHENTICATED" } } });
    }
  });
});
