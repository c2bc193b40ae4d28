import { createExecutionContext, createMessageBatch, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../worker";
import { app } from "../producers/api/app";
import { LOCAL_ALLOWANCE } from "../producers/api/rate-limit";
import { ADMIN, BASE, call, createSession, item, seedEvent } from "./helpers";

const fetchWith = (request: Request, bindings: Partial<Env> = {}) => app.fetch(request, { ...env, ...bindings }, createExecutionContext());

describe("operational edges", () => {
  it("answers every response with an X-Request-Id, the caller's when it sent a plain one", async () => {
    const ok = await exports.default.fetch(new Request(`${BASE}/health`));
    expect(ok.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    const mine = await exports.default.fetch(new Request(`${BASE}/v1/events/nope`, { headers: { Authorization: `Bearer ${ADMIN}`, "X-Request-Id": "pos-7:req-000042" } }));
    expect(mine.status).toBe(404);
    expect(mine.headers.get("X-Request-Id")).toBe("pos-7:req-000042");
    const odd = await exports.default.fetch(new Request(`${BASE}/health`, { headers: { "X-Request-Id": "<script>" } }));
    expect(odd.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs one JSON line per request (only 5xx ones with LOG_REQUESTS false) and one per consumed batch", async () => {
    const lines: unknown[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(line));
    try {
      const answered = await fetchWith(new Request(`${BASE}/v1/events/nope`, { headers: { Authorization: `Bearer ${ADMIN}`, "X-Request-Id": "req-log-000001" } }), {
        LOG_REQUESTS: "true",
      } as unknown as Partial<Env>);
      expect(answered.status).toBe(404);
      const logged = lines.map((l) => JSON.parse(String(l)) as Record<string, unknown>).filter((l) => l.msg === "request");
      expect(logged).toEqual([
        { msg: "request", requestId: "req-log-000001", method: "GET", path: "/v1/events/nope", status: 404, ms: expect.any(Number), keyId: "admin:bootstrap", eventId: "nope" },
      ]);
      lines.length = 0;
      await fetchWith(new Request(`${BASE}/health`), { LOG_REQUESTS: "false" } as unknown as Partial<Env>);
      expect(lines).toEqual([]);

      const batch = createMessageBatch("transactions", [{ id: "m-log-1", timestamp: new Date(), attempts: 1, body: { not: "a message", eventId: "ev-log" } }]);
      await worker.queue(batch, env);
      const batchLines = lines.map((l) => JSON.parse(String(l)) as Record<string, unknown>).filter((l) => l.msg === "batch");
      expect(batchLines).toEqual([{ msg: "batch", queue: "transactions", messages: 1, messageIds: ["m-log-1"], eventIds: ["ev-log"], ms: expect.any(Number), error: null }]);
    } finally {
      spy.mockRestore();
    }
  });

  it("names the request id in a 500's body, and says Bearer on a 401", async () => {
    // An issued key is looked up in D1; with D1 failing, the request fails unexpectedly.
    const broken = { prepare: () => { throw new Error("D1 is down"); } } as unknown as D1Database;
    const failed = await fetchWith(new Request(`${BASE}/v1/events/x`, { headers: { Authorization: "Bearer csk_reg_some-key" } }), { DB: broken });
    expect(failed.status).toBe(500);
    const body = (await failed.json()) as { error: { code: string; message: string; details: { requestId: string } } };
    expect(body.error.code).toBe("INTERNAL");
    expect(body.error.details.requestId).toBe(failed.headers.get("X-Request-Id"));
    expect(body.error.message).toContain(body.error.details.requestId);
    expect(JSON.stringify(body)).not.toContain("D1 is down");

    const unauthenticated = await exports.default.fetch(new Request(`${BASE}/v1/events/x`));
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  });

  it("answers a CORS preflight from a configured origin before any key check, and no other origin", async () => {
    const preflight = (origin: string) =>
      fetchWith(
        new Request(`${BASE}/v1/events/e1/sessions/s1/transactions`, {
          method: "OPTIONS",
          headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" },
        }),
        { CORS_ORIGINS: "https://pos.example.com, https://other.example" } as unknown as Partial<Env>,
      );
    const allowed = await preflight("https://pos.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://pos.example.com");
    expect(allowed.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    const refused = await preflight("https://evil.example");
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBeNull();
    // With no origins configured (the default), no CORS headers at all.
    const none = await exports.default.fetch(new Request(`${BASE}/health`, { headers: { Origin: "https://pos.example.com" } }));
    expect(none.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("limits each issued key with the rate-limiting binding past a local allowance: 429 RATE_LIMITED with Retry-After; never the admin key", async () => {
    const { registerKey } = await seedEvent("rl", [item("R1", "c1", 100)]);
    await createSession("rl", "s1");
    // The local allowance is counted in fixed 10 s windows: start early in one, so the run stays in it.
    const intoWindow = Date.now() % 10_000;
    if (intoWindow > 6_000) await new Promise((resolve) => setTimeout(resolve, 10_050 - intoWindow));
    let asked = 0;
    const refusing = { limit: async () => (asked++, { success: false }) } as unknown as RateLimit;
    const get = (key: string) => fetchWith(new Request(`${BASE}/v1/events/rl/sessions/s1`, { headers: { Authorization: `Bearer ${key}` } }), { KEY_RATE_LIMITER: refusing });
    // An honest register's requests pass without asking the binding…
    for (let i = 0; i < LOCAL_ALLOWANCE; i++) expect((await get(registerKey)).status).toBe(200);
    expect(asked).toBe(0);
    // …past the allowance each one is asked about, and refused when the binding says so.
    const limited = await get(registerKey);
    expect(asked).toBe(1);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("10");
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    for (let i = 0; i < LOCAL_ALLOWANCE + 5; i++) expect((await get(ADMIN)).status).toBe(200);
    expect(asked).toBe(1);

    // The real binding (600 a key per 10 s, in fixed windows): a runaway client is stopped, another
    // key is not. A cheap route (an unknown path still passes the key check and the limit), ten at
    // a time, so the run spans at most two windows: at most 1,200 pass (this isolate alone refuses
    // a key past 600 in a window), and at least 600 before the first refusal (the key is new).
    const runaway = (await call("POST", "/v1/events/rl/api-keys", { body: { role: "register", label: "runaway" } })).body.key;
    let passed = 0;
    let refused = false;
    while (!refused && passed < 1_300) {
      const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await call("GET", "/v1/no-such-route", { key: runaway })).status));
      refused = statuses.includes(429);
      passed += statuses.filter((s) => s === 404).length;
    }
    expect(refused).toBe(true);
    expect(passed).toBeGreaterThanOrEqual(600);
    expect(passed).toBeLessThanOrEqual(1_200);
    const other = (await call("POST", "/v1/events/rl/api-keys", { body: { role: "register", label: "second" } })).body.key;
    expect((await call("GET", "/v1/events/rl/sessions/s1", { key: other })).status).toBe(200);
  });

  it("neutralises CSV cells a spreadsheet would run as formulas, and keeps negative amounts numbers", async () => {
    await seedEvent("csv", [{ ...item("x1", "c1", 100), title: "=HYPERLINK(\"http://x\")" }, { ...item("x2", "c1", 100), title: "-5 socks", size: "@home" }]);
    const response = await exports.default.fetch(new Request(`${BASE}/v1/events/csv/reports/unsold.csv`, { headers: { Authorization: `Bearer ${ADMIN}` } }));
    const lines = (await response.text()).trimEnd().split("\r\n");
    expect(lines.slice(1)).toEqual(["pickup,c1,x1,\"'=HYPERLINK(\"\"http://x\"\")\",clothing,4T,100", "pickup,c1,x2,'-5 socks,clothing,'@home,100"]);
  });
});
