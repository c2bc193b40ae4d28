import { describe, expect, it } from "vitest";
import { call, checkout, createSession, expectError, item, seedEvent } from "./helpers";

/** Every page of a session's price list, following `next`. */
async function wholeList(eventId: string, sessionId: string, key: string, limit: number) {
  const items: unknown[] = [];
  let after = "";
  let pages = 0;
  for (;;) {
    const page = await call("GET", `/v1/events/${eventId}/sessions/${sessionId}/price-list?limit=${limit}&after=${after}`, { key });
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    pages++;
    if (page.body.next === null) return { items, pages };
    after = page.body.next;
  }
}

describe("a session's price list (what a register keeps for the times it is offline)", () => {
  it("lists every item of the session with its price there, a page at a time, sold ones too", async () => {
    const { registerKey } = await seedEvent("plist", [
      item("P1", "c1", 1001),
      { ...item("P2", "c2", 800), discountAllowed: false },
      item("P3", "c1", 300),
      item("P4", "c2", 2500),
      item("P5", "c1", 99),
    ]);
    await createSession("plist", "fri");
    expect((await call("POST", "/v1/events/plist/sessions/fri/complete")).status).toBe(200);
    expect((await call("POST", "/v1/events/plist/sessions", { body: { id: "sun", name: "Half", startTime: 1, endTime: 2, discount: 5000 } })).status).toBe(201);
    expect((await call("POST", "/v1/events/plist/sessions/sun/start")).status).toBe(200);
    expect((await checkout("plist", "sun", registerKey, ["P4"])).status).toBe(201);

    const { items, pages } = await wholeList("plist", "sun", registerKey, 2);
    expect(pages).toBe(3);
    // The discount session's prices (halves round away from zero), the tag price beside them; P2 does not allow the discount.
    expect(items).toEqual([
      { id: "P1", title: "Item P1", size: "4T", tagPrice: 1001, price: 501 },
      { id: "P2", title: "Item P2", size: "4T", tagPrice: 800, price: 800 },
      { id: "P3", title: "Item P3", size: "4T", tagPrice: 300, price: 150 },
      { id: "P4", title: "Item P4", size: "4T", tagPrice: 2500, price: 1250 },
      { id: "P5", title: "Item P5", size: "4T", tagPrice: 99, price: 50 },
    ]);
    // Each price is the one a checkout charges.
    const scanned = (await call("GET", "/v1/events/plist/sessions/sun/items/P3", { key: registerKey })).body;
    expect(items.find((i: any) => i.id === "P3")).toMatchObject({ price: scanned.price, tagPrice: scanned.tagPrice });
    // One page of all of it by default.
    const all = await call("GET", "/v1/events/plist/sessions/sun/price-list", { key: registerKey });
    expect(all.body.items).toHaveLength(5);
    expect(all.body.next).toBeNull();
  });

  it("refuses what it cannot answer: bad paging, another role, an unknown session", async () => {
    const { registerKey } = await seedEvent("plist-bad", [item("B1", "c1", 500)]);
    // Before the session starts, its items are not in it yet: refused, not an empty list.
    expect((await call("POST", "/v1/events/plist-bad/sessions", { body: { id: "s1", name: "Later", startTime: 1, endTime: 2 } })).status).toBe(201);
    expectError(await call("GET", "/v1/events/plist-bad/sessions/s1/price-list", { key: registerKey }), 409, "SESSION_NOT_ACTIVE");
    expect((await call("POST", "/v1/events/plist-bad/sessions/s1/start")).status).toBe(200);
    const path = "/v1/events/plist-bad/sessions/s1/price-list";
    expectError(await call("GET", `${path}?limit=0`, { key: registerKey }), 400, "VALIDATION_FAILED");
    expectError(await call("GET", `${path}?limit=5001`, { key: registerKey }), 400, "VALIDATION_FAILED");
    expectError(await call("GET", `${path}?after=..`, { key: registerKey }), 400, "VALIDATION_FAILED");
    expectError(await call("GET", `${path}?color=red`, { key: registerKey }), 400, "VALIDATION_FAILED");
    const consignor = (await call("POST", "/v1/events/plist-bad/api-keys", { body: { role: "consignor", consignorId: "c1", label: "c1" } })).body.key;
    expectError(await call("GET", path, { key: consignor }), 403, "FORBIDDEN");
    expectError(await call("GET", "/v1/events/plist-bad/sessions/nope/price-list", { key: registerKey }), 404, "NOT_FOUND");
    // The admin reads it too.
    expect((await call("GET", path)).body.items).toEqual([{ id: "B1", title: "Item B1", size: "4T", tagPrice: 500, price: 500 }]);
  });
});
