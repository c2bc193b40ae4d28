// Shared by the Worker's Shopify tests: the emulator's view of an event, and an event listed on it.
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, expect, vi } from "vitest";
import { call, item, seedEvent } from "./helpers";
import { control, EMULATOR, gql, primaryLocation, subscribe, unique } from "./shopify-emulator-helpers";

export interface EmulatedVariant {
  id: string;
  sku: string | null;
  price: string;
  inventoryPolicy: string;
  tracked: boolean;
  inventoryQuantity: number;
  inventoryItemId: string;
}
export interface EmulatedProduct {
  id: string;
  title: string;
  status: string;
  metafields: { namespace: string; key: string; value: string }[];
  variants: EmulatedVariant[];
}

/** The emulator's products of one event, by SKU. */
export async function productsOf(eventId: string): Promise<Map<string, EmulatedProduct>> {
  const state = (await control("GET", `state?match=${encodeURIComponent(`${eventId}-`)}`)) as { products: EmulatedProduct[] };
  return new Map(state.products.filter((p) => p.variants[0]?.sku?.startsWith(`${eventId}-`)).map((p) => [p.variants[0]!.sku!, p]));
}

export async function quantityOf(eventId: string, itemId: string): Promise<number | undefined> {
  return (await productsOf(eventId)).get(`${eventId}-${itemId}`)?.variants[0]?.inventoryQuantity;
}

export const status = async (eventId: string) => (await call("GET", `/v1/events/${eventId}/shopify`)).body;

/** Waits until Shopify has acknowledged everything of the event. */
export async function settled(eventId: string, timeout = 20_000) {
  await vi.waitFor(
    async () => {
      const s = await status(eventId);
      expect({ unlisted: s.unlisted, waiting: s.waiting, lastError: s.lastError }).toEqual({ unlisted: 0, waiting: 0, lastError: null });
    },
    { timeout, interval: 50 },
  );
}

export const calls = async (match: string) => (await control("GET", `calls?match=${encodeURIComponent(match)}&limit=0`)) as {
  total: number;
  byRootField: Record<string, { count: number }>;
  byOutcome: Record<string, number>;
};

export async function enabledEvent(prefix: string, count: number, consignorOf: (index: number) => string = () => "c1") {
  const eventId = unique(prefix);
  const items = Array.from({ length: count }, (_, i) => item(`T${String(i + 1).padStart(4, "0")}`, consignorOf(i), 1000 + i * 25));
  const { registerKey } = await seedEvent(eventId, items);
  const put = await call("PUT", `/v1/events/${eventId}/shopify`, { body: { enabled: true } });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  await settled(eventId);
  return { eventId, items, registerKey };
}


// Online orders, made on the emulator with its real mutations; the webhook deliveries it records
// are handed to the Worker exactly as Shopify would post them.

export interface Delivery {
  seq: number;
  webhookId: string;
  topic: string;
  uri: string;
  headers: Record<string, string>;
  body: string;
}

const ORDER_CREATE = `mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) { order { id name lineItems(first: 5) { nodes { id sku } } } userErrors { code field message } }
}`;
const REFUND_CREATE = `mutation($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) { refund { id } userErrors { field message } }
}`;

export interface OnlineOrderMade {
  id: string;
  name: string;
  lineItems: { nodes: { id: string; sku: string }[] };
}

/** An order of one item on the emulator, paid. */
export async function orderOnline(eventId: string, itemId: string, price: string, behaviour = "DECREMENT_OBEYING_POLICY"): Promise<OnlineOrderMade> {
  const variant = (await productsOf(eventId)).get(`${eventId}-${itemId}`)!.variants[0]!.id;
  const r = await gql(ORDER_CREATE, {
    order: { lineItems: [{ variantId: variant, quantity: 1, priceSet: { shopMoney: { amount: price, currencyCode: "USD" } } }], financialStatus: "PAID" },
    options: { inventoryBehaviour: behaviour },
  });
  expect(r.body.data.orderCreate.userErrors).toEqual([]);
  return r.body.data.orderCreate.order as OnlineOrderMade;
}

/** Refunds the order's first line on the emulator (its amount as Shopify's decimal string). */
export async function refundLine(order: OnlineOrderMade, amount: string) {
  const refund = await gql(REFUND_CREATE, {
    key: unique("refund"),
    input: {
      orderId: order.id,
      refundLineItems: [{ lineItemId: order.lineItems.nodes[0]!.id, quantity: 1, restockType: "CANCEL", locationId: await primaryLocation() }],
      transactions: [{ orderId: order.id, amount, kind: "REFUND", gateway: "manual" }],
    },
  });
  expect(refund.body.data.refundCreate.userErrors).toEqual([]);
}

/** Hands a recorded delivery to the Worker exactly as Shopify would post it. */
export async function post(delivery: Pick<Delivery, "headers" | "body">, override: Record<string, string> = {}) {
  const response = await exports.default.fetch(
    new Request("http://pos.test/v1/shopify/webhooks", { method: "POST", headers: { ...delivery.headers, ...override }, body: delivery.body }),
  );
  return { status: response.status, body: (await response.json()) as any };
}

/**
 * A sink of this test file's own on the emulator, subscribed to `topics` for the file's tests:
 * `deliveries` reads what the emulator sent to it, `deliver` hands those to the Worker.
 */
export function webhookSink(topics: string[]) {
  const sink = unique("orders-sink");
  const subscriptions: string[] = [];
  beforeAll(async () => {
    for (const topic of topics) subscriptions.push(await subscribe(topic, `${EMULATOR}/_emulator/sink/${sink}`));
  });
  afterAll(async () => {
    for (const id of subscriptions) await gql(`mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { userErrors { message } } }`, { id });
  });
  /** The deliveries of `topic` whose body mentions `match`, as the emulator recorded them. */
  async function deliveries(topic: string, match: string): Promise<Delivery[]> {
    const found = await control("GET", `webhooks?topic=${encodeURIComponent(topic)}&match=${encodeURIComponent(match)}`);
    return (found.deliveries as Delivery[]).filter((d) => d.uri.includes(sink));
  }
  async function deliver(topic: string, match: string) {
    let found: Delivery[] = [];
    await vi.waitFor(async () => {
      found = await deliveries(topic, match);
      expect(found.length).toBeGreaterThan(0);
    });
    for (const d of found) expect((await post(d)).status).toBe(200);
    return found;
  }
  return { deliveries, deliver };
}
