// The Shopify emulator's orders, refunds, bulk operations, webhooks and fault knobs, as Shopify documents
// them (each test names its source). Webhook receivers are the emulator's own sink (`/_emulator/sink/…`).
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  availableOf, control, EMULATOR, gql, hmac, itemInput, listItem, primaryLocation, PRODUCT_SET, SECRET, SET_QUANTITIES, setAvailable, subscribe, unique, type Listed,
} from "./shopify-emulator-helpers";

const ORDER_CREATE = `mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) { order { id updatedAt lineItems(first: 5) { nodes { id sku quantity } } } userErrors { code field message } }
}`;
const order = (item: Listed, price = "10.00") => ({
  lineItems: [{ variantId: item.variantId, quantity: 1, priceSet: { shopMoney: { amount: price, currencyCode: "USD" } } }],
  financialStatus: "PAID",
});

interface Delivery {
  seq: number;
  webhookId: string;
  topic: string;
  uri: string;
  status: string;
  headers: Record<string, string>;
  body: string;
  triggeredAt: string;
  duplicateOf: number | null;
  attempts: { n: number; at: string; status?: number }[];
  subscriptionRemoved: boolean;
}

/** Recorded deliveries whose body contains `match`, sent to a URI containing `sink`. */
async function deliveries(match: string, sink: string, topic?: string): Promise<Delivery[]> {
  const found = await control("GET", `webhooks?match=${encodeURIComponent(match)}${topic ? `&topic=${topic}` : ""}`);
  return (found.deliveries as Delivery[]).filter((d) => d.uri.includes(sink));
}

const subscriptions: string[] = [];
async function sinkFor(topic: string, query = ""): Promise<string> {
  const path = unique("sink");
  subscriptions.push(await subscribe(topic, `${EMULATOR}/_emulator/sink/${path}${query}`));
  return path;
}
afterEach(async () => {
  for (const id of subscriptions.splice(0)) await gql(`mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { userErrors { message } } }`, { id });
});

describe("Shopify emulator: orders and refunds", () => {
  it("claims inventory per options.inventoryBehaviour: DECREMENT_OBEYING_POLICY refuses at 0 with DENY, BYPASS claims nothing", async () => {
    // Source: Admin schema 2026-10, enum OrderCreateInputsInventoryBehavior ("Follow the product's inventory policy and
    // claim inventory, if possible"; BYPASS "Do not claim inventory", the default) and OrderCreateUserErrorCode INVENTORY_CLAIM_FAILED.
    const sku = unique("ord");
    const item = await listItem(sku);
    const obeying = { inventoryBehaviour: "DECREMENT_OBEYING_POLICY" };
    const sold = await gql(ORDER_CREATE, { order: order(item), options: obeying });
    expect(sold.body.data.orderCreate.userErrors).toEqual([]);
    expect(sold.body.data.orderCreate.order.lineItems.nodes).toEqual([{ id: expect.stringMatching(/^gid:\/\/shopify\/LineItem\//), sku, quantity: 1 }]);
    expect(await availableOf(sku)).toBe(0);
    const refused = await gql(ORDER_CREATE, { order: order(item), options: obeying });
    expect(refused.body.data.orderCreate).toMatchObject({ order: null, userErrors: [{ code: "INVENTORY_CLAIM_FAILED" }] });
    const bypass = await gql(ORDER_CREATE, { order: order(item) });
    expect(bypass.body.data.orderCreate.userErrors).toEqual([]);
    expect(await availableOf(sku)).toBe(0);
  });

  it("finds orders by updated_at, restocks on refundCreate (with @idempotent) and restocks on orderCancel", async () => {
    // Source: QueryRoot.orders `query` (search syntax, updated_at); refundCreate (idempotency mandatory since 2026-04,
    // RefundLineItemRestockType CANCEL "Use this when restocking unfulfilled line items"); orderCancel(restock: true).
    const sku = unique("ref");
    const since = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const item = await listItem(sku, 2);
    const a = (await gql(ORDER_CREATE, { order: order(item), options: { inventoryBehaviour: "DECREMENT_OBEYING_POLICY" } })).body.data.orderCreate.order;
    const b = (await gql(ORDER_CREATE, { order: order(item), options: { inventoryBehaviour: "DECREMENT_OBEYING_POLICY" } })).body.data.orderCreate.order;
    expect(await availableOf(sku)).toBe(0);
    const found = await gql(`query($q: String) { orders(first: 10, query: $q) { nodes { id } } }`, { q: `sku:${sku} updated_at:>=${since}` });
    expect(found.body.data.orders.nodes.map((o: { id: string }) => o.id).sort()).toEqual([a.id, b.id].sort());
    const later = await gql(`query($q: String) { orders(first: 10, query: $q) { nodes { id } } }`, { q: `sku:${sku} updated_at:>=${new Date(Date.now() + 3_600_000).toISOString()}` });
    expect(later.body.data.orders.nodes).toEqual([]);

    const refund = `mutation($input: RefundInput!, $key: String!) { refundCreate(input: $input) @idempotent(key: $key) { refund { id refundLineItems(first: 5) { nodes { quantity restockType restocked } } } userErrors { field message } } }`;
    const input = { orderId: a.id, refundLineItems: [{ lineItemId: a.lineItems.nodes[0].id, quantity: 1, restockType: "CANCEL", locationId: item.locationId }], transactions: [{ orderId: a.id, amount: "10.00", kind: "REFUND", gateway: "manual" }] };
    const refunded = await gql(refund, { input, key: crypto.randomUUID() });
    expect(refunded.body.data.refundCreate.userErrors).toEqual([]);
    expect(refunded.body.data.refundCreate.refund.refundLineItems.nodes).toEqual([{ quantity: 1, restockType: "CANCEL", restocked: true }]);
    expect(await availableOf(sku)).toBe(1);
    const noKey = await gql(`mutation($input: RefundInput!) { refundCreate(input: $input) { userErrors { message } } }`, { input });
    expect(noKey.body.errors[0].extensions.code).toBe("BAD_REQUEST");

    const cancel = await gql(`mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refund: true) { orderCancelUserErrors { code } } }`, { id: b.id });
    expect(cancel.body.data.orderCancel.orderCancelUserErrors).toEqual([]);
    expect(await availableOf(sku)).toBe(2);
    const cancelled = await gql(`query($id: ID!) { order(id: $id) { cancelledAt cancelReason displayFinancialStatus } }`, { id: b.id });
    expect(cancelled.body.data.order).toMatchObject({ cancelReason: "CUSTOMER", displayFinancialStatus: "REFUNDED" });
  });
});

describe("Shopify emulator: webhooks", () => {
  it("signs like Shopify (the library's test vector) and sends every X-Shopify header with the REST payload", async () => {
    // Source: shopify.dev/docs/apps/build/webhooks/verify-deliveries (base64 HMAC-SHA256 of the raw body) and
    // …/delivery-structure (headers); test vector from Shopify/shopify-app-js: `{"foo": "bar"}` with `test_secret_key`.
    const vector = await fetch(`${EMULATOR}/_emulator/sign`, { method: "POST", body: '{"foo": "bar"}' });
    expect(SECRET).toBe("test_secret_key");
    expect(await vector.json()).toEqual({ hmac: "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=" });
    expect(await hmac(SECRET, '{"foo": "bar"}')).toBe("B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=");

    const sink = await sinkFor("ORDERS_CREATE");
    const sku = unique("wh");
    const item = await listItem(sku);
    const created = (await gql(ORDER_CREATE, { order: order(item, "10.00") })).body.data.orderCreate.order;
    const [d] = await vi.waitFor(async () => {
      const found = await deliveries(sku, sink, "orders/create");
      expect(found.map((x) => x.status)).toEqual(["delivered"]);
      return found;
    });
    expect(d!.headers).toMatchObject({
      "X-Shopify-Topic": "orders/create",
      "X-Shopify-Shop-Domain": expect.stringMatching(/\.myshopify\.com$/),
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": expect.any(String),
      "X-Shopify-Event-Id": expect.any(String),
      "X-Shopify-Triggered-At": expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      "X-Shopify-Hmac-Sha256": await hmac(SECRET, d!.body),
    });
    const payload = JSON.parse(d!.body);
    expect(payload).toMatchObject({ admin_graphql_api_id: created.id, id: Number(created.id.split("/").pop()), financial_status: "paid", updated_at: expect.any(String) });
    expect(payload.line_items).toEqual([
      expect.objectContaining({ id: Number(created.lineItems.nodes[0].id.split("/").pop()), variant_id: Number(item.variantId.split("/").pop()), sku, price: "10.00", quantity: 1 }),
    ]);
  });

  it("retries a delivery not answered 2xx, then gives up and removes the subscription", async () => {
    // Source: shopify.dev/docs/apps/build/webhooks (retries on failure, 8 times over 4 hours — here 3 quick retries
    // configured for tests — and removal of an Admin API subscription whose deliveries keep failing).
    const sink = await sinkFor("PRODUCTS_UPDATE", "?status=503");
    const sku = unique("retry");
    await listItem(sku);
    await listItem(sku, 1, "11.00"); // an update: products/update
    const [d] = await vi.waitFor(async () => {
      const found = await deliveries(sku, sink, "products/update");
      expect(found.map((x) => x.status)).toEqual(["failed"]);
      return found;
    });
    expect(d!.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
    expect(d!.subscriptionRemoved).toBe(true);
    const left = await gql(`{ webhookSubscriptions(first: 250, topics: [PRODUCTS_UPDATE]) { nodes { uri } } }`);
    expect(left.body.data.webhookSubscriptions.nodes.some((s: { uri: string }) => s.uri.includes(sink))).toBe(false);
  });

  it("duplicates, drops, delays and reorders deliveries when a scoped knob asks", async () => {
    // Source: shopify.dev/docs/apps/build/webhooks — deliveries are at least once and not ordered; the knobs make that happen.
    const sku = unique("knob");
    const item = await listItem(sku, 5);
    const sink = await sinkFor("INVENTORY_LEVELS_UPDATE");
    const change = async (to: number) => expect((await gql(SET_QUANTITIES, { input: setAvailable(item, to, null), key: crypto.randomUUID() })).body.data.inventorySetQuantities.userErrors).toEqual([]);
    const match = `"inventory_item_id":${item.inventoryItemId.split("/").pop()}`;

    await control("POST", "faults", { webhooks: { duplicate: 1, match } });
    await change(4);
    const dup = await vi.waitFor(async () => {
      const found = await deliveries(match, sink);
      expect(found.filter((d) => d.status === "delivered")).toHaveLength(2);
      return found;
    });
    expect(dup[1]!.duplicateOf).toBe(dup[0]!.seq);
    expect(dup[1]!.headers["X-Shopify-Webhook-Id"]).toBe(dup[0]!.headers["X-Shopify-Webhook-Id"]);

    await control("POST", "faults", { webhooks: { drop: 1, match } });
    await change(3);
    await control("POST", "faults", { webhooks: { delayMs: 150, reorder: 2, match } });
    await change(2);
    await change(1);
    const all = await vi.waitFor(async () => {
      const found = await deliveries(match, sink);
      expect(found.filter((d) => d.status === "delivered")).toHaveLength(4);
      return found;
    });
    const [dropped, earlier, later] = all.slice(2);
    expect(dropped!.status).toBe("dropped");
    expect(dropped!.attempts).toEqual([]);
    expect(JSON.parse(earlier!.body).available).toBe(2);
    expect(later!.attempts[0]!.n).toBeLessThan(earlier!.attempts[0]!.n); // the later event arrived first
    expect(Date.parse(earlier!.attempts[0]!.at) - Date.parse(earlier!.triggeredAt)).toBeGreaterThanOrEqual(150);
    await control("DELETE", `faults?match=${encodeURIComponent(match)}`);
  });
});

describe("Shopify emulator: API faults", () => {
  it("fails only matching calls, and a lost answer is recovered by replaying the idempotency key", async () => {
    // Source: the emulator's fault knobs; shopify.dev/docs/api/usage/implementing-idempotency — "Network retries with the
    // exact same parameters after a timeout or connection failure" reuse the key and do not apply twice.
    const sku = unique("fail");
    const item = await listItem(sku, 3);
    await control("POST", "faults", { fail: { count: 1, status: 503, match: sku } });
    const other = await gql(`{ shop { name } }`);
    expect(other.status).toBe(200);
    const failed = await gql(`query($q: String) { productVariants(first: 1, query: $q) { nodes { id } } }`, { q: `sku:${sku}` });
    expect(failed.status).toBe(503);
    expect(await availableOf(sku)).toBe(3);

    await control("POST", "faults", { fail: { count: 1, status: 502, when: "after", match: item.inventoryItemId } });
    const variables = { input: setAvailable(item, 1, 3), key: crypto.randomUUID() };
    expect((await gql(SET_QUANTITIES, variables)).status).toBe(502);
    expect(await availableOf(sku)).toBe(1); // applied although the answer was lost
    const retried = await gql(SET_QUANTITIES, variables);
    expect(retried.body.data.inventorySetQuantities.userErrors).toEqual([]);
    expect(await availableOf(sku)).toBe(1);
  });
});

/** A bulk result file (served as application/jsonl, which workerd would warn about reading with .text()). */
async function jsonl(url: string): Promise<any[]> {
  const text = new TextDecoder().decode(await (await fetch(url)).arrayBuffer());
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

describe("Shopify emulator: bulk operations", () => {
  it("lists N items from a staged JSONL with bulkOperationRunMutation, then exports them with bulkOperationRunQuery", async () => {
    // Source: shopify.dev/docs/api/usage/bulk-operations/imports (stagedUploadsCreate BULK_MUTATION_VARIABLES, form POST of
    // every parameter then the file, stagedUploadPath = the `key`, one result line per input line with __lineNumber,
    // bulk_operations/finish) and …/bulk-operations/queries (JSONL, nested nodes on their own lines with __parentId).
    const prefix = unique("bulk");
    const location = await primaryLocation();
    const sink = await sinkFor("BULK_OPERATIONS_FINISH");
    const N = 40;
    const staged = await gql(`mutation { stagedUploadsCreate(input: [{ resource: BULK_MUTATION_VARIABLES, filename: "items.jsonl", mimeType: "text/jsonl", httpMethod: POST }]) {
      stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`);
    const target = staged.body.data.stagedUploadsCreate.stagedTargets[0];
    const form = new FormData();
    for (const p of target.parameters as { name: string; value: string }[]) form.append(p.name, p.value);
    const lines = Array.from({ length: N }, (_, i) => JSON.stringify(itemInput(`${prefix}-${i}`, "3.00", 1, location)));
    form.append("file", new Blob([lines.join("\n")], { type: "text/jsonl" }), "items.jsonl");
    expect((await fetch(target.url, { method: "POST", body: form })).status).toBe(201);
    const path = target.parameters.find((p: { name: string }) => p.name === "key").value;

    const run = await gql(`mutation($mutation: String!, $path: String!) { bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path) { bulkOperation { id status } userErrors { code message } } }`, {
      mutation: PRODUCT_SET,
      path,
    });
    expect(run.body.data.bulkOperationRunMutation.userErrors).toEqual([]);
    const id = run.body.data.bulkOperationRunMutation.bulkOperation.id;
    const done = async (bulkId: string) =>
      vi.waitFor(async () => {
        const r = await gql(`query($id: ID!) { bulkOperation(id: $id) { status objectCount rootObjectCount url } }`, { id: bulkId });
        expect(r.body.data.bulkOperation.status).toBe("COMPLETED");
        return r.body.data.bulkOperation;
      });
    const imported = await done(id);
    expect(imported.objectCount).toBe(String(N));
    const results = await jsonl(imported.url);
    expect(results.map((r) => r.__lineNumber)).toEqual([...Array(N).keys()]);
    expect(results.every((r) => r.data.productSet.userErrors.length === 0 && r.data.productSet.product.id)).toBe(true);
    const listed = await gql(`query($q: String) { productVariants(first: 250, query: $q) { nodes { sku inventoryQuantity } } }`, { q: `sku:${prefix}-*` });
    expect(listed.body.data.productVariants.nodes).toHaveLength(N);
    const [finish] = await vi.waitFor(async () => {
      const found = await deliveries(id, sink, "bulk_operations/finish");
      expect(found).toHaveLength(1);
      return found;
    });
    expect(JSON.parse(finish!.body)).toMatchObject({ admin_graphql_api_id: id, status: "completed", type: "mutation" });

    const query = `{ products(query: "sku:${prefix}-*") { edges { node { id title variants { edges { node { id sku inventoryQuantity } } } } } } }`;
    const exported = await gql(`mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { code message } } }`, { q: query });
    expect(exported.body.data.bulkOperationRunQuery.userErrors).toEqual([]);
    const queried = await done(exported.body.data.bulkOperationRunQuery.bulkOperation.id);
    expect(queried).toMatchObject({ objectCount: String(2 * N), rootObjectCount: String(N) });
    const rows = await jsonl(queried.url);
    const products = new Set(rows.filter((r) => !r.__parentId).map((r) => r.id));
    const variants = rows.filter((r) => r.__parentId);
    expect(products.size).toBe(N);
    expect(variants).toHaveLength(N);
    expect(variants.every((v) => products.has(v.__parentId) && v.sku.startsWith(prefix) && v.inventoryQuantity === 1)).toBe(true);
  });
});
