// The conflict rules for what the sale owns (rules 2–4; rule 1, the double sale, is in
// shopify-orders.test.ts): an edit made on Shopify is pushed back, a deleted product is listed
// again, and our edit made while a push is in flight is pushed after it. Each is counted and listed.
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call, expectError } from "./helpers";
import { control, EMULATOR, gql, subscribe, unique } from "./shopify-emulator-helpers";
import { calls, enabledEvent, productsOf, quantityOf, settled, status } from "./shopify-helpers";

const sink = unique("conflicts-sink");
const subscriptions: string[] = [];
beforeAll(async () => {
  for (const topic of ["PRODUCTS_UPDATE", "PRODUCTS_DELETE", "INVENTORY_LEVELS_UPDATE"]) subscriptions.push(await subscribe(topic, `${EMULATOR}/_emulator/sink/${sink}`));
});
afterAll(async () => {
  for (const id of subscriptions) await gql(`mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { userErrors { message } } }`, { id });
});

interface Delivery {
  seq: number;
  webhookId: string;
  uri: string;
  headers: Record<string, string>;
  body: string;
}

/** Hands every recorded delivery of `topic` mentioning `match` (after `since`) to the Worker. */
async function deliver(topic: string, match: string, since = 0): Promise<Delivery[]> {
  let found: Delivery[] = [];
  await vi.waitFor(async () => {
    const all = (await control("GET", `webhooks?topic=${encodeURIComponent(topic)}&match=${encodeURIComponent(match)}&since=${since}`)).deliveries as Delivery[];
    found = all.filter((d) => d.uri.includes(sink));
    expect(found.length).toBeGreaterThan(0);
  });
  for (const d of found) {
    const response = await exports.default.fetch(new Request("http://pos.test/v1/shopify/webhooks", { method: "POST", headers: d.headers, body: d.body }));
    expect(response.status).toBe(200);
  }
  return found;
}

const lastDelivery = async () => ((await control("GET", "webhooks?limit=1")).deliveries as Delivery[]).at(-1)?.seq ?? 0;
const conflicts = async (eventId: string) => (await call("GET", `/v1/events/${eventId}/shopify/conflicts`)).body.conflicts as { itemId: string; kind: string; ours: any; theirs: any; action: string }[];

describe("rule 2: a field the sale owns, edited on Shopify, is pushed back", () => {
  it("a price and title edit", async () => {
    const { eventId } = await enabledEvent("edit", 2);
    const product = (await productsOf(eventId)).get(`${eventId}-T0001`)!;
    const since = await lastDelivery();
    const edited = await gql(
      `mutation($input: ProductSetInput!, $id: ProductSetIdentifiers) { productSet(identifier: $id, input: $input, synchronous: true) { userErrors { message } } }`,
      {
        id: { id: product.id },
        input: { title: "Cheap now", productOptions: [{ name: "Size", values: [{ name: "4T" }] }], variants: [{ id: product.variants[0]!.id, optionValues: [{ optionName: "Size", name: "4T" }], price: "1.00" }] },
      },
    );
    expect(edited.body.data.productSet.userErrors).toEqual([]);
    await deliver("products/update", `${eventId}-T0001`, since);
    await vi.waitFor(async () => {
      const p = (await productsOf(eventId)).get(`${eventId}-T0001`)!;
      expect({ title: p.title, price: p.variants[0]!.price }).toEqual({ title: "Item T0001", price: "10.00" });
    });
    const listed = await conflicts(eventId);
    expect(listed).toContainEqual(expect.objectContaining({ itemId: "T0001", kind: "shopify_edit", ours: { title: "Item T0001", price: "10.00", status: "active" }, theirs: expect.objectContaining({ title: "Cheap now", price: "1.00" }) }));
    await settled(eventId);
    const count = (await status(eventId)).syncMetadata.conflictCount;
    // The same news again, late (a redelivery under a new id): older than our push-back, so ignored.
    const again = (await control("GET", `webhooks?topic=products%2Fupdate&match=${encodeURIComponent(`${eventId}-T0001`)}&since=${since}`)).deliveries[0] as Delivery;
    const late = await exports.default.fetch(
      new Request("http://pos.test/v1/shopify/webhooks", { method: "POST", headers: { ...again.headers, "X-Shopify-Webhook-Id": `${again.webhookId}-late`, "X-Shopify-Event-Id": `${again.webhookId}-late` }, body: again.body }),
    );
    expect(late.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await status(eventId)).syncMetadata.conflictCount).toBe(count);
  });

  it("a quantity raised on Shopify for an item that cannot sell more", async () => {
    const { eventId } = await enabledEvent("qty", 2);
    const product = (await productsOf(eventId)).get(`${eventId}-T0002`)!;
    const locations = await gql(`{ locations(first: 1) { nodes { id } } }`);
    const since = await lastDelivery();
    const edit = await gql(
      `mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) @idempotent(key: "${eventId}-raise") { userErrors { code } } }`,
      { input: { name: "available", reason: "correction", quantities: [{ inventoryItemId: product.variants[0]!.inventoryItemId, locationId: locations.body.data.locations.nodes[0].id, quantity: 3, changeFromQuantity: 1 }] } },
    );
    expect(edit.body.data.inventorySetQuantities.userErrors).toEqual([]);
    const numericItem = product.variants[0]!.inventoryItemId.split("/").pop()!;
    await deliver("inventory_levels/update", `"inventory_item_id":${numericItem}`, since);
    await vi.waitFor(async () => expect(await quantityOf(eventId, "T0002")).toBe(1));
    expect(await conflicts(eventId)).toContainEqual(expect.objectContaining({ itemId: "T0002", kind: "quantity_edit", ours: { quantity: 1 }, theirs: { quantity: 3 } }));
  });
});

describe("rule 3: a product deleted on Shopify while its item can still sell", () => {
  it("is listed again, and the item knows its new product", async () => {
    const { eventId } = await enabledEvent("deleted", 2);
    const before = (await productsOf(eventId)).get(`${eventId}-T0001`)!;
    const since = await lastDelivery();
    const deleted = await gql(`mutation($input: ProductDeleteInput!) { productDelete(input: $input) { deletedProductId userErrors { message } } }`, { input: { id: before.id } });
    expect(deleted.body.data.productDelete.userErrors).toEqual([]);
    const numeric = before.id.split("/").pop()!;
    await deliver("products/delete", `"id":${numeric}`, since);
    await vi.waitFor(async () => {
      const again = (await productsOf(eventId)).get(`${eventId}-T0001`);
      expect(again?.id).toBeDefined();
      expect(again!.id).not.toBe(before.id);
      expect(again!.variants[0]!.inventoryQuantity).toBe(1);
    });
    await settled(eventId);
    const item = (await call("GET", `/v1/events/${eventId}/items/T0001`)).body;
    expect(item.shopifyId).toBe((await productsOf(eventId)).get(`${eventId}-T0001`)!.id);
    expect(await conflicts(eventId)).toContainEqual(expect.objectContaining({ itemId: "T0001", kind: "product_deleted", action: "the item was listed again" }));
  });
});

describe("rule 4: our edit made while a push is in flight", () => {
  it("is pushed after it, never lost", async () => {
    const { eventId } = await enabledEvent("inflight", 1);
    const match = `${eventId}/T0001`;
    // The next pushes of this item are applied by Shopify but their answers are lost: the push
    // of the first edit stays in flight (retrying) while the second edit is made.
    await control("POST", "faults", { fail: { match, status: 503, count: 3, when: "after" } });
    const v1 = (await call("GET", `/v1/events/${eventId}/items/T0001`)).body.version;
    expect((await call("PATCH", `/v1/events/${eventId}/items/T0001`, { body: { version: v1, price: 2000 } })).status).toBe(200);
    await vi.waitFor(async () => expect((await calls(match)).byRootField.productSet?.count ?? 0).toBeGreaterThanOrEqual(2), { timeout: 5000, interval: 10 });
    const second = await call("PATCH", `/v1/events/${eventId}/items/T0001`, { body: { version: v1 + 1, price: 3000 } });
    expect(second.status).toBe(200);
    await vi.waitFor(async () => expect((await productsOf(eventId)).get(`${eventId}-T0001`)!.variants[0]!.price).toBe("30.00"), { timeout: 15_000, interval: 50 });
    await settled(eventId);
    expect((await call("GET", `/v1/events/${eventId}/items/T0001`)).body.shopifyPushedVersion).toBe(second.body.version);
  });
});

describe("the drift check (nightly, or on demand)", () => {
  it("finds what changed on Shopify without a webhook reaching us, and repairs it under the rules", async () => {
    const { eventId } = await enabledEvent("drift", 4);
    const products = await productsOf(eventId);
    const locations = await gql(`{ locations(first: 1) { nodes { id } } }`);
    // No webhook is handed to the Worker here: every change below is drift it has not heard of.
    const p1 = products.get(`${eventId}-T0001`)!;
    const repriced = await gql(
      `mutation($input: ProductSetInput!, $id: ProductSetIdentifiers) { productSet(identifier: $id, input: $input, synchronous: true) { userErrors { message } } }`,
      { id: { id: p1.id }, input: { productOptions: [{ name: "Size", values: [{ name: "4T" }] }], variants: [{ id: p1.variants[0]!.id, optionValues: [{ optionName: "Size", name: "4T" }], price: "0.50" }] } },
    );
    expect(repriced.body.data.productSet.userErrors).toEqual([]);
    const p2 = products.get(`${eventId}-T0002`)!;
    const raised = await gql(
      `mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) @idempotent(key: "${eventId}-drift") { userErrors { code } } }`,
      { input: { name: "available", reason: "correction", quantities: [{ inventoryItemId: p2.variants[0]!.inventoryItemId, locationId: locations.body.data.locations.nodes[0].id, quantity: 4, changeFromQuantity: 1 }] } },
    );
    expect(raised.body.data.inventorySetQuantities.userErrors).toEqual([]);
    const p3 = products.get(`${eventId}-T0003`)!;
    expect((await gql(`mutation($input: ProductDeleteInput!) { productDelete(input: $input) { userErrors { message } } }`, { input: { id: p3.id } })).body.data.productDelete.userErrors).toEqual([]);

    expectError(await call("POST", `/v1/events/${eventId}/shopify/sync`, { body: { drift: "yes" } }), 400, "VALIDATION_FAILED");
    const run = await call("POST", `/v1/events/${eventId}/shopify/sync`, { body: { drift: true } });
    expect(run.status).toBe(202);
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/shopify/sync/${run.body.instanceId}`)).body.status).toBe("complete"), { timeout: 20_000, interval: 50 });
    const output = (await call("GET", `/v1/events/${eventId}/shopify/sync/${run.body.instanceId}`)).body.output;
    expect(output.drift).toEqual({ checked: 3, conflicts: 2, relisted: 1 });
    await settled(eventId);
    const after = await productsOf(eventId);
    expect(after.get(`${eventId}-T0001`)!.variants[0]!.price).toBe("10.00");
    expect(after.get(`${eventId}-T0002`)!.variants[0]!.inventoryQuantity).toBe(1);
    expect(after.get(`${eventId}-T0003`)!.id).not.toBe(p3.id);
    expect(after.get(`${eventId}-T0004`)!.variants[0]!.inventoryQuantity).toBe(1);
    const kinds = (await conflicts(eventId)).map((c) => `${c.itemId}:${c.kind}`).sort();
    expect(kinds).toEqual(["T0001:shopify_edit", "T0002:quantity_edit", "T0003:product_deleted"]);
  });
});
