import { describe, expect, it } from "vitest";
import { call, createSession, expectError, item, seedEvent } from "./helpers";

const entry = (title: string, price: number, extra: Record<string, unknown> = {}) => ({ consignorId: "c1", title, category: "toys", size: "OS", price, ...extra });

async function consignorKey(eventId: string, consignorId: string) {
  const issued = await call("POST", `/v1/events/${eventId}/api-keys`, { body: { role: "consignor", consignorId, label: consignorId } });
  expect(issued.status).toBe(201);
  return issued.body.key as string;
}

describe("consignors enter their own items", () => {
  it("creates, edits and deletes their own items with assigned ids, never another's, within the organizer's rules", async () => {
    await seedEvent("ent", [item("c2-1", "c2", 500)]);
    const key = await consignorKey("ent", "c1");
    expect((await call("PUT", "/v1/events/ent/item-rules", { body: { maxItemsPerConsignor: 3, minPrice: 200, priceStep: 50 } })).body.itemRules).toEqual({
      maxItemsPerConsignor: 3,
      minPrice: 200,
      priceStep: 50,
    });

    const created = await call("PUT", "/v1/events/ent/items", { key, body: { items: [entry("Blocks", 500), entry("Puzzle", 250, { donate: true, discountAllowed: false })] } });
    expect(created.body).toEqual({ created: 2, updated: 0, ids: ["c1-1", "c1-2"] });
    expect((await call("GET", "/v1/events/ent/items/c1-2", { key })).body).toMatchObject({ title: "Puzzle", donate: true, discountAllowed: false, status: "modifiable" });

    // Each rule, named.
    const rule = async (items: unknown[]) => (await call("PUT", "/v1/events/ent/items", { key, body: { items } })).body.error;
    expect(await rule([entry("Cheap", 150)])).toMatchObject({ code: "ITEM_RULE_VIOLATED", details: { rule: "minPrice", limit: 200 } });
    expect(await rule([entry("Odd", 275)])).toMatchObject({ code: "ITEM_RULE_VIOLATED", details: { rule: "priceStep", limit: 50 } });
    expect(await rule([entry("A", 300), entry("B", 300)])).toMatchObject({ code: "ITEM_RULE_VIOLATED", details: { rule: "maxItemsPerConsignor", limit: 3, have: 2, adding: 2 } });
    const patchPrice = await call("PATCH", "/v1/events/ent/items/c1-1", { key, body: { version: 1, price: 225 } });
    expectError(patchPrice, 422, "ITEM_RULE_VIOLATED");

    // Not another consignor's items, nor for another consignor.
    expectError(await call("PUT", "/v1/events/ent/items", { key, body: { items: [{ ...entry("Mine?", 500), consignorId: "c2" }] } }), 403, "FORBIDDEN");
    expectError(await call("PUT", "/v1/events/ent/items", { key, body: { items: [{ ...entry("Take over", 500), id: "c2-1" }] } }), 403, "FORBIDDEN");
    expectError(await call("PATCH", "/v1/events/ent/items/c2-1", { key, body: { version: 1, price: 100 } }), 403, "FORBIDDEN");
    expectError(await call("PATCH", "/v1/events/ent/items/c1-1", { key, body: { version: 1, consignorId: "c2" } }), 403, "FORBIDDEN");
    expectError(await call("DELETE", "/v1/events/ent/items/c2-1", { key }), 403, "FORBIDDEN");
    expect((await call("GET", "/v1/events/ent/items/c2-1")).body).toMatchObject({ price: 500, version: 1, consignorId: "c2" });

    // Edits go by version; a delete frees a place, but its number is never given again.
    expect((await call("PATCH", "/v1/events/ent/items/c1-1", { key, body: { version: 1, price: 450 } })).body).toMatchObject({ price: 450, version: 2 });
    expectError(await call("PATCH", "/v1/events/ent/items/c1-1", { key, body: { version: 1, price: 400 } }), 409, "VERSION_CONFLICT");
    expectError(await call("DELETE", "/v1/events/ent/items/c1-2?version=9", { key }), 409, "VERSION_CONFLICT");
    expect((await call("DELETE", "/v1/events/ent/items/c1-2?version=1", { key })).body).toEqual({ deleted: true, withdrawn: false });
    expectError(await call("GET", "/v1/events/ent/items/c1-2", { key }), 404, "NOT_FOUND");
    const more = await call("PUT", "/v1/events/ent/items", { key, body: { items: [entry("Doll", 300), entry("Ball", 200)] } });
    expect(more.body.ids).toEqual(["c1-3", "c1-4"]);

    // The list shows a consignor only their own.
    const listed = await call("GET", "/v1/events/ent/items?limit=10", { key });
    expect(listed.body.items.map((i: any) => i.id)).toEqual(["c1-1", "c1-3", "c1-4"]);
    expectError(await call("GET", "/v1/events/ent/items?consignorId=c2", { key }), 403, "FORBIDDEN");
    const page = await call("GET", "/v1/events/ent/items?consignorId=c1&limit=2");
    expect(page.body.items.map((i: any) => i.id)).toEqual(["c1-1", "c1-3"]);
    expect((await call("GET", `/v1/events/ent/items?consignorId=c1&limit=2&after=${page.body.next}`)).body).toMatchObject({ next: null });

    // Once a session locks them, only an organizer's transfer moves them.
    await createSession("ent", "s1");
    expectError(await call("PATCH", "/v1/events/ent/items/c1-1", { key, body: { version: 3, title: "Late" } }), 409, "ITEM_LOCKED");
    expectError(await call("DELETE", "/v1/events/ent/items/c1-1", { key }), 409, "ITEM_LOCKED");
  });

  it("lets an admin enter any price and any consignor's items, and assigns ids the same way", async () => {
    await seedEvent("ent-admin", [item("c1-1", "c1", 100)]);
    await call("PUT", "/v1/events/ent-admin/item-rules", { body: { maxItemsPerConsignor: 1, minPrice: 500, priceStep: 100 } });
    // c1-1 was named by hand: the next assigned number skips it.
    const created = await call("PUT", "/v1/events/ent-admin/items", { body: { items: [entry("Any", 1), { ...entry("Other", 3), consignorId: "c2" }] } });
    expect(created.body).toEqual({ created: 2, updated: 0, ids: ["c1-2", "c2-1"] });
  });

  it("a submission repeated after a lost answer adds its items once (requestId), and the id is the submission's alone", async () => {
    await seedEvent("ent-again", [item("x-1", "c2", 500)]);
    const key = await consignorKey("ent-again", "c1");
    const other = await consignorKey("ent-again", "c1");
    const requestId = crypto.randomUUID();
    const body = { requestId, items: [entry("Blocks", 500), entry("Puzzle", 250)] };
    const first = await call("PUT", "/v1/events/ent-again/items", { key, body });
    expect({ status: first.status, body: first.body, replayed: first.headers.get("Idempotent-Replayed") }).toEqual({
      status: 200,
      body: { created: 2, updated: 0, ids: ["c1-1", "c1-2"] },
      replayed: null,
    });
    // The phone never heard back and sends it again, twice: the same answer, nothing added.
    for (let i = 0; i < 2; i++) {
      const again = await call("PUT", "/v1/events/ent-again/items", { key, body });
      expect({ status: again.status, body: again.body, replayed: again.headers.get("Idempotent-Replayed") }).toEqual({ status: 200, body: first.body, replayed: "true" });
    }
    // The same id with another body, or from another key, is refused and changes nothing.
    expectError(await call("PUT", "/v1/events/ent-again/items", { key, body: { requestId, items: [entry("Blocks", 600)] } }), 422, "IDEMPOTENCY_KEY_REUSED");
    expectError(await call("PUT", "/v1/events/ent-again/items", { key: other, body }), 422, "IDEMPOTENCY_KEY_REUSED");
    expectError(await call("PUT", "/v1/events/ent-again/items", { key, body: { requestId: "not-a-uuid", items: [entry("Ball", 300)] } }), 400, "VALIDATION_FAILED");
    const listed = await call("GET", "/v1/events/ent-again/items?consignorId=c1", { key });
    expect(listed.body.items.map((i: any) => [i.id, i.price])).toEqual([["c1-1", 500], ["c1-2", 250]]);
    // A new submission (a new id) adds as before; without an id a repeat adds again, as documented.
    expect((await call("PUT", "/v1/events/ent-again/items", { key, body: { requestId: crypto.randomUUID(), items: [entry("Blocks", 500)] } })).body.ids).toEqual(["c1-3"]);
  });
});
