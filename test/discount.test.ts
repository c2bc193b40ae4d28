import { describe, expect, it, vi } from "vitest";
import { call, checkout, createSession, expectError, item, seedEvent } from "./helpers";

/** Waits until the ledger has calculated `count` sales of the event. */
async function waitForCalculated(eventId: string, count: number) {
  await vi.waitFor(
    async () => expect((await call("GET", `/v1/events/${eventId}/commissions`)).body.calculations.completed).toBe(count),
    { timeout: 8000, interval: 25 },
  );
}

describe("discount sessions (the half-price day)", () => {
  it("sells items whose tag allows it at the session's price, from tag to statement, and leaves the others at full price", async () => {
    // c1 standard (60 %), c2 volunteer (70 %).
    const { registerKey: key } = await seedEvent("half", [
      { ...item("h-1", "c1", 1999), discountAllowed: true },
      { ...item("h-2", "c1", 1000), discountAllowed: false },
      { ...item("h-3", "c2", 333) },
      { ...item("h-4", "c2", 2500) },
    ]);
    // A full-price session first: h-4 sells at its tag price.
    await createSession("half", "fri");
    expect((await checkout("half", "fri", key, ["h-4"])).body.total).toBe(2500);
    expect((await call("POST", "/v1/events/half/sessions/fri/complete")).status).toBe(200);

    const created = await call("POST", "/v1/events/half/sessions", {
      body: { id: "sun", name: "Half-price Sunday", startTime: Date.UTC(2026, 2, 3), endTime: Date.UTC(2026, 2, 4), discount: 5000 },
    });
    expect(created.status).toBe(201);
    expect(created.body.discount).toBe(5000);
    expect((await call("POST", "/v1/events/half/sessions/sun/start")).status).toBe(200);

    const sale = await checkout("half", "sun", key, ["h-1", "h-2", "h-3"]);
    expect(sale.status).toBe(201);
    // round(1999 × 0.5) = 999.5 → 1000 (halves away from zero); h-2 does not allow it; round(166.5) → 167.
    expect(sale.body.items.map((i: any) => [i.itemId, i.tagPrice, i.price, i.commission])).toEqual([
      ["h-1", 1999, 1000, 600],
      ["h-2", 1000, 1000, 600],
      ["h-3", 333, 167, 117],
    ]);
    expect(sale.body.total).toBe(2167);
    expect(sale.body.commissionTotal).toBe(1317);
    // A replay answers the same prices.
    const replay = await call("POST", "/v1/events/half/sessions/sun/transactions", {
      key,
      body: { id: sale.body.id, registerId: "reg-1", shopperCode: "S-100", items: ["h-1", "h-2", "h-3"] },
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(sale.body);

    await waitForCalculated("half", 2);
    const calc = (await call("GET", `/v1/events/half/commissions/calculations/${sale.body.id}`)).body;
    expect(calc.items.map((i: any) => [i.itemId, i.tagPrice, i.price, i.commission])).toEqual([
      ["h-1", 1999, 1000, 600],
      ["h-2", 1000, 1000, 600],
      ["h-3", 333, 167, 117],
    ]);
    const c2 = (await call("GET", "/v1/events/half/consignors/c2/statement")).body;
    expect(c2.items.map((i: any) => [i.itemId, i.sessionId, i.tagPrice, i.price, i.commission])).toEqual([
      ["h-4", "fri", 2500, 2500, 1750],
      ["h-3", "sun", 333, 167, 117],
    ]);
    expect(c2.totals.balance).toBe(1867);
    const summary = (await call("GET", "/v1/events/half/sessions/sun")).body;
    expect(summary.discount).toBe(5000);
    expect(summary.metadata.totalSales).toBe(2167);

    // A void reverses exactly what the discounted sale paid.
    expect((await call("POST", `/v1/events/half/sessions/sun/transactions/${sale.body.id}/void`, { body: { reason: "changed mind" } })).status).toBe(200);
    await vi.waitFor(async () => expect((await call("GET", "/v1/events/half/consignors/c2/statement")).body.totals.balance).toBe(1750), {
      timeout: 8000,
      interval: 25,
    });
    const c1 = (await call("GET", "/v1/events/half/consignors/c1/statement")).body;
    expect(c1.totals).toMatchObject({ sales: 1200, reversals: -1200, balance: 0 });
  });

  it("re-prices a discounted sale on a tier change from its sale price, not its tag", async () => {
    const { registerKey: key } = await seedEvent("half-tier", [item("t-1", "c1", 1001)]);
    const created = await call("POST", "/v1/events/half-tier/sessions", {
      body: { id: "s", name: "Half", startTime: 1, endTime: 2, discount: 5000 },
    });
    expect(created.status).toBe(201);
    expect((await call("POST", "/v1/events/half-tier/sessions/s/start")).status).toBe(200);
    const sale = await checkout("half-tier", "s", key, ["t-1"]);
    expect(sale.body.items[0]).toMatchObject({ tagPrice: 1001, price: 501, commission: 301 });
    await waitForCalculated("half-tier", 1);
    // c1 becomes a volunteer: 70 % of 501 = 350.7 → 351.
    expect((await call("PUT", "/v1/events/half-tier/consignors/c1", { body: { name: "Consignor c1", tier: "volunteer" } })).status).toBe(200);
    await vi.waitFor(async () => expect((await call("GET", "/v1/events/half-tier/consignors/c1/statement")).body.totals.balance).toBe(351), {
      timeout: 8000,
      interval: 25,
    });
  });

  it("refuses a discount outside 0–9900 basis points, and a repeat of a session with another discount", async () => {
    await seedEvent("half-bad", [item("b-1", "c1", 1000)]);
    const body = { id: "s", name: "S", startTime: 1, endTime: 2 };
    expectError(await call("POST", "/v1/events/half-bad/sessions", { body: { ...body, discount: 10_000 } }), 400, "VALIDATION_FAILED");
    expectError(await call("POST", "/v1/events/half-bad/sessions", { body: { ...body, discount: 12.5 } }), 400, "VALIDATION_FAILED");
    expect((await call("POST", "/v1/events/half-bad/sessions", { body: { ...body, discount: 2500 } })).status).toBe(201);
    expect((await call("POST", "/v1/events/half-bad/sessions", { body: { ...body, discount: 2500 } })).status).toBe(200);
    expectError(await call("POST", "/v1/events/half-bad/sessions", { body: { ...body, discount: 5000 } }), 409, "ALREADY_EXISTS");
  });
});
