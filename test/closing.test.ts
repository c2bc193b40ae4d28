import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, BASE, call, checkout, createSession, expectError, item, seedEvent } from "./helpers";

describe("closing the event: donate or pick up", () => {
  it("moves every unsold item to transfer as donated or pickup, once, and reports both lists", async () => {
    const { registerKey } = await seedEvent("close", [
      { ...item("k-1", "c1", 1500), donate: true },
      { ...item("k-2", "c1", 800) },
      { ...item("k-3", "c2", 2500), donate: true },
      { ...item("k-4", "c2", 300) },
    ]);
    const consignorKey = (await call("POST", "/v1/events/close/api-keys", { body: { role: "consignor", consignorId: "c1", label: "c1" } })).body.key;
    await createSession("close", "s1");
    expect((await checkout("close", "s1", registerKey, ["k-4"])).status).toBe(201);
    // Not while a session runs.
    const refused = await call("POST", "/v1/events/close/close");
    expectError(refused, 409, "INVALID_TRANSITION");
    expect((await call("GET", "/v1/events/close/items/k-1")).body.status).toBe("locked");

    expect((await call("POST", "/v1/events/close/sessions/s1/complete")).status).toBe(200);
    // Before the close, the lists say what would happen.
    const preview = (await call("GET", "/v1/events/close/reports/unsold")).body;
    expect(preview).toMatchObject({ closed: false, totals: { pickupCount: 1, pickupValue: 800, donatedCount: 2, donatedValue: 4000 } });

    const closed = await call("POST", "/v1/events/close/close");
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ donated: 2, pickup: 1 });
    const item1 = (await call("GET", "/v1/events/close/items/k-1")).body;
    expect(item1).toMatchObject({ status: "transfer", transferReason: "donated" });
    expect((await call("GET", "/v1/events/close/items/k-2")).body).toMatchObject({ status: "transfer", transferReason: "pickup" });
    expect((await call("GET", "/v1/events/close/items/k-4")).body.status).toBe("sold");
    // Again: nothing moves twice.
    const again = await call("POST", "/v1/events/close/close");
    expect(again.body).toEqual(closed.body);
    expect((await call("GET", "/v1/events/close/items/k-1")).body.version).toBe(item1.version);

    const report = (await call("GET", "/v1/events/close/reports/unsold")).body;
    expect(report.closed).toBe(true);
    expect(report.pickup.map((i: any) => [i.itemId, i.consignorId, i.price])).toEqual([["k-2", "c1", 800]]);
    expect(report.donated.map((i: any) => [i.itemId, i.consignorId, i.price])).toEqual([
      ["k-1", "c1", 1500],
      ["k-3", "c2", 2500],
    ]);
    expect(report.totals).toEqual({ pickupCount: 1, pickupValue: 800, donatedCount: 2, donatedValue: 4000 });

    const csv = await exports.default.fetch(new Request(`${BASE}/v1/events/close/reports/unsold.csv`, { headers: { Authorization: `Bearer ${ADMIN}` } }));
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    expect((await csv.text()).trimEnd().split("\r\n")).toEqual([
      "list,consignor_id,item_id,title,category,size,price_cents",
      "pickup,c1,k-2,Item k-2,clothing,4T,800",
      "donated,c1,k-1,Item k-1,clothing,4T,1500",
      "donated,c2,k-3,Item k-3,clothing,4T,2500",
    ]);

    // A consignor reads their own lists, not another's.
    const own = await call("GET", "/v1/events/close/consignors/c1/unsold", { key: consignorKey });
    expect(own.body.pickup.map((i: any) => i.itemId)).toEqual(["k-2"]);
    expect(own.body.donated.map((i: any) => i.itemId)).toEqual(["k-1"]);
    expectError(await call("GET", "/v1/events/close/consignors/c2/unsold", { key: consignorKey }), 403, "FORBIDDEN");

    // A closed event starts no session and takes no new items.
    await createSession("close", "s2", false);
    expectError(await call("POST", "/v1/events/close/sessions/s2/start"), 409, "EVENT_CLOSED");
    expectError(await call("PUT", "/v1/events/close/items", { body: { items: [item("k-9", "c1", 100)] } }), 409, "EVENT_CLOSED");
    expect((await call("GET", "/v1/events/close")).body.closedAt).toBe(closed.body.closedAt);
  });
});
