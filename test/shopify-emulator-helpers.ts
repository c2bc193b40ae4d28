// Talking to the Shopify emulator from tests (inside workerd, over plain fetch): the Admin GraphQL
// endpoint exactly as the Worker calls it, and the emulator's control API.
import { env } from "cloudflare:test";
import { expect } from "vitest";

// These names are the Worker's Shopify configuration plus the test-only control origin,
// set in vitest.config.ts; wrangler.toml declares the Worker's own once it uses them.
const shopify = env as unknown as Record<"SHOPIFY_EMULATOR_ORIGIN" | "SHOPIFY_ADMIN_ORIGIN" | "SHOPIFY_ADMIN_TOKEN" | "SHOPIFY_WEBHOOK_SECRET" | "SHOPIFY_API_VERSION", string>;
export const EMULATOR = shopify.SHOPIFY_EMULATOR_ORIGIN;
export const SECRET = shopify.SHOPIFY_WEBHOOK_SECRET;
export const ADMIN_URL = `${shopify.SHOPIFY_ADMIN_ORIGIN}/admin/api/${shopify.SHOPIFY_API_VERSION}/graphql.json`;

export interface Gql {
  status: number;
  body: any;
}

export async function gql(query: string, variables: Record<string, unknown> = {}, options: { token?: string | null; url?: string } = {}): Promise<Gql> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const token = options.token === undefined ? shopify.SHOPIFY_ADMIN_TOKEN : options.token;
  if (token !== null) headers["X-Shopify-Access-Token"] = token;
  const res = await fetch(options.url ?? ADMIN_URL, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function control(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${EMULATOR}/_emulator/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status, `${method} /_emulator/${path}`).toBe(200);
  return res.json();
}

/** A string no other test uses (tests share one emulator and run in parallel files). */
export const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export async function primaryLocation(): Promise<string> {
  const r = await gql(`{ locations(first: 1) { nodes { id } } }`);
  return r.body.data.locations.nodes[0].id;
}

export const PRODUCT_SET = `mutation PushItem($identifier: ProductSetIdentifiers, $input: ProductSetInput!) {
  productSet(identifier: $identifier, input: $input, synchronous: true) {
    product { id variants(first: 1) { nodes { id sku price inventoryQuantity inventoryPolicy inventoryItem { id tracked } } } }
    userErrors { field message code }
  }
}`;

/** The mapping of one item (README, "Shopify"): one variant, sku, price, tracked, DENY, quantity at one location. */
export function itemInput(sku: string, price: string, quantity: number, locationId: string) {
  return {
    identifier: { customId: { namespace: "consignment", key: "item", value: sku.replace("-", "/") } },
    input: {
      title: `Item ${sku}`,
      status: "ACTIVE",
      productOptions: [{ name: "Title", values: [{ name: "Default Title" }] }],
      variants: [
        {
          sku,
          price,
          inventoryPolicy: "DENY",
          inventoryItem: { tracked: true },
          optionValues: [{ optionName: "Title", name: "Default Title" }],
          inventoryQuantities: [{ locationId, name: "available", quantity }],
        },
      ],
    },
  };
}

export interface Listed {
  productId: string;
  variantId: string;
  inventoryItemId: string;
  locationId: string;
}

/** Lists one item with quantity 1 (or `quantity`) and returns its ids. */
export async function listItem(sku: string, quantity = 1, price = "10.00"): Promise<Listed> {
  const locationId = await primaryLocation();
  const r = await gql(PRODUCT_SET, itemInput(sku, price, quantity, locationId));
  expect(r.body.data?.productSet?.userErrors, JSON.stringify(r.body)).toEqual([]);
  const product = r.body.data.productSet.product;
  const variant = product.variants.nodes[0];
  return { productId: product.id, variantId: variant.id, inventoryItemId: variant.inventoryItem.id, locationId };
}

export async function availableOf(sku: string): Promise<number> {
  const r = await gql(`query($q: String) { productVariants(first: 2, query: $q) { nodes { inventoryQuantity } } }`, { q: `sku:${sku}` });
  return r.body.data.productVariants.nodes[0].inventoryQuantity;
}

export const SET_QUANTITIES = `mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}`;

export function setAvailable(item: Listed, quantity: number, changeFromQuantity: number | null) {
  return { name: "available", reason: "correction", quantities: [{ inventoryItemId: item.inventoryItemId, locationId: item.locationId, quantity, changeFromQuantity }] };
}

export async function hmac(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return btoa(String.fromCharCode(...mac));
}

export async function subscribe(topic: string, uri: string): Promise<string> {
  const r = await gql(
    `mutation($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) { webhookSubscription { id } userErrors { field message } }
    }`,
    { topic, sub: { uri } },
  );
  expect(r.body.data.webhookSubscriptionCreate.userErrors).toEqual([]);
  return r.body.data.webhookSubscriptionCreate.webhookSubscription.id;
}
