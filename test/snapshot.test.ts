import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { call, checkout, createSession, item, seedEvent } from "./helpers";

const sessionSnapshot = (eventId: string) =>
  env.DB.prepare("SELECT * FROM session_snapshots WHERE event_id = ? AND session_id = 's1'").bind(eventId).first<Record<string, number | string>>();

describe("snapshots to D1", () => {
  it("writes a live session's metadata from its alarm, only when it changed", async () => {
    const { registerKey } = await seedEvent("snap", [item("S1", "c1", 1000), item("S2", "c2", 250)]);
    await createSession("snap", "s1");
    const stub = env.SALE_SESSION.getByName("snap:s1");
    expect(await sessionSnapshot("snap")).toBeNull();

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const first = await sessionSnapshot("snap");
    expect(first).toMatchObject({ status: "active", item_count: 2, sold_count: 0, total_sales: 0 });

    // Nothing changed: the alarm runs again (an active session keeps one set) but writes nothing.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await sessionSnapshot("snap"))!.taken_at).toBe(first!.taken_at);

    const sale = await checkout("snap", "s1", registerKey, ["S1", "S2"]);
    await runDurableObjectAlarm(stub);
    expect(await sessionSnapshot("snap")).toMatchObject({ sold_count: 2, total_sales: 1250, total_commissions: sale.body.commissionTotal, transaction_count: 1 });

    await call("POST", "/v1/events/snap/sessions/s1/complete");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await sessionSnapshot("snap")).toMatchObject({ status: "completed", sold_count: 2 });
    // Ended, and written: no alarm is left to run.
    await vi.waitFor(async () => expect(await runDurableObjectAlarm(stub)).toBe(false), { timeout: 5000, interval: 50 });
  });

  it("writes the ledger's summary from its alarm", async () => {
    const { registerKey } = await seedEvent("lsnap", [item("L1", "c2", 1000)]);
    await createSession("lsnap", "s1");
    const sale = await checkout("lsnap", "s1", registerKey, ["L1"]);
    await vi.waitFor(
      async () => expect((await call("GET", `/v1/events/lsnap/commissions/calculations/${sale.body.id}`)).body.status).toBe("completed"),
      { timeout: 5000, interval: 20 },
    );
    expect(await runDurableObjectAlarm(env.COMMISSION_LEDGER.getByName("lsnap"))).toBe(true);
    const row = await env.DB.prepare("SELECT * FROM ledger_snapshots WHERE event_id = 'lsnap'").first<Record<string, number | string>>();
    expect(row).toMatchObject({ total_calculations: 1, completed: 1, errored: 0, total_sales: 1000, consignor_total: 700, house_share: 300 });
    expect(JSON.parse(String(row!.consignors))).toContainEqual(expect.objectContaining({ consignorId: "c2", balance: 700 }));
  });
});
