import { describe, expect, it, vi } from "vitest";
import { call, checkout, createSession, expectError, item, seedEvent } from "./helpers";

const statement = async (eventId: string, consignorId: string) => (await call("GET", `/v1/events/${eventId}/consignors/${consignorId}/statement`)).body;

describe("consignor fees", () => {
  it("takes the event's fee once from each consignor, an override instead where set, and never pays below 0", async () => {
    // c1 standard (60 %), c2 volunteer (70 %), c3 super (75 %).
    const { registerKey } = await seedEvent("fee", [item("f-1", "c1", 2000), item("f-2", "c2", 500)]);
    expect((await call("PUT", "/v1/events/fee/fees", { body: { consignorFee: 1000 } })).body).toEqual({ consignorFee: 1000, changed: 3 });
    // Setting the same fee again takes nothing more.
    expect((await call("PUT", "/v1/events/fee/fees", { body: { consignorFee: 1000 } })).body).toEqual({ consignorFee: 1000, changed: 0 });
    // c3 is waived (a volunteer who works the sale, say).
    const waived = await call("PUT", "/v1/events/fee/consignors/c3", { body: { name: "Consignor c3", tier: "super", fee: 0 } });
    expect(waived.body).toMatchObject({ id: "c3", fee: 0 });
    // A consignor registered after the fee was set is charged it too.
    expect((await call("PUT", "/v1/events/fee/consignors/c4", { body: { name: "Late", tier: "standard" } })).status).toBe(201);

    await createSession("fee", "s1");
    expect((await checkout("fee", "s1", registerKey, ["f-1", "f-2"])).status).toBe(201);
    await vi.waitFor(async () => expect((await statement("fee", "c2")).items).toHaveLength(1), { timeout: 8000, interval: 25 });

    const c1 = await statement("fee", "c1");
    expect(c1.totals).toEqual({ sales: 1200, reversals: 0, adjustments: 0, fees: -1000, balance: 200, payout: 200, owedByConsignor: 0 });
    expect(c1.entries.filter((e: any) => e.kind === "fee").map((e: any) => [e.transactionId, e.amount, e.batchId])).toEqual([["fee", -1000, "fee-1"]]);
    // c2 sold 500 × 70 % = 350, less a 1000 fee: paid 0, owes 650.
    expect((await statement("fee", "c2")).totals).toMatchObject({ sales: 350, fees: -1000, balance: -650, payout: 0, owedByConsignor: 650 });
    expect((await statement("fee", "c3")).totals).toMatchObject({ fees: 0, balance: 0, payout: 0 });
    expect((await statement("fee", "c4")).totals).toMatchObject({ fees: -1000, balance: -1000, payout: 0, owedByConsignor: 1000 });

    // The fee lowered later: each consignor's fee entries add up to the new fee (one entry more each).
    expect((await call("PUT", "/v1/events/fee/fees", { body: { consignorFee: 400 } })).body.changed).toBe(3);
    const after = await statement("fee", "c1");
    expect(after.entries.filter((e: any) => e.kind === "fee").map((e: any) => e.amount)).toEqual([-1000, 600]);
    expect(after.totals).toMatchObject({ fees: -400, balance: 800, payout: 800 });

    // The summary and the payouts file say the same; the house keeps the fees.
    const summary = (await call("GET", "/v1/events/fee/commissions")).body;
    expect(summary.consignorFee).toBe(400);
    const byId = Object.fromEntries(summary.consignors.map((c: any) => [c.consignorId, c]));
    expect(byId.c1).toMatchObject({ fees: -400, balance: 800, payout: 800, owedByConsignor: 0 });
    expect(byId.c2).toMatchObject({ fees: -400, balance: -50, payout: 0, owedByConsignor: 50 });
    expect(summary.houseShare).toBe(2500 - (800 - 50 + 0 - 400));
  });

  it("refuses a fee that is not whole cents, negative or absurd, and changes nothing", async () => {
    await seedEvent("fee-bad", []);
    for (const consignorFee of [-1, 12.5, 2_000_000, "10"]) {
      expectError(await call("PUT", "/v1/events/fee-bad/fees", { body: { consignorFee } }), 400, "VALIDATION_FAILED");
    }
    expectError(await call("PUT", "/v1/events/fee-bad/consignors/c1", { body: { name: "C", tier: "standard", fee: -5 } }), 400, "VALIDATION_FAILED");
    expect((await call("GET", "/v1/events/fee-bad/fees")).body).toEqual({ consignorFee: 0 });
    expect((await statement("fee-bad", "c1")).entries).toEqual([]);
  });
});
