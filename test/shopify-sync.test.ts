// The online channel, outbound (issue: Shopify part 1): listing, edits, availability following the
// registers, redelivery and retries, stale compares, throttling and a bad token — against the
// Shopify emulator the test run starts (the Worker reaches it by configuration only).
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { consumeShopifySync } from "../consumers/shopify-sync";
import { ShopifyClient } from "../lib/shopify/client";
import { shopifyConfig } from "../lib/shopify/config";
import { WEBHOOK_SUBSCRIPTIONS } from "../lib/shopify/documents";
import { ensureWebhookSubscriptions, WEBHOOK_TOPICS } from "../lib/shopify/subscriptions";
import { app } from "../producers/api/app";
import { call, checkout, createSession, expectError, item, seedEvent } from "./helpers";
import { control, gql, unique } from "./shopify-emulator-helpers";
import { calls, enabledEvent, productsOf, quantityOf, settled, status } from "./shopify-helpers";

/** Sets an item's available quantity on Shopify's side, as someone in its admin would (no compare). */
async function setOnShopify(eventId: string, itemId: string, quantity: number) {
  const product = (await productsOf(eventId)).get(`${eventId}-${itemId}`)!;
  const locations = await gql(`{ locations(first: 1) { nodes { id } } }`);
  const edit = await gql(
    `mutation Edit($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) @idempotent(key: "${eventId}-${itemId}-${quantity}") { userErrors { code message } } }`,
    { input: { name: "available", reason: "correction", quantities: [{ inventoryItemId: product.variants[0]!.inventoryItemId, locationId: locations.body.data.locations.nodes[0].id, quantity, changeFromQuantity: null }] } },
  );
  expect(edit.body.data.inventorySetQuantities.userErrors).toEqual([]);
}

describe("an event not enabled for Shopify", () => {
  it("lists nothing and calls Shopify for nothing, whatever it sells", async () => {
    const eventId = unique("off");
    const { registerKey } = await seedEvent(eventId, [item("A1", "c1", 500), item("A2", "c1", 700)]);
    await createSession(eventId, "s1");
    expect((await checkout(eventId, "s1", registerKey, ["A1"])).status).toBe(201);
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/items/A1`)).body.status).toBe("sold"), { timeout: 5000, interval: 20 });
    const s = await status(eventId);
    expect({ enabled: s.enabled, waiting: s.waiting, unlisted: s.unlisted, syncCount: s.syncMetadata.syncCount }).toEqual({ enabled: false, waiting: 0, unlisted: 0, syncCount: 0 });
    expect((await productsOf(eventId)).size).toBe(0);
    expect((await calls(eventId)).total).toBe(0);
    expectError(await call("POST", `/v1/events/${eventId}/shopify/sync`), 409, "INVALID_TRANSITION");
  });

  it("with Shopify not configured, cannot be enabled, and a sync message is dropped untouched", async () => {
    const eventId = unique("unconf");
    await seedEvent(eventId, [item("A1", "c1", 500)]);
    const unconfigured = { ...env, SHOPIFY_ADMIN_ORIGIN: "" } as Env;
    const put = await app.fetch(
      new Request(`http://pos.test/v1/events/${eventId}/shopify`, { method: "PUT", headers: { Authorization: "Bearer test-admin-key", "Content-Type": "application/json" }, body: JSON.stringify({ enabled: true }) }),
      unconfigured,
    );
    expect(put.status).toBe(409);
    expect(((await put.json()) as { error: { code: string } }).error.code).toBe("SHOPIFY_NOT_CONFIGURED");
    const handled: string[] = [];
    const message = { id: "m1", timestamp: new Date(), attempts: 1, body: { v: 1, eventId, itemIds: ["A1"] }, ack: () => handled.push("ack"), retry: () => handled.push("retry") };
    await consumeShopifySync({ queue: "shopify-sync", messages: [message] } as unknown as MessageBatch<unknown>, unconfigured);
    expect(handled).toEqual(["ack"]);
    expect((await status(eventId)).enabled).toBe(false);
    expect((await calls(eventId)).total).toBe(0);
  });

  it("refuses a bad settings body and changes nothing", async () => {
    const eventId = unique("bad");
    await seedEvent(eventId, [item("A1", "c1", 500)]);
    expectError(await call("PUT", `/v1/events/${eventId}/shopify`, { body: { enabled: "yes" } }), 400, "VALIDATION_FAILED");
    expectError(await call("PUT", `/v1/events/${eventId}/shopify`, { body: { enabled: true, extra: 1 } }), 400, "VALIDATION_FAILED");
    expect((await status(eventId)).enabled).toBe(false);
  });
});

describe("prices follow the running session, for a large event", () => {
  it("re-prices many listed items as one bulk operation when a discount session starts and ends, quantities untouched, while a sale's zero still goes at once", async () => {
    const { eventId, items, registerKey } = await enabledEvent("disc-bulk", 120);
    const bulkBefore = (await calls(eventId)).byRootField.bulkOperationRunMutation?.count ?? 0;
    const pricesOf = async () => new Map([...(await productsOf(eventId)).values()].map((p) => [p.variants[0]!.sku!.slice(eventId.length + 1), p.variants[0]!]));
    const expectAll = (priceOf: (cents: number) => number, except: string[] = []) =>
      vi.waitFor(
        async () => {
          const now = await pricesOf();
          expect(items.filter((it) => !except.includes(it.id) && now.get(it.id)?.price !== (priceOf(it.price) / 100).toFixed(2)).map((it) => it.id)).toEqual([]);
        },
        { timeout: 20_000, interval: 100 },
      );
    expect((await call("POST", `/v1/events/${eventId}/sessions`, { body: { id: "half", name: "Half price", startTime: 1, endTime: 2, discount: 5000 } })).status).toBe(201);
    expect((await call("POST", `/v1/events/${eventId}/sessions/half/start`)).status).toBe(200);
    // A sale at the start of the session: its zero does not wait for the re-pricing.
    expect((await checkout(eventId, "half", registerKey, ["T0005"])).status).toBe(201);
    await vi.waitFor(async () => expect(await quantityOf(eventId, "T0005")).toBe(0), { timeout: 5_000, interval: 25 });
    await expectAll((cents) => Math.round(cents / 2));
    await settled(eventId);
    const during = await calls(eventId);
    expect(during.byRootField.bulkOperationRunMutation?.count).toBe(bulkBefore + 1);
    // One productSet at most for the sold item (its data and quantity went one by one), none for the rest.
    expect(during.byRootField.productSet?.count ?? 0).toBeLessThanOrEqual(1);
    // The re-pricing set no quantity: every unsold item still shows 1.
    const quantities = await pricesOf();
    expect(items.filter((it) => it.id !== "T0005" && quantities.get(it.id)!.inventoryQuantity !== 1).map((it) => it.id)).toEqual([]);
    expect((await call("POST", `/v1/events/${eventId}/sessions/half/complete`)).status).toBe(200);
    // Back to the tag price (the sold item keeps the price it sold at; it cannot be bought).
    await expectAll((cents) => cents, ["T0005"]);
    await settled(eventId);
    expect((await calls(eventId)).byRootField.bulkOperationRunMutation?.count).toBe(bulkBefore + 2);
    expect((await call("GET", `/v1/events/${eventId}/shopify/conflicts`)).body.conflicts).toEqual([]);
    expect(await quantityOf(eventId, "T0005")).toBe(0);
  });
});

describe("listing", () => {
  it("lists a large event with one bulk operation: one product and variant per item, as the README maps it", async () => {
    const { eventId, items } = await enabledEvent("bulk", 120);
    const products = await productsOf(eventId);
    expect(products.size).toBe(120);
    for (const it of items) {
      const p = products.get(`${eventId}-${it.id}`)!;
      expect(p.title).toBe(it.title);
      expect(p.status).toBe("ACTIVE");
      expect(p.metafields).toContainEqual(expect.objectContaining({ namespace: "consignment", key: "item", value: `${eventId}/${it.id}` }));
      expect(p.variants).toHaveLength(1);
      const v = p.variants[0]!;
      expect({ price: v.price, policy: v.inventoryPolicy, tracked: v.tracked, quantity: v.inventoryQuantity }).toEqual({
        price: (it.price / 100).toFixed(2),
        policy: "DENY",
        tracked: true,
        quantity: 1,
      });
    }
    const used = await calls(eventId);
    expect(used.byRootField.bulkOperationRunMutation?.count).toBe(1);
    expect(used.byRootField.productSet).toBeUndefined();
    const one = (await call("GET", `/v1/events/${eventId}/items/T0007`)).body;
    expect(one.shopifyId).toBe(products.get(`${eventId}-T0007`)!.id);
    expect(typeof one.lastSynced).toBe("number");
    expect(one.shopifyPushedVersion).toBe(one.version);
    expect((await status(eventId)).syncMetadata).toMatchObject({ syncCount: 120, conflictCount: 0 });
  });

  it("lists a few items one call each, never twice, and pushes an edit made while modifiable", async () => {
    const { eventId } = await enabledEvent("few", 3);
    expect((await calls(eventId)).byRootField.productSet?.count).toBe(3);
    // Enabling again changes nothing and lists nothing again.
    expect((await call("PUT", `/v1/events/${eventId}/shopify`, { body: { enabled: true } })).status).toBe(200);
    await settled(eventId);
    expect((await calls(eventId)).byRootField.productSet?.count).toBe(3);

    const before = (await call("GET", `/v1/events/${eventId}/items/T0002`)).body;
    const patched = await call("PATCH", `/v1/events/${eventId}/items/T0002`, { body: { version: before.version, price: 4321, title: "Blue raincoat" } });
    expect(patched.status).toBe(200);
    await settled(eventId);
    const p = (await productsOf(eventId)).get(`${eventId}-T0002`)!;
    expect({ title: p.title, price: p.variants[0]!.price, quantity: p.variants[0]!.inventoryQuantity }).toEqual({ title: "Blue raincoat", price: "43.21", quantity: 1 });
    const after = (await call("GET", `/v1/events/${eventId}/items/T0002`)).body;
    expect(after.shopifyPushedVersion).toBe(patched.body.version);
    expect((await productsOf(eventId)).size).toBe(3);
  });
});

describe("webhook subscriptions", () => {
  // The reconcile of an enabled event runs this with `{PUBLIC_ORIGIN}/v1/shopify/webhooks` when
  // PUBLIC_ORIGIN is set (npm start sets it; the tests leave it empty so the emulator's deliveries
  // reach them through its app-config subscription instead).
  it("subscribes an address to every topic the sale listens to, once", async () => {
    const client = new ShopifyClient(shopifyConfig(env)!);
    // A closed port: no delivery could arrive; the subscriptions are deleted again below.
    const uri = `http://127.0.0.1:9/${unique("sub")}/v1/shopify/webhooks`;
    expect(await ensureWebhookSubscriptions(client, uri)).toEqual([...WEBHOOK_TOPICS]);
    expect(await ensureWebhookSubscriptions(client, uri)).toEqual([]);
    const listed = await client.request<{ webhookSubscriptions: { nodes: { id: string; topic: string; uri: string }[] } }>(WEBHOOK_SUBSCRIPTIONS, { uri });
    const mine = listed.webhookSubscriptions.nodes.filter((n) => n.uri === uri);
    expect(mine.map((n) => n.topic).sort()).toEqual([...WEBHOOK_TOPICS].sort());
    for (const { id } of mine) {
      const deleted = await client.request<{ webhookSubscriptionDelete: { deletedWebhookSubscriptionId: string | null } }>(
        `mutation Unsubscribe($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } } }`,
        { id },
      );
      expect(deleted.webhookSubscriptionDelete.deletedWebhookSubscriptionId).toBe(id);
    }
  });
});

describe("prices follow the running session", () => {
  it("shows a discount session's price while it runs, and the tag price again after", async () => {
    const { eventId } = await enabledEvent("disc", 3);
    const t2 = (await call("GET", `/v1/events/${eventId}/items/T0002`)).body;
    expect((await call("PATCH", `/v1/events/${eventId}/items/T0002`, { body: { version: t2.version, discountAllowed: false } })).status).toBe(200);
    await settled(eventId);
    const prices = async () => [...(await productsOf(eventId)).values()].map((p) => [p.variants[0]!.sku, p.variants[0]!.price]).sort();
    const expectPrices = (t1: string, t2: string, t3: string) =>
      vi.waitFor(async () => expect(await prices()).toEqual([[`${eventId}-T0001`, t1], [`${eventId}-T0002`, t2], [`${eventId}-T0003`, t3]]), {
        timeout: 10_000,
        interval: 25,
      });
    const created = await call("POST", `/v1/events/${eventId}/sessions`, { body: { id: "half", name: "Half price", startTime: 1, endTime: 2, discount: 5000 } });
    expect(created.status).toBe(201);
    expect((await call("POST", `/v1/events/${eventId}/sessions/half/start`)).status).toBe(200);
    // 1000 → 500, 1025 stays (its tag says full price), 1050 → 525.
    await expectPrices("5.00", "10.25", "5.25");
    expect((await call("POST", `/v1/events/${eventId}/sessions/half/complete`)).status).toBe(200);
    await expectPrices("10.00", "10.25", "10.50");
    await settled(eventId);
    // Our own price pushes are not Shopify-side edits.
    expect((await call("GET", `/v1/events/${eventId}/shopify/conflicts`)).body.conflicts).toEqual([]);
  });
});

describe("availability follows the registers", () => {
  it("sold → 0, voided → 1, held → 0, released → 1, transferred → 0", async () => {
    const { eventId, registerKey } = await enabledEvent("avail", 4);
    const at = (id: string, q: number) =>
      vi.waitFor(async () => expect(await quantityOf(eventId, id)).toBe(q), { timeout: 10_000, interval: 25 });
    await createSession(eventId, "s1");

    const sale = await checkout(eventId, "s1", registerKey, ["T0001"]);
    expect(sale.status).toBe(201);
    await at("T0001", 0);
    const voided = await call("POST", `/v1/events/${eventId}/sessions/s1/transactions/${sale.body.id}/void`, { key: registerKey, body: { reason: "wrong item" } });
    expect(voided.status).toBe(200);
    await at("T0001", 1);

    const hold = await call("POST", `/v1/events/${eventId}/sessions/s1/holds`, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["T0002"] } });
    expect(hold.status).toBe(201);
    await at("T0002", 0);
    expect((await call("DELETE", `/v1/events/${eventId}/sessions/s1/holds/h1`, { key: registerKey })).status).toBe(200);
    await at("T0002", 1);

    expect((await call("POST", `/v1/events/${eventId}/sessions/s1/complete`)).status).toBe(200);
    const t3 = (await call("GET", `/v1/events/${eventId}/items/T0003`)).body;
    expect((await call("PATCH", `/v1/events/${eventId}/items/T0003`, { body: { version: t3.version, status: "transfer" } })).status).toBe(200);
    await at("T0003", 0);
    await settled(eventId);
    expect(await quantityOf(eventId, "T0004")).toBe(1);
    expect((await status(eventId)).syncMetadata.conflictCount).toBe(0);
  });

  it("a hold consumed by its checkout leaves the item at 0, and its void offers it again", async () => {
    const { eventId, registerKey } = await enabledEvent("consume", 2);
    await createSession(eventId, "s1");
    expect((await call("POST", `/v1/events/${eventId}/sessions/s1/holds`, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["T0001"] } })).status).toBe(201);
    const sale = await checkout(eventId, "s1", registerKey, ["T0001"], { holdId: "h1" });
    expect(sale.status).toBe(201);
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/items/T0001`)).body.status).toBe("sold"), { timeout: 5000, interval: 20 });
    await settled(eventId);
    expect(await quantityOf(eventId, "T0001")).toBe(0);
    expect((await call("POST", `/v1/events/${eventId}/sessions/s1/transactions/${sale.body.id}/void`, { key: registerKey, body: { reason: "refund" } })).status).toBe(200);
    await vi.waitFor(async () => expect(await quantityOf(eventId, "T0001")).toBe(1), { timeout: 10_000, interval: 25 });
  });
});

describe("never twice", () => {
  it("a redelivered message and a retried call whose answer was lost apply once", async () => {
    const { eventId, registerKey } = await enabledEvent("twice", 2);
    await createSession(eventId, "s1");
    // The next availability call is applied by Shopify but its answer is lost (a 503 after it ran),
    // twice: the client retries with the same idempotency key and Shopify replays, not re-applies.
    await control("POST", "faults", { fail: { match: `consignment://${eventId}/`, status: 503, count: 2, when: "after" } });
    expect((await checkout(eventId, "s1", registerKey, ["T0001"])).status).toBe(201);
    await vi.waitFor(async () => expect(await quantityOf(eventId, "T0001")).toBe(0), { timeout: 10_000, interval: 25 });
    await settled(eventId);
    const used = await calls(`consignment://${eventId}/`);
    expect(used.byRootField.inventorySetQuantities?.count).toBeGreaterThanOrEqual(3);
    expect((await status(eventId)).syncMetadata.conflictCount).toBe(0);

    // The same message again, twice: nothing left to do, nothing sent.
    const before = (await calls(`consignment://${eventId}/`)).total;
    await env.SHOPIFY_SYNC_QUEUE.send({ v: 1, eventId, itemIds: ["T0001"] });
    await env.SHOPIFY_SYNC_QUEUE.send({ v: 1, eventId, itemIds: ["T0001"] });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await calls(`consignment://${eventId}/`)).total).toBe(before);
    expect(await quantityOf(eventId, "T0001")).toBe(0);
    expect(await quantityOf(eventId, "T0002")).toBe(1);
  });

  it("an older push acknowledged after a newer one sends the item again: Shopify may have applied them out of order", async () => {
    const { eventId } = await enabledEvent("late-ack", 1);
    const item = async () => (await call("GET", `/v1/events/${eventId}/items/T0001`)).body;
    const first = await item();
    expect((await call("PATCH", `/v1/events/${eventId}/items/T0001`, { body: { version: first.version, title: "Renamed rain boots" } })).status).toBe(200);
    await settled(eventId);
    const edited = await item();
    expect(edited.shopifyPushedVersion).toBeGreaterThan(first.shopifyPushedVersion);
    const productSets = (await calls(eventId)).byRootField.productSet?.count ?? 0;
    // The acknowledgement of the first listing's push arrives only now.
    const late = await env.INVENTORY.getByName(eventId).shopifyRecord({ pushed: [{ itemId: "T0001", seq: 1, pushedVersion: first.shopifyPushedVersion }], conflicts: [] });
    expect(late).toMatchObject({ ok: true, value: { done: 0, again: 1 } });
    // The newest data goes again, and the item is in step once more.
    await vi.waitFor(async () => expect((await calls(eventId)).byRootField.productSet?.count ?? 0).toBe(productSets + 1), { timeout: 10_000, interval: 25 });
    await settled(eventId);
    expect((await item()).shopifyPushedVersion).toBe(edited.shopifyPushedVersion);
    expect((await productsOf(eventId)).get(`${eventId}-T0001`)!.title).toBe("Renamed rain boots");
  });

  it("a stale compare of one item does not hold back the others of the same call: they reach Shopify at once", async () => {
    const { eventId, registerKey } = await enabledEvent("stale-one", 2);
    // Shopify already shows T0001 at 0 (as after an online order), so the call's compare from 1 goes stale for it.
    await setOnShopify(eventId, "T0001", 0);
    await createSession(eventId, "s1");
    const sold = Date.now();
    expect((await checkout(eventId, "s1", registerKey, ["T0001", "T0002"])).status).toBe(201);
    // Well before the outbox's resend delay (30 s): T0002 went again in a second call.
    await vi.waitFor(async () => expect(await quantityOf(eventId, "T0002")).toBe(0), { timeout: 5_000, interval: 25 });
    expect(Date.now() - sold).toBeLessThan(5_000);
    await settled(eventId);
    expect((await status(eventId)).syncMetadata.conflictCount).toBe(0);
  });

  it("a stale compare is recorded as a conflict with both quantities, and ours is pushed back from Shopify's", async () => {
    const { eventId, registerKey } = await enabledEvent("stale", 2);
    // Someone sets the quantity to 5 on Shopify's side.
    await setOnShopify(eventId, "T0001", 5);
    await createSession(eventId, "s1");
    expect((await checkout(eventId, "s1", registerKey, ["T0001"])).status).toBe(201);
    await vi.waitFor(async () => expect((await status(eventId)).syncMetadata.conflictCount).toBe(1), { timeout: 10_000, interval: 25 });
    const conflicts = (await call("GET", `/v1/events/${eventId}/shopify/conflicts`)).body.conflicts;
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ itemId: "T0001", kind: "quantity_stale", ours: { expected: 1, wanted: 0 }, theirs: { quantity: 5 }, action: "our quantity was pushed back to Shopify" });
    expect(typeof conflicts[0].resolvedAt).toBe("number");
    // Ours wins: compared against the 5 Shopify held, with a new idempotency key.
    await vi.waitFor(async () => expect(await quantityOf(eventId, "T0001")).toBe(0), { timeout: 10_000, interval: 25 });
    await settled(eventId);
    const s = await status(eventId);
    expect({ conflictCount: s.syncMetadata.conflictCount, openConflicts: s.openConflicts }).toEqual({ conflictCount: 1, openConflicts: 0 });
  });
});

describe("what Shopify refuses", () => {
  it("throttled hard, the listing paces itself and loses nothing", async () => {
    const eventId = unique("throttle");
    const items = Array.from({ length: 12 }, (_, i) => item(`T${i + 1}`, "c1", 900 + i));
    await seedEvent(eventId, items);
    await control("POST", "faults", { throttle: { match: eventId, maximumAvailable: 30, restoreRate: 15 } });
    expect((await call("PUT", `/v1/events/${eventId}/shopify`, { body: { enabled: true } })).status).toBe(200);
    await settled(eventId, 40_000);
    expect((await productsOf(eventId)).size).toBe(12);
    const used = await calls(eventId);
    expect(used.byOutcome.throttled ?? 0).toBeGreaterThan(0);
    // Each item listed once: the throttled attempts were refused whole and tried again.
    expect(used.byRootField.productSet!.count - (used.byOutcome.throttled ?? 0)).toBe(12);
    await control("DELETE", `faults?match=${encodeURIComponent(eventId)}`);
  });

  it("a bad token stops the sync with a visible error until the settings are saved again", async () => {
    const { eventId, registerKey } = await enabledEvent("token", 2);
    await createSession(eventId, "s1");
    // Availability calls of this event fail for now, so the hold below stays in the outbox.
    await control("POST", "faults", { fail: { match: `consignment://${eventId}/`, status: 503, count: 1000 } });
    expect((await call("POST", `/v1/events/${eventId}/sessions/s1/holds`, { key: registerKey, body: { id: "h1", registerId: "reg-1", items: ["T0002"] } })).status).toBe(201);
    await vi.waitFor(async () => expect((await status(eventId)).waiting).toBe(1), { timeout: 5000, interval: 20 });
    // The same consumer, configured with a token Shopify does not know.
    const handled: string[] = [];
    const message = { id: "m1", timestamp: new Date(), attempts: 1, body: { v: 1, eventId, itemIds: ["T0002"] }, ack: () => handled.push("ack"), retry: () => handled.push("retry") };
    const batch = { queue: "shopify-sync", messages: [message], ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
    await consumeShopifySync(batch, { ...env, SHOPIFY_ADMIN_TOKEN: "shpat_wrong" } as Env);
    expect(handled).toEqual(["ack"]);
    const stopped = await status(eventId);
    expect(stopped.stopped).toBe(true);
    expect(stopped.lastError.message).toMatch(/UNAUTHORIZED/);
    expect(await quantityOf(eventId, "T0002")).toBe(1);

    // A person fixes it and saves the settings again: the sync resumes and the hold reaches Shopify.
    await control("DELETE", `faults?match=${encodeURIComponent(`consignment://${eventId}/`)}`);
    expect((await call("PUT", `/v1/events/${eventId}/shopify`, { body: { enabled: true } })).status).toBe(200);
    const resumed = await call("POST", `/v1/events/${eventId}/shopify/sync`);
    expect(resumed.status).toBe(202);
    expect(typeof resumed.body.instanceId).toBe("string");
    await vi.waitFor(async () => expect(await quantityOf(eventId, "T0002")).toBe(0), { timeout: 15_000, interval: 50 });
    await settled(eventId);
    expect((await status(eventId)).stopped).toBe(false);
    await vi.waitFor(
      async () => expect((await call("GET", `/v1/events/${eventId}/shopify/sync/${resumed.body.instanceId}`)).body.status).toBe("complete"),
      { timeout: 15_000, interval: 50 },
    );
    expect((await call("GET", `/v1/events/other/shopify/sync/${resumed.body.instanceId}`)).status).toBe(404);
  });
});

describe("the documents the client sends", () => {
  it("each validates against Shopify's Admin schema 2026-10 and carries @idempotent where Shopify requires it", async () => {
    const { DOCUMENTS } = await import("../lib/shopify/documents");
    const { parse, visit } = await import("graphql");
    /** Fields of `query` that Shopify requires @idempotent on and that lack it. */
    const missingIdempotent = (query: string, required: string[]) => {
      const missing: string[] = [];
      visit(parse(query), {
        Field(node) {
          if (required.includes(node.name.value) && !node.directives?.some((d) => d.name.value === "idempotent")) missing.push(node.name.value);
        },
      });
      return missing;
    };
    let required: string[] = [];
    for (const [name, query] of Object.entries(DOCUMENTS)) {
      const checked = (await control("POST", "validate", { query })) as { errors: string[]; requiresIdempotent: string[] };
      expect(checked.errors, name).toEqual([]);
      required = checked.requiresIdempotent;
      expect(missingIdempotent(query, required), name).toEqual([]);
    }
    // Both checks can fail: the schema requires the key on inventorySetQuantities, a document
    // without it is caught, and an invalid document is refused.
    expect(required).toContain("inventorySetQuantities");
    const bare = "mutation S($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }";
    expect((await control("POST", "validate", { query: bare })).errors).toEqual([]);
    expect(missingIdempotent(bare, required)).toEqual(["inventorySetQuantities"]);
    expect((await control("POST", "validate", { query: "mutation { productSet(input: {}) { nonsense } }" })).errors.length).toBeGreaterThan(0);
  });
});
