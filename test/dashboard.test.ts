import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, BASE, call, checkout, createSession, expectError, item, seedEvent } from "./helpers";

// The routes the organizer's and consignors' pages read (producers/api/lists.ts, live.ts, me.ts):
// the events list, a session's transactions, who a key is, and the live totals over a WebSocket.

const LIVE = "consignment.live.v1";

/** Opens the live socket of a session with `protocols` offered; the 101's socket (accepted), or the refusal. */
async function openLive(eventId: string, sessionId: string, protocols: string | null) {
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (protocols !== null) headers["Sec-WebSocket-Protocol"] = protocols;
  const response = await exports.default.fetch(new Request(`${BASE}/v1/events/${eventId}/sessions/${sessionId}/live`, { headers }));
  if (response.status !== 101) return { response, ws: null, messages: [] as any[] };
  const ws = response.webSocket!;
  const messages: any[] = [];
  ws.accept();
  ws.addEventListener("message", (e) => messages.push({ ...JSON.parse(e.data as string), heardAt: Date.now() }));
  return { response, ws, messages };
}

const ticket = async (eventId: string, sessionId: string, key: string | null = ADMIN) =>
  call("POST", `/v1/events/${eventId}/sessions/${sessionId}/live/tickets`, { key });

async function until<T>(what: () => T | Promise<T>, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("GET /v1/events", () => {
  it("lists every event in id order, a page at a time, for an admin only", async () => {
    for (const id of ["ls-b", "ls-a", "ls-c"]) expect((await call("POST", "/v1/events", { body: { id, name: `Sale ${id}` } })).status).toBe(201);
    const all: { id: string; name: string; createdAt: number }[] = [];
    let after = "";
    for (let pages = 0; pages < 100; pages++) {
      const page = await call("GET", `/v1/events?limit=2&after=${after}`);
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeLessThanOrEqual(2);
      all.push(...page.body.events);
      if (page.body.next === null) break;
      expect(page.body.next).toBe(page.body.events.at(-1).id);
      after = page.body.next;
    }
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.filter((e) => e.id.startsWith("ls-"))).toEqual([
      { id: "ls-a", name: "Sale ls-a", createdAt: expect.any(Number) },
      { id: "ls-b", name: "Sale ls-b", createdAt: expect.any(Number) },
      { id: "ls-c", name: "Sale ls-c", createdAt: expect.any(Number) },
    ]);
    expect((await call("GET", "/v1/events?after=ls-a&limit=1")).body.events.map((e: { id: string }) => e.id)).toEqual(["ls-b"]);
    expectError(await call("GET", "/v1/events?limit=0"), 400, "VALIDATION_FAILED");
    expectError(await call("GET", "/v1/events?limit=201"), 400, "VALIDATION_FAILED");
    expectError(await call("GET", "/v1/events?after=%2Fbad"), 400, "VALIDATION_FAILED");
    expectError(await call("GET", "/v1/events?sort=name"), 400, "VALIDATION_FAILED");
  });
});

describe("GET /v1/events/:e/sessions/:s/transactions", () => {
  it("pages through the session's transactions with their lines, voided ones marked", async () => {
    const items = Array.from({ length: 7 }, (_, i) => item(`TL${i}`, i % 2 ? "c1" : "c2", 100 * (i + 1)));
    const { registerKey } = await seedEvent("tl", items);
    await createSession("tl", "s1");
    const sold: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await checkout("tl", "s1", registerKey, [`TL${i}`]);
      expect(r.status).toBe(201);
      sold.push(r.body.id);
    }
    expect((await call("POST", `/v1/events/tl/sessions/s1/transactions/${sold[3]}/void`, { body: { reason: "mistake" } })).status).toBe(200);
    const seen: any[] = [];
    let after = "";
    for (;;) {
      const page = await call("GET", `/v1/events/tl/sessions/s1/transactions?limit=3&after=${after}`);
      expect(page.status).toBe(200);
      expect(page.body.archived).toBe(false);
      seen.push(...page.body.transactions);
      if (page.body.next === null) break;
      after = page.body.next;
    }
    expect(seen.map((t) => t.id)).toEqual([...sold].sort());
    const one = seen.find((t) => t.id === sold[3]);
    expect(one).toMatchObject({ status: "voided", voidReason: "mistake", total: 400, sessionId: "s1", items: [{ itemId: "TL3", consignorId: "c1", price: 400, tagPrice: 400 }] });
    expect(seen.find((t) => t.id === sold[0])).toMatchObject({ status: "completed", registerId: "reg-1", items: [{ itemId: "TL0", consignorId: "c2", commission: 70 }] });
    expectError(await call("GET", "/v1/events/tl/sessions/s1/transactions?after=not-a-uuid"), 400, "VALIDATION_FAILED");
    expectError(await call("GET", "/v1/events/tl/sessions/s1/transactions?limit=501"), 400, "VALIDATION_FAILED");
    expectError(await call("GET", "/v1/events/tl/sessions/nope/transactions"), 404, "NOT_FOUND");
    // Another event's register key never reads them (the auth matrix has the rest).
    expectError(await call("GET", "/v1/events/tl/sessions/s1/transactions", { key: registerKey }), 403, "FORBIDDEN");
  });

  it("lists them newest first with order=newest, a page at a time, each once", async () => {
    const items = Array.from({ length: 7 }, (_, i) => item(`TN${i}`, "c1", 100 * (i + 1)));
    const { registerKey } = await seedEvent("tn", items);
    await createSession("tn", "s1");
    const sold: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await checkout("tn", "s1", registerKey, [`TN${i}`]);
      expect(r.status).toBe(201);
      sold.push(r.body.id);
      await new Promise((resolve) => setTimeout(resolve, 3)); // each sale in its own millisecond
    }
    const seen: any[] = [];
    let after = "";
    let pages = 0;
    for (;;) {
      const page = await call("GET", `/v1/events/tn/sessions/s1/transactions?order=newest&limit=3&after=${after}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.transactions);
      pages++;
      if (page.body.next === null) break;
      after = page.body.next;
    }
    expect(pages).toBe(3);
    // The last sale made comes first; none twice, none missing.
    expect(seen.map((t) => t.id)).toEqual([...sold].reverse());
    expect(seen.map((t) => t.items[0].itemId)).toEqual(["TN6", "TN5", "TN4", "TN3", "TN2", "TN1", "TN0"]);
    // Sales of the same millisecond keep one order across pages (by id, descending, after the time).
    const times = seen.map((t) => t.createdAt);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expectError(await call("GET", "/v1/events/tn/sessions/s1/transactions?order=oldest"), 400, "VALIDATION_FAILED");
    // A cursor that is no transaction of the session is refused rather than read as the start.
    expectError(await call("GET", `/v1/events/tn/sessions/s1/transactions?order=newest&after=${crypto.randomUUID()}`), 400, "VALIDATION_FAILED");
  });
});

describe("GET /v1/me", () => {
  it("says who a key is: role, event and consignor", async () => {
    await seedEvent("me", [item("M1", "c1", 100)]);
    const issue = async (body: object) => (await call("POST", "/v1/events/me/api-keys", { body })).body;
    const consignor = await issue({ role: "consignor", consignorId: "c1", label: "Ada" });
    const register = await issue({ role: "register", label: "front" });
    expect((await call("GET", "/v1/me", { key: consignor.key })).body).toEqual({ keyId: consignor.id, role: "consignor", eventId: "me", consignorId: "c1" });
    expect((await call("GET", "/v1/me", { key: register.key })).body).toEqual({ keyId: register.id, role: "register", eventId: "me", consignorId: null });
    expect((await call("GET", "/v1/me")).body).toEqual({ keyId: "admin:bootstrap", role: "admin", eventId: null, consignorId: null });
    expectError(await call("GET", "/v1/me", { key: null }), 401, "UNAUTHENTICATED");
    await call("DELETE", `/v1/events/me/api-keys/${consignor.id}`);
    expectError(await call("GET", "/v1/me", { key: consignor.key }), 401, "UNAUTHENTICATED");
  });
});

describe("live totals over a WebSocket", () => {
  it("sends the summary on connect and after each sale and void, to every watcher, without any key in the URL", async () => {
    const { registerKey } = await seedEvent("lv1", [item("L1", "c1", 1000), item("L2", "c2", 500), item("L3", "c3", 250), item("L4", "c1", 4000)]);
    await createSession("lv1", "s1");
    const t = await ticket("lv1", "s1");
    expect(t.status).toBe(201);
    expect(t.body).toEqual({ ticket: expect.stringMatching(/^lt_[A-Za-z0-9_-]{40,}$/), expiresAt: expect.any(Number), protocol: LIVE });
    expect(t.body.expiresAt - Date.now()).toBeGreaterThan(50_000);
    const a = await openLive("lv1", "s1", `${LIVE}, ${t.body.ticket}`);
    expect(a.response.status).toBe(101);
    expect(a.response.headers.get("Sec-WebSocket-Protocol")).toBe(LIVE);
    const b = await openLive("lv1", "s1", `${LIVE}, ${(await ticket("lv1", "s1")).body.ticket}`);
    expect(b.response.status).toBe(101);
    // At once: the current summary.
    for (const w of [a, b]) {
      await until(() => w.messages.length, (n) => n >= 1);
      expect(w.messages[0]).toMatchObject({ type: "summary", session: { id: "s1", eventId: "lv1", status: "active", metadata: { totalSales: 0, soldCount: 0, itemCount: 4 } } });
    }
    const sale = await checkout("lv1", "s1", registerKey, ["L1", "L2"]);
    expect(sale.status).toBe(201);
    for (const w of [a, b]) {
      const last = await until(() => w.messages.at(-1), (m) => m.session.metadata.totalSales === 1500);
      expect(last.session.metadata).toMatchObject({ totalSales: 1500, totalCommissions: 600 + 350, soldCount: 2, transactionCount: 1 });
    }
    await call("POST", `/v1/events/lv1/sessions/s1/transactions/${sale.body.id}/void`, { body: { reason: "wrong cart" } });
    const voided = await until(() => a.messages.at(-1), (m) => m.session.metadata.voidCount === 1);
    expect(voided.session.metadata).toMatchObject({ totalSales: 0, soldCount: 0, voidCount: 1 });
    // The session's end reaches the watchers too.
    expect((await call("POST", "/v1/events/lv1/sessions/s1/complete")).status).toBe(200);
    expect((await until(() => b.messages.at(-1), (m) => m.session.status === "completed")).session.status).toBe("completed");
    // A closed socket is counted out; the object keeps serving the other.
    a.ws!.close(1000, "bye");
    b.ws!.close(1000, "bye");
  });

  it("pushes at most once per 500 ms however fast sales come, and the last push has them all", async () => {
    const items = Array.from({ length: 30 }, (_, i) => item(`F${String(i).padStart(2, "0")}`, "c1", 100));
    const { registerKey } = await seedEvent("lv2", items);
    await createSession("lv2", "s1");
    const w = await openLive("lv2", "s1", `${LIVE}, ${(await ticket("lv2", "s1")).body.ticket}`);
    await until(() => w.messages.length, (n) => n >= 1);
    const started = Date.now();
    // 30 sales, 10 at a time, as fast as the object takes them.
    for (let i = 0; i < 30; i += 10) {
      const results = await Promise.all(items.slice(i, i + 10).map((it) => checkout("lv2", "s1", registerKey, [it.id])));
      expect(results.every((r) => r.status === 201)).toBe(true);
    }
    const last = await until(() => w.messages.at(-1), (m) => m.session.metadata.soldCount === 30);
    expect(last.session.metadata).toMatchObject({ soldCount: 30, totalSales: 3000, transactionCount: 30 });
    await new Promise((r) => setTimeout(r, 600)); // nothing more is owed after the last push
    const pushes = w.messages.slice(1);
    const span = pushes.at(-1).heardAt - started;
    expect(pushes.length).toBeGreaterThanOrEqual(1);
    expect(pushes.length).toBeLessThanOrEqual(Math.floor(span / 500) + 2);
    for (let i = 1; i < pushes.length; i++) expect(pushes[i].sentAt - pushes[i - 1].sentAt).toBeGreaterThanOrEqual(500);
    // Every push is the committed state at its time: the counters never go back.
    for (let i = 1; i < w.messages.length; i++) expect(w.messages[i].session.metadata.soldCount).toBeGreaterThanOrEqual(w.messages[i - 1].session.metadata.soldCount);
    w.ws!.close(1000, "bye");
  });

  it("opens only with a fresh ticket of that session, offered as a subprotocol; a ticket is spent by its socket", async () => {
    const { registerKey } = await seedEvent("lv3", [item("Z1", "c1", 100)]);
    await createSession("lv3", "s1");
    await createSession("lv3", "s2", false);
    const good = (await ticket("lv3", "s1")).body.ticket as string;
    // No protocol, the live protocol alone, a made-up ticket, a ticket without the live protocol.
    for (const offered of [null, LIVE, `${LIVE}, lt_${"A".repeat(43)}`, good]) {
      const r = await openLive("lv3", "s1", offered);
      expect({ offered, status: r.response.status }).toEqual({ offered, status: 401 });
      expect((await r.response.json<any>()).error.code).toBe("UNAUTHENTICATED");
    }
    // A ticket is its session's: s2 does not know it (and trying there does not spend it).
    expect((await openLive("lv3", "s2", `${LIVE}, ${good}`)).response.status).toBe(401);
    const opened = await openLive("lv3", "s1", `${LIVE}, ${good}`);
    expect(opened.response.status).toBe(101);
    // Spent: the same ticket again is refused.
    expect((await openLive("lv3", "s1", `${LIVE}, ${good}`)).response.status).toBe(401);
    opened.ws!.close(1000, "bye");
    // A bearer key is not a ticket, in the header or as a protocol.
    const withKey = await exports.default.fetch(
      new Request(`${BASE}/v1/events/lv3/sessions/s1/live`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${ADMIN}`, "Sec-WebSocket-Protocol": LIVE } }),
    );
    expect(withKey.status).toBe(401);
    // Not an upgrade: 400. Tickets: admin only, of an existing session.
    expectError(await call("GET", "/v1/events/lv3/sessions/s1/live"), 400, "VALIDATION_FAILED");
    expectError(await ticket("lv3", "s1", registerKey), 403, "FORBIDDEN");
    expectError(await ticket("lv3", "s1", null), 401, "UNAUTHENTICATED");
    expectError(await ticket("lv3", "nope"), 404, "NOT_FOUND");
    expectError(await call("POST", "/v1/events/lv3/sessions/bad!/live/tickets"), 400, "VALIDATION_FAILED");
  });
});
