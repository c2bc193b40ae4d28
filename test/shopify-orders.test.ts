// The online channel, inbound: webhooks verified and deduplicated, an online order as a sale of the
// event (refused at registers, paid to the consignor), a refund reversing it, and the double sale
// (register and online at once) paid once with the online order listed for refund. Orders are made
// on the emulator with its real mutations; the deliveries it records are handed to the Worker.
import { describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:test";
import { ShopifyClient } from "../lib/shopify/client";
import { shopifyConfig } from "../lib/shopify/config";
import { ensureWebhookSubscriptions, WEBHOOK_TOPICS } from "../lib/shopify/subscriptions";
import { verifyWebhook } from "../lib/shopify/webhooks";
import { call, checkout, createSession, expectError } from "./helpers";
import { EMULATOR, gql, hmac, SECRET, unique } from "./shopify-emulator-helpers";
import { enabledEvent, orderOnline, post, productsOf, refundLine, status, webhookSink } from "./shopify-helpers";

const { deliveries, deliver } = webhookSink(["ORDERS_CREATE", "ORDERS_CANCELLED", "REFUNDS_CREATE"]);

const statement = async (eventId: string, consignorId = "c1") => (await call("GET", `/v1/events/${eventId}/consignors/${consignorId}/statement`)).body;

describe("webhook intake", () => {
  it("verifies Shopify's signature before anything else: Shopify's library vector passes, a wrong one is 401 and changes nothing", async () => {
    // Source: Shopify/shopify-app-js tests (secret test_secret_key, body {"foo": "bar"}); the test run's secret is that one.
    const body = '{"foo": "bar"}';
    expect(SECRET).toBe("test_secret_key");
    expect(await verifyWebhook(SECRET, new TextEncoder().encode(body).buffer as ArrayBuffer, "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=")).toBe(true);
    const id = unique("wh");
    // A topic the sale does not read: signed right, so answered 200 (and dropped).
    const headers = { "Content-Type": "application/json", "X-Shopify-Topic": "shop/update", "X-Shopify-Webhook-Id": id, "X-Shopify-Event-Id": id };
    const good = await post({ headers: { ...headers, "X-Shopify-Hmac-Sha256": "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=" }, body });
    expect({ status: good.status, accepted: good.body.accepted }).toEqual({ status: 200, accepted: false });
    const forged = await post({ headers: { ...headers, "X-Shopify-Webhook-Id": `${id}-2`, "X-Shopify-Hmac-Sha256": await hmac("another secret", body) }, body });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("UNAUTHENTICATED");
    const unsigned = await post({ headers: { ...headers, "X-Shopify-Webhook-Id": `${id}-3` }, body });
    expect(unsigned.status).toBe(401);
    // The body changed after signing: refused.
    expect((await post({ headers: { ...headers, "X-Shopify-Webhook-Id": `${id}-4`, "X-Shopify-Hmac-Sha256": "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=" }, body: '{"foo": "baz"}' })).status).toBe(401);
    // No bearer key is needed, and one does not help a bad signature.
    expect((await post({ headers: { ...headers, "X-Shopify-Webhook-Id": `${id}-5`, Authorization: "Bearer test-admin-key" }, body })).status).toBe(401);
  });

  it("takes each delivery once: the same webhook id, or the same event under another id, is applied once", async () => {
    const { eventId } = await enabledEvent("dup", 1);
    const order = await orderOnline(eventId, "T0001", "11.00");
    const [created] = await deliveries("orders/create", `${eventId}-T0001`);
    // The same delivery three times, and the same event once more under another webhook id.
    for (const d of [created!, created!, created!]) expect((await post(d)).body).toEqual({ accepted: true });
    expect((await post(created!, { "X-Shopify-Webhook-Id": `${created!.webhookId}-other` })).status).toBe(200);
    await vi.waitFor(async () => expect((await statement(eventId)).totals.balance).toBe(660));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await statement(eventId)).items).toHaveLength(1);
    expect(order.name).toBeTruthy();
    // Seen once in D1: one row for the event key, whatever the copies.
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM shopify_webhooks WHERE event_key = ?")
      .bind(`orders/create:${created!.headers["X-Shopify-Event-Id"]}`)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});

describe("webhook subscriptions", () => {
  it("the app subscribes its endpoint to every topic it reads, once however often it runs", async () => {
    const uri = `${EMULATOR}/_emulator/sink/${unique("app")}`;
    const client = new ShopifyClient(shopifyConfig(env)!);
    expect((await ensureWebhookSubscriptions(client, uri)).sort()).toEqual([...WEBHOOK_TOPICS].sort());
    expect(await ensureWebhookSubscriptions(client, uri)).toEqual([]);
    const listed = await gql(`query($uri: String!) { webhookSubscriptions(first: 50, uri: $uri) { nodes { id topic } } }`, { uri });
    const nodes = listed.body.data.webhookSubscriptions.nodes as { id: string; topic: string }[];
    expect(nodes.map((n) => n.topic).sort()).toEqual([...WEBHOOK_TOPICS].sort());
    for (const { id } of nodes) await gql(`mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { userErrors { message } } }`, { id });
  });
});

describe("an online sale is a sale", () => {
  it("is refused at the registers, paid to the consignor as an online sale, and reversed by a refund", async () => {
    const { eventId, registerKey } = await enabledEvent("online", 3);
    await createSession(eventId, "s1");
    const order = await orderOnline(eventId, "T0001", "12.34");
    const [created] = await deliver("orders/create", `${eventId}-T0001`);
    // A redelivery of the same order changes nothing.
    expect((await post(created!, { "X-Shopify-Webhook-Id": `${created!.webhookId}-retry`, "X-Shopify-Event-Id": `${created!.webhookId}-retry` })).status).toBe(200);

    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/items/T0001`)).body.soldSessionId).toBe("online"));
    const refused = await checkout(eventId, "s1", registerKey, ["T0001"]);
    expectError(refused, 409, "ITEM_UNAVAILABLE");
    expect(refused.body.error.details.reasons).toEqual({ T0001: "sold_online" });
    await vi.waitFor(async () => {
      const s = await statement(eventId);
      expect(s.items).toEqual([expect.objectContaining({ itemId: "T0001", sessionId: "online", price: 1234, rate: 6000, commission: 740, voided: false })]);
      expect(s.totals.balance).toBe(740); // 60 % of $12.34, c1 is standard
    });
    // Reports count it, marked as online.
    const summary = (await call("GET", `/v1/events/${eventId}/reports/summary`)).body;
    expect(summary.online).toEqual({ transactionCount: 1, totalSales: 1234, voidCount: 0, refusedCount: 0 });

    await refundLine(order, "12.34");
    await deliver("refunds/create", `${eventId}-T0001`);
    await vi.waitFor(async () => expect((await statement(eventId)).totals.balance).toBe(0));
    // Back on the floor: the register can sell it now.
    await vi.waitFor(async () => expect((await checkout(eventId, "s1", registerKey, ["T0001"])).status).toBe(201));
  });

  it("a refund or a cancellation delivered before its order still wins: the late order sells nothing", async () => {
    // Shopify delivers at least once and in no set order: the refund of a line, or the order's
    // cancellation, can come before the order itself.
    const { eventId, registerKey } = await enabledEvent("early", 3);
    await createSession(eventId, "s1");
    const refunded = await orderOnline(eventId, "T0001", "12.00");
    await refundLine(refunded, "12.00");
    const cancelled = await orderOnline(eventId, "T0002", "9.00");
    const cancel = await gql(`mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refund: true) { orderCancelUserErrors { code } } }`, { id: cancelled.id });
    expect(cancel.body.data.orderCancel.orderCancelUserErrors).toEqual([]);
    const sent = [
      ...(await deliver("refunds/create", `${eventId}-T0001`)),
      ...(await deliver("orders/cancelled", `${eventId}-T0002`)),
      ...(await deliver("orders/create", `${eventId}-T0001`)),
      ...(await deliver("orders/create", `${eventId}-T0002`)),
    ];
    // Every delivery applied (a delivery is marked handled once its news is applied).
    await vi.waitFor(async () => {
      const ids = JSON.stringify(sent.map((d) => d.webhookId));
      const handled = await env.DB.prepare("SELECT COUNT(*) AS n FROM shopify_webhooks WHERE webhook_id IN (SELECT value FROM json_each(?))").bind(ids).first<{ n: number }>();
      expect(handled?.n).toBe(sent.length);
    });
    // Nothing sold: the consignor is owed nothing, the registers may sell both, reports count no online sale.
    const s = await statement(eventId);
    expect({ balance: s.totals.balance, items: s.items }).toEqual({ balance: 0, items: [] });
    expect((await call("GET", `/v1/events/${eventId}/reports/summary`)).body.online).toMatchObject({ transactionCount: 0, totalSales: 0 });
    expect((await checkout(eventId, "s1", registerKey, ["T0001", "T0002"])).status).toBe(201);
    await vi.waitFor(async () => expect((await statement(eventId)).items.map((i: { sessionId: string }) => i.sessionId)).toEqual(["s1", "s1"]));
  });

  it("an item sold online before a session starts is not loaded into it", async () => {
    const { eventId, registerKey } = await enabledEvent("presale", 2);
    await orderOnline(eventId, "T0002", "8.00");
    await deliver("orders/create", `${eventId}-T0002`);
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/items/T0002`)).body.status).toBe("sold"));
    await createSession(eventId, "s1");
    const refused = await checkout(eventId, "s1", registerKey, ["T0002"]);
    expectError(refused, 409, "ITEM_UNAVAILABLE");
    expect((await checkout(eventId, "s1", registerKey, ["T0001"])).status).toBe(201);
  });
});

describe("conflict rule 1: sold at a register and online at the same moment", () => {
  it("the register sale stands, the consignor is paid once, and the online order is listed for refund", async () => {
    const { eventId, registerKey } = await enabledEvent("double", 2);
    await createSession(eventId, "s1");
    const sale = await checkout(eventId, "s1", registerKey, ["T0001"]);
    expect(sale.status).toBe(201);
    // The shopper online was quicker than the zero: Shopify still sold it.
    const order = await orderOnline(eventId, "T0001", "10.00", "BYPASS");
    await deliver("orders/create", `${eventId}-T0001`);
    await vi.waitFor(async () => expect((await status(eventId)).syncMetadata.conflictCount).toBe(1));
    const conflicts = (await call("GET", `/v1/events/${eventId}/shopify/conflicts`)).body.conflicts;
    expect(conflicts[0]).toMatchObject({ itemId: "T0001", kind: "double_sale", ours: { status: "sold", transactionId: sale.body.id }, theirs: { orderId: expect.any(String), orderName: order.name } });
    expect(conflicts[0].action).toContain(order.name);
    await vi.waitFor(async () => expect((await statement(eventId)).totals.balance).toBe(600)); // 60 % of the register's $10.00, once
    expect((await statement(eventId)).items).toHaveLength(1);
    const item = (await call("GET", `/v1/events/${eventId}/items/T0001`)).body;
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/items/T0001`)).body.soldTransactionId).toBe(sale.body.id));
    expect(item.status).toBe("sold");

    // The organizer refunds the order on Shopify and marks the conflict done.
    expect((await status(eventId)).openConflicts).toBe(1);
    expectError(await call("POST", `/v1/events/${eventId}/shopify/conflicts/${conflicts[0].id}/resolve`, { body: {} }), 400, "VALIDATION_FAILED");
    const resolved = await call("POST", `/v1/events/${eventId}/shopify/conflicts/${conflicts[0].id}/resolve`, { body: { note: "refunded on Shopify" } });
    expect(resolved.status).toBe(200);
    expect(typeof resolved.body.resolvedAt).toBe("number");
    expect((await status(eventId)).openConflicts).toBe(0);
    expectError(await call("POST", `/v1/events/${eventId}/shopify/conflicts/999999/resolve`, { body: { note: "x" } }), 404, "NOT_FOUND");
  });
});

describe("a sale made offline and uploaded after its session ended, and the online channel", () => {
  it("whichever reaches the Inventory first has the item: an item sold online meanwhile refuses the late upload, and an order after the late sale is a double sale", async () => {
    const { eventId, registerKey } = await enabledEvent("lateon", 3);
    await createSession(eventId, "s1");
    expect((await call("POST", `/v1/events/${eventId}/sessions/s1/complete`)).status).toBe(200);
    const upload = (items: string[]) =>
      call("POST", `/v1/events/${eventId}/sessions/s1/transactions/batch`, {
        key: registerKey,
        body: { transactions: [{ id: crypto.randomUUID(), registerId: "reg-1", shopperCode: "S-1", items }] },
      });
    // Between sessions, an online order takes T0001 (the Inventory decides); the late upload of it is refused.
    await orderOnline(eventId, "T0001", "10.00");
    await deliver("orders/create", `${eventId}-T0001`);
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/items/T0001`)).body.status).toBe("sold"));
    const refused = (await upload(["T0001", "T0002"])).body.results[0];
    expect(refused).toMatchObject({ status: 409, error: { code: "ITEM_UNAVAILABLE", details: { items: ["T0001"], reasons: { T0001: "sold_online" } } } });
    expect((await call("GET", `/v1/events/${eventId}/items/T0002`)).body.status).toBe("locked");
    // The late sale of T0002 goes through, and Shopify's quantity follows to 0.
    const late = (await upload(["T0002"])).body.results[0];
    expect(late.status).toBe(201);
    await vi.waitFor(async () => expect((await productsOf(eventId)).get(`${eventId}-T0002`)!.variants[0]!.inventoryQuantity).toBe(0), { timeout: 10_000, interval: 100 });
    // An order for T0002 that Shopify still took (before the zero reached it) is a double sale: the register's sale stands.
    const order = await orderOnline(eventId, "T0002", "10.25", "BYPASS");
    await deliver("orders/create", `${eventId}-T0002`);
    await vi.waitFor(async () => expect((await status(eventId)).syncMetadata.conflictCount).toBe(1));
    const conflicts = (await call("GET", `/v1/events/${eventId}/shopify/conflicts`)).body.conflicts;
    expect(conflicts[0]).toMatchObject({ itemId: "T0002", kind: "double_sale", ours: { status: "sold", transactionId: late.id }, theirs: { orderName: order.name } });
    expect((await call("GET", `/v1/events/${eventId}/items/T0002`)).body.soldTransactionId).toBe(late.id);
  });
});

describe("the inbound reconcile", () => {
  it("makes the sale of an order whose webhook was lost, once, however often it runs", async () => {
    const { eventId, registerKey } = await enabledEvent("lost", 2);
    await createSession(eventId, "s1");
    await orderOnline(eventId, "T0002", "9.50");
    // No delivery reaches the Worker: the webhook was lost. The reconcile reads the order.
    for (let run = 0; run < 2; run++) {
      const started = await call("POST", `/v1/events/${eventId}/shopify/sync`);
      expect(started.status).toBe(202);
      await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/shopify/sync/${started.body.instanceId}`)).body.status).toBe("complete"), {
        timeout: 15_000,
        interval: 50,
      });
      const output = (await call("GET", `/v1/events/${eventId}/shopify/sync/${started.body.instanceId}`)).body.output;
      expect(output.orders).toBeGreaterThanOrEqual(1);
      expect(output.importedSales).toBe(run === 0 ? 1 : 0);
    }
    const refused = await checkout(eventId, "s1", registerKey, ["T0002"]);
    expect(refused.body.error.details.reasons).toEqual({ T0002: "sold_online" });
    await vi.waitFor(async () => expect((await statement(eventId, "c1")).totals.balance).toBe(570));
    // The webhook arriving after all changes nothing.
    await deliver("orders/create", `${eventId}-T0002`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await statement(eventId, "c1")).items).toHaveLength(1);
  });

  it("reads every line of a large order whose webhook was lost (more than the 25 a page of orders carries)", async () => {
    const { eventId } = await enabledEvent("biglost", 30);
    const products = await productsOf(eventId);
    const ids = Array.from({ length: 30 }, (_, i) => `T${String(i + 1).padStart(4, "0")}`);
    const lineItems = ids.map((id) => ({ variantId: products.get(`${eventId}-${id}`)!.variants[0]!.id, quantity: 1, priceSet: { shopMoney: { amount: "2.00", currencyCode: "USD" } } }));
    const made = await gql(`mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) { order { id } userErrors { message } } }`, { order: { lineItems, financialStatus: "PAID" } });
    expect(made.body.data.orderCreate.userErrors).toEqual([]);
    const started = await call("POST", `/v1/events/${eventId}/shopify/sync`);
    await vi.waitFor(async () => expect((await call("GET", `/v1/events/${eventId}/shopify/sync/${started.body.instanceId}`)).body.status).toBe("complete"), { timeout: 15_000, interval: 50 });
    expect((await call("GET", `/v1/events/${eventId}/shopify/sync/${started.body.instanceId}`)).body.output.importedSales).toBe(30);
    await vi.waitFor(async () => expect((await statement(eventId, "c1")).items).toHaveLength(30));
    expect((await call("GET", `/v1/events/${eventId}/items/T0030`)).body.soldSessionId).toBe("online");
  });
});
