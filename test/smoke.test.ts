import { describe, expect, it } from "vitest";
import { call, checkout, createSession, item, seedEvent } from "./helpers";

describe("a register sells through the HTTP contract", () => {
  it("serves health without a key", async () => {
    const r = await call("GET", "/health", { key: null });
    expect(r).toMatchObject({ status: 200, body: { ok: true } });
  });

  it("sells two items and reports the session", async () => {
    const { registerKey } = await seedEvent("ev1", [item("A1", "c1", 1000), item("A2", "c2", 2599), item("A3", "c3", 333)]);
    await createSession("ev1", "s1");
    const sold = await checkout("ev1", "s1", registerKey, ["A1", "A2"]);
    expect(sold.status, JSON.stringify(sold.body)).toBe(201);
    // 60 % of 1000 = 600; 70 % of 2599 = 1819.3 → 1819.
    expect(sold.body).toMatchObject({ total: 3599, commissionTotal: 2419, status: "completed" });
    const summary = await call("GET", "/v1/events/ev1/sessions/s1", { key: registerKey });
    expect(summary.body).toMatchObject({ status: "active", metadata: { totalSales: 3599, totalCommissions: 2419, itemCount: 3, soldCount: 2 } });
  });
});
