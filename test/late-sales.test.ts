import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { SaleSession } from "../durable/sale-session";
import { archiveNow, call, createSession, expectError, item, seedEvent, txId } from "./helpers";

// A register that lost its Wi-Fi before closing time uploads its queued sales after the organizer
// completed the session: they happened during the session, the shoppers left with the items, so
// they are recorded in that session — unless the item has since left the sale another way.

const sessionStub = (eventId: string, sessionId: string) => env.SALE_SESSION.getByName(`${eventId}:${sessionId}`);
const upload = (eventId: string, sessionId: string, key: string, transactions: unknown[]) =>
  call("POST", `/v1/events/${eventId}/sessions/${sessionId}/transactions/batch`, { key, body: { transactions } });
const sale = (items: string[]) => ({ id: txId(), registerId: "reg-1", shopperCode: "S-9", items });
const statuses = (r: { body: { results: { status: number }[] } }) => r.body.results.map((x) => x.status);

async function itemState(eventId: string, itemId: string) {
  return (await call("GET", `/v1/events/${eventId}/items/${itemId}`)).body as { status: string; version: number };
}

async function balances(eventId: string): Promise<Record<string, number>> {
  const summary = (await call("GET", `/v1/events/${eventId}/commissions`)).body;
  return Object.fromEntries(summary.consignors.map((c: { consignorId: string; balance: number }) => [c.consignorId, c.balance]));
}

const items = () => [item("L1", "c1", 1000), item("L2", "c2", 2000), item("L3", "c1", 3000), item("L4", "c3", 4000)];

describe("a sale made offline and uploaded after its session completed", () => {
  it("is recorded in that session at its prices, sold in the Inventory and paid to the consignors, once", async () => {
    const { registerKey } = await seedEvent("ls1", items());
    await createSession("ls1", "s1");
    expect((await call("POST", "/v1/events/ls1/sessions/s1/complete")).status).toBe(200);
    const late = sale(["L1", "L2"]);
    const first = await upload("ls1", "s1", registerKey, [late]);
    expect(first.status).toBe(200);
    expect(statuses(first), JSON.stringify(first.body)).toEqual([201]);
    expect(first.body.results[0].transaction).toMatchObject({ id: late.id, sessionId: "s1", status: "completed", total: 3000 });
    // The register did not hear back and uploads again: a replay, never a second sale.
    expect(statuses(await upload("ls1", "s1", registerKey, [late]))).toEqual([200]);
    const summary = (await call("GET", "/v1/events/ls1/sessions/s1")).body;
    expect(summary.status).toBe("completed");
    expect(summary.metadata).toMatchObject({ transactionCount: 1, soldCount: 2, totalSales: 3000 });
    // The Inventory knows at once (not only once the queue brings the message).
    expect((await itemState("ls1", "L1")).status).toBe("sold");
    expect((await itemState("ls1", "L2")).status).toBe("sold");
    // The ledger pays it like any sale: c1 60 % of 1000, c2 70 % of 2000.
    await vi.waitFor(async () => expect(await balances("ls1")).toMatchObject({ c1: 600, c2: 1400 }), { timeout: 5000, interval: 20 });
    // The next session does not offer the items sold late.
    await createSession("ls1", "s2");
    expectError(await call("GET", "/v1/events/ls1/sessions/s2/items/L1"), 404, "NOT_FOUND");
    expect((await call("GET", "/v1/events/ls1/sessions/s2/items/L3")).body).toMatchObject({ status: "available" });
  });

  it("can be voided by the organizer like any sale of an ended session: the consignors' entries reversed, the items back for the next session", async () => {
    const { registerKey } = await seedEvent("ls5", items());
    await createSession("ls5", "s1");
    expect((await call("POST", "/v1/events/ls5/sessions/s1/complete")).status).toBe(200);
    const late = sale(["L1", "L2"]);
    expect(statuses(await upload("ls5", "s1", registerKey, [late]))).toEqual([201]);
    await vi.waitFor(async () => expect(await balances("ls5")).toMatchObject({ c1: 600, c2: 1400 }), { timeout: 5000, interval: 20 });
    // A register may not void it (the session has ended); the organizer may.
    expectError(await call("POST", `/v1/events/ls5/sessions/s1/transactions/${late.id}/void`, { key: registerKey, body: { reason: "typed wrong" } }), 409, "SESSION_NOT_ACTIVE");
    const voided = await call("POST", `/v1/events/ls5/sessions/s1/transactions/${late.id}/void`, { body: { reason: "entered twice" } });
    expect(voided.body).toMatchObject({ id: late.id, status: "voided" });
    await vi.waitFor(async () => expect(await balances("ls5")).toMatchObject({ c1: 0, c2: 0 }), { timeout: 5000, interval: 20 });
    await vi.waitFor(async () => expect((await itemState("ls5", "L1")).status).toBe("locked"), { timeout: 5000, interval: 20 });
    expect((await call("GET", "/v1/events/ls5/sessions/s1")).body.metadata).toMatchObject({ transactionCount: 1, voidCount: 1, soldCount: 0, totalSales: 0 });
    await createSession("ls5", "s2");
    expect((await call("GET", "/v1/events/ls5/sessions/s2/items/L1")).body).toMatchObject({ status: "available" });
  });

  it("is refused, changing nothing, once a later session has started, or when an item has left the sale since", async () => {
    const { registerKey } = await seedEvent("ls2", items());
    await createSession("ls2", "s1");
    expect((await call("POST", "/v1/events/ls2/sessions/s1/complete")).status).toBe(200);
    // An item moved out of the sale after the session ended: the whole cart is refused.
    const l4 = await itemState("ls2", "L4");
    expect((await call("PATCH", "/v1/events/ls2/items/L4", { body: { version: l4.version, status: "transfer" } })).status).toBe(200);
    const refused = await upload("ls2", "s1", registerKey, [sale(["L3", "L4"])]);
    expect(statuses(refused)).toEqual([409]);
    expect(refused.body.results[0].error).toMatchObject({ code: "ITEM_UNAVAILABLE", details: { items: ["L4"], reasons: { L4: "transferred" } } });
    expect((await itemState("ls2", "L3")).status).toBe("locked");
    // A cart this session never had an item of.
    const unknown = await upload("ls2", "s1", registerKey, [sale(["NOPE"])]);
    expect(unknown.body.results[0].error).toMatchObject({ code: "ITEM_UNAVAILABLE", details: { items: ["NOPE"], reasons: { NOPE: "unknown" } } });
    // Once the next session has started, the ended one takes nothing more (the next one may have sold the items).
    await createSession("ls2", "s2");
    const tooLate = await upload("ls2", "s1", registerKey, [sale(["L3"])]);
    expect(statuses(tooLate)).toEqual([409]);
    expect(tooLate.body.results[0].error.code).toBe("SESSION_NOT_ACTIVE");
    expect(tooLate.body.results[0].error.message).toMatch(/later session/);
    expect((await call("GET", "/v1/events/ls2/sessions/s1")).body.metadata).toMatchObject({ transactionCount: 0, soldCount: 0 });
    expect((await call("GET", "/v1/events/ls2/sessions/s2/items/L3")).body).toMatchObject({ status: "available" });
    // A single checkout after the session ended stays refused: only uploads of sales made offline come late.
    expectError(await call("POST", "/v1/events/ls2/sessions/s1/transactions", { key: registerKey, body: sale(["L1"]) }), 409, "SESSION_NOT_ACTIVE");
  });

  it("is finished by the session's alarm when the claim went through but the session stopped before recording it, even once the next session started", async () => {
    const { registerKey } = await seedEvent("ls3", items());
    await createSession("ls3", "s1");
    expect((await call("POST", "/v1/events/ls3/sessions/s1/complete")).status).toBe(200);
    const late = sale(["L3"]);
    // As if the object stopped right after the Inventory answered: the claim is made, the intent kept.
    const stub = sessionStub("ls3", "s1");
    await runInDurableObject(stub, async (_: SaleSession, state) => {
      state.storage.sql.exec("INSERT INTO late_sales (tx_id, input, actor, at) VALUES (?, ?, ?, ?)", late.id, JSON.stringify(late), JSON.stringify({ keyId: "reg", role: "register" }), Date.now());
      // Its alarm comes only when the test runs it.
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    const claimed = await env.INVENTORY.getByName("ls3").claimLateSale("s1", late.id, ["L3"], Date.now(), { keyId: "reg", role: "register" });
    expect(claimed.ok).toBe(true);
    expect((await itemState("ls3", "L3")).status).toBe("sold");
    // The same id for another cart is never claimed (a register bug must not sell a second cart under it).
    const other = await env.INVENTORY.getByName("ls3").claimLateSale("s1", late.id, ["L4"], Date.now(), { keyId: "reg", role: "register" });
    expect(other).toMatchObject({ ok: false, error: { code: "IDEMPOTENCY_KEY_REUSED" } });
    expect((await itemState("ls3", "L4")).status).toBe("locked");
    expect((await call("GET", "/v1/events/ls3/sessions/s1")).body.metadata.transactionCount).toBe(0);
    // The archive does not prune the session while a late sale is half recorded.
    const run = await archiveNow();
    expect(run.sessions.find((x) => x.eventId === "ls3")?.pruned ?? false).toBe(false);
    expect(JSON.stringify(run)).toMatch(/still being recorded/);
    // The next session starts before the alarm: it does not offer L3, and learns the sale's id.
    await createSession("ls3", "s2");
    expectError(await call("GET", "/v1/events/ls3/sessions/s2/items/L3"), 404, "NOT_FOUND");
    expect((await call("GET", "/v1/events/ls3/sessions/s1")).body.metadata.transactionCount).toBe(0);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await call("GET", "/v1/events/ls3/sessions/s1")).body.metadata).toMatchObject({ transactionCount: 1, soldCount: 1, totalSales: 3000 });
    expectError(await call("POST", "/v1/events/ls3/sessions/s2/transactions", { key: registerKey, body: { ...late, items: ["L1"] } }), 422, "IDEMPOTENCY_KEY_REUSED");
    await vi.waitFor(async () => expect(await balances("ls3")).toMatchObject({ c1: 1800 }), { timeout: 5000, interval: 20 });
    // The register's own retry is then a replay.
    expect(statuses(await upload("ls3", "s1", registerKey, [late]))).toEqual([200]);
    // The next night's archive copies it and prunes the session; a retry still gets its 200.
    const next = await archiveNow();
    expect(next.sessions.find((x) => x.eventId === "ls3")).toMatchObject({ pruned: true, reason: null });
    expect(await env.DB.prepare("SELECT session_id, total FROM transactions WHERE event_id = ? AND id = ?").bind("ls3", late.id).first()).toEqual({ session_id: "s1", total: 3000 });
    expect(statuses(await upload("ls3", "s1", registerKey, [late]))).toEqual([200]);
    // A new late sale is refused now: the session's rows have left it.
    const archived = await upload("ls3", "s1", registerKey, [sale(["L1"])]);
    expect(archived.body.results[0].error).toMatchObject({ code: "SESSION_NOT_ACTIVE", details: { reason: "ARCHIVED" } });
  });

  it("and a start of the next session at the same moment: the item is either sold late or offered by the next session, never both", async () => {
    const { registerKey } = await seedEvent("ls4", items());
    await createSession("ls4", "s1");
    expect((await call("POST", "/v1/events/ls4/sessions/s1/complete")).status).toBe(200);
    expect((await call("POST", "/v1/events/ls4/sessions", { body: { id: "s2", name: "Sunday", startTime: Date.UTC(2026, 2, 2), endTime: Date.UTC(2026, 2, 3) } })).status).toBe(201);
    const late = sale(["L1", "L2"]);
    const [uploaded, started] = await Promise.all([upload("ls4", "s1", registerKey, [late]), call("POST", "/v1/events/ls4/sessions/s2/start")]);
    expect(started.status).toBe(200);
    const result = uploaded.body.results[0];
    const offered = await Promise.all(["L1", "L2"].map(async (id) => (await call("GET", `/v1/events/ls4/sessions/s2/items/${id}`)).status));
    if (result.status === 201) {
      expect(offered).toEqual([404, 404]);
      expect((await itemState("ls4", "L1")).status).toBe("sold");
      // The id is the event's: the next session learned it as it started.
      const reused = await call("POST", "/v1/events/ls4/sessions/s2/transactions", { key: registerKey, body: { ...late, items: ["L3"] } });
      expectError(reused, 422, "IDEMPOTENCY_KEY_REUSED");
    } else {
      expect(result.error).toMatchObject({ code: "SESSION_NOT_ACTIVE", details: { reason: "LATER_SESSION_STARTED" } });
      expect(offered).toEqual([200, 200]);
      expect((await call("GET", "/v1/events/ls4/sessions/s1")).body.metadata.transactionCount).toBe(0);
      expect((await itemState("ls4", "L1")).status).toBe("locked");
    }
  });
});
