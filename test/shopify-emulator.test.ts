// The Shopify emulator answers as Shopify's Admin GraphQL API 2026-10 documents. Each test names the
// documentation it pins. The emulator runs in Node (test/shopify-emulator.global-setup.ts); these
// tests reach it over HTTP from workerd, as the Worker does.
import { describe, expect, it } from "vitest";
import { ADMIN_URL, availableOf, control, gql, listItem, PRODUCT_SET, itemInput, primaryLocation, SET_QUANTITIES, setAvailable, unique } from "./shopify-emulator-helpers";

describe("Shopify emulator: requests", () => {
  it("answers a document the Admin schema 2026-10 rejects with HTTP 200 and errors, and runs nothing", async () => {
    // Source: Admin schema 2026-10 (Shop has no field `nope`); shopify.dev/docs/api/admin-graphql "Status and error codes":
    // GraphQL errors come back with 200 OK and an `errors` array.
    const r = await gql(`{ shop { nope } }`);
    expect(r.status).toBe(200);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors[0]).toMatchObject({ message: "Field 'nope' doesn't exist on type 'Shop'", extensions: { code: "undefinedField" } });
    const wrongArgument = await gql(`mutation { productSet(input: { title: 3, variantz: [] }) { userErrors { message } } }`);
    expect(wrongArgument.status).toBe(200);
    expect(wrongArgument.body.errors.length).toBeGreaterThan(0);
  });

  it("refuses a missing or wrong access token with 401 and Shopify's body", async () => {
    // Source: shopify.dev/docs/api/admin-graphql#authentication (X-Shopify-Access-Token); 401 body as the Admin API sends it.
    for (const token of [null, "shpat_wrong"]) {
      const r = await gql(`{ shop { name } }`, {}, { token });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
  });

  it("serves only the pinned API version", async () => {
    // Source: shopify.dev/docs/api/usage/versioning — the version is part of the URL; the emulator serves 2026-10 only.
    const r = await gql(`{ shop { name } }`, {}, { url: ADMIN_URL.replace("2026-10", "2026-07") });
    expect(r.status).toBe(404);
  });

  it("charges a connection 2 plus its page size and reports the bucket in extensions.cost", async () => {
    // Source: shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits ("Cost calculation", "throttleStatus").
    const r = await gql(`{ products(first: 10) { edges { node { id } } } }`);
    expect(r.body.extensions.cost.requestedQueryCost).toBe(12);
    expect(r.body.extensions.cost.actualQueryCost).toBeLessThanOrEqual(12);
    expect(r.body.extensions.cost.throttleStatus).toMatchObject({ maximumAvailable: 2000, restoreRate: 100 });
    expect(r.body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThanOrEqual(2000);
    const unpaged = await gql(`{ products { edges { node { id } } } }`);
    expect(unpaged.body.errors[0]).toMatchObject({ message: "you must provide one of first or last", path: ["products"] });
  });
});

describe("Shopify emulator: productSet and reads", () => {
  it("upserts by customId: the same item pushed twice is one product, updated", async () => {
    // Source: shopify.dev/docs/api/admin-graphql/2026-10/mutations/productSet (identifier.customId) and the changelog
    // "productSet and customerSet mutations now support upserts".
    const sku = unique("up");
    const first = await listItem(sku, 1, "12.50");
    const location = await primaryLocation();
    const again = await gql(PRODUCT_SET, itemInput(sku, "13", 1, location));
    expect(again.body.data.productSet.userErrors).toEqual([]);
    expect(again.body.data.productSet.product.id).toBe(first.productId);
    expect(again.body.data.productSet.product.variants.nodes[0]).toMatchObject({ id: first.variantId, sku, price: "13.00", inventoryPolicy: "DENY", inventoryItem: { tracked: true } });
    const products = await gql(`query($q: String) { products(first: 5, query: $q) { nodes { id } } }`, { q: `sku:${sku}` });
    expect(products.body.data.products.nodes).toEqual([{ id: first.productId }]);
    const variants = await gql(`query($q: String) { productVariants(first: 5, query: $q) { nodes { sku price inventoryQuantity product { id } inventoryItem { id } } } }`, { q: `sku:${sku}` });
    expect(variants.body.data.productVariants.nodes).toEqual([{ sku, price: "13.00", inventoryQuantity: 1, product: { id: first.productId }, inventoryItem: { id: first.inventoryItemId } }]);
  });

  it("deletes list entries left out of productSet and refuses variants without options", async () => {
    // Source: productSet doc — "For list fields: … deletes existing entries that aren't included in the mutation's input";
    // ProductSetUserErrorCode PRODUCT_OPTIONS_INPUT_MISSING ("Must specify product options when updating variants.").
    const sku = unique("list");
    const location = await primaryLocation();
    const two = itemInput(sku, "5.00", 1, location);
    two.input.productOptions = [{ name: "Size", values: [{ name: "S" }, { name: "M" }] }];
    two.input.variants = ["S", "M"].map((size) => ({ ...two.input.variants[0]!, sku: `${sku}-${size}`, optionValues: [{ optionName: "Size", name: size }] }));
    const created = await gql(PRODUCT_SET.replace("variants(first: 1)", "variants(first: 5)"), two);
    expect(created.body.data.productSet.product.variants.nodes.map((v: { sku: string }) => v.sku)).toEqual([`${sku}-S`, `${sku}-M`]);
    two.input.variants = [two.input.variants[1]!];
    two.input.productOptions = [{ name: "Size", values: [{ name: "M" }] }];
    const updated = await gql(PRODUCT_SET.replace("variants(first: 1)", "variants(first: 5)"), two);
    expect(updated.body.data.productSet.product.variants.nodes.map((v: { sku: string }) => v.sku)).toEqual([`${sku}-M`]);
    const { productOptions: _omitted, ...noOptions } = two.input;
    const refused = await gql(PRODUCT_SET, { identifier: two.identifier, input: noOptions });
    expect(refused.body.data.productSet.userErrors[0]).toMatchObject({ code: "PRODUCT_OPTIONS_INPUT_MISSING" });
  });

  it("deletes a product (productDelete) and reads one by id (product, node)", async () => {
    // Source: Admin schema 2026-10 — productDelete(input: {id}) returns deletedProductId; QueryRoot.product / node.
    const item = await listItem(unique("del"));
    const read = await gql(`query($id: ID!) { product(id: $id) { id } node(id: $id) { ... on Product { id } } }`, { id: item.productId });
    expect(read.body.data).toEqual({ product: { id: item.productId }, node: { id: item.productId } });
    const deleted = await gql(`mutation($id: ID!) { productDelete(input: { id: $id }) { deletedProductId userErrors { message } } }`, { id: item.productId });
    expect(deleted.body.data.productDelete).toEqual({ deletedProductId: item.productId, userErrors: [] });
    expect((await gql(`query($id: ID!) { product(id: $id) { id } }`, { id: item.productId })).body.data.product).toBeNull();
  });

  it("updates a variant's price with productVariantsBulkUpdate and refuses a variant of another product", async () => {
    // Source: shopify.dev/docs/api/admin-graphql/2026-10/mutations/productVariantsBulkUpdate.
    const a = await listItem(unique("bulkupd"));
    const b = await listItem(unique("bulkupd"));
    const q = `mutation($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
      productVariantsBulkUpdate(productId: $productId, variants: $variants) { productVariants { price } userErrors { code field } } }`;
    const ok = await gql(q, { productId: a.productId, variants: [{ id: a.variantId, price: "7.25" }] });
    expect(ok.body.data.productVariantsBulkUpdate).toEqual({ productVariants: [{ price: "7.25" }], userErrors: [] });
    const wrong = await gql(q, { productId: a.productId, variants: [{ id: b.variantId, price: "1.00" }] });
    expect(wrong.body.data.productVariantsBulkUpdate.userErrors[0].code).toBe("PRODUCT_VARIANT_DOES_NOT_EXIST");
  });
});

describe("Shopify emulator: inventory quantities (2026-04 and later)", () => {
  it("refuses a stale changeFromQuantity with CHANGE_FROM_QUANTITY_STALE and changes nothing", async () => {
    // Source: shopify.dev/docs/api/admin-graphql/2026-10/input-objects/InventoryQuantityInput (changeFromQuantity, compare-and-swap).
    const sku = unique("cas");
    const item = await listItem(sku);
    const r = await gql(SET_QUANTITIES, { input: setAvailable(item, 0, 5), key: crypto.randomUUID() });
    expect(r.body.data.inventorySetQuantities.inventoryAdjustmentGroup).toBeNull();
    expect(r.body.data.inventorySetQuantities.userErrors).toEqual([
      { code: "CHANGE_FROM_QUANTITY_STALE", field: ["input", "quantities", "0", "changeFromQuantity"], message: expect.any(String) },
    ]);
    expect(await availableOf(sku)).toBe(1);
    const ok = await gql(SET_QUANTITIES, { input: setAvailable(item, 0, 1), key: crypto.randomUUID() });
    expect(ok.body.data.inventorySetQuantities.inventoryAdjustmentGroup.changes).toContainEqual({ name: "available", delta: -1, quantityAfterChange: 0 });
    expect(await availableOf(sku)).toBe(0);
  });

  it("skips the compare when changeFromQuantity is null, and refuses it left out", async () => {
    // Source: InventoryQuantityInput.changeFromQuantity — "To skip the CAS check, pass null … This field is mandatory:
    // you must explicitly pass in a value, even if that value is null, or the mutation returns an error."
    const sku = unique("null");
    const item = await listItem(sku, 4);
    const skipped = await gql(SET_QUANTITIES, { input: setAvailable(item, 2, null), key: crypto.randomUUID() });
    expect(skipped.body.data.inventorySetQuantities.userErrors).toEqual([]);
    expect(await availableOf(sku)).toBe(2);
    const { changeFromQuantity: _left, ...row } = setAvailable(item, 1, null).quantities[0]!;
    const missing = await gql(SET_QUANTITIES, { input: { name: "available", reason: "correction", quantities: [row] }, key: crypto.randomUUID() });
    expect(missing.body.errors[0]).toMatchObject({ message: "InventoryQuantityInput must include the following argument: changeFromQuantity.", path: ["inventorySetQuantities"] });
    expect(await availableOf(sku)).toBe(2);
  });

  it("refuses an inventory mutation without @idempotent", async () => {
    // Source: changelog "Making idempotency mandatory for inventory adjustments and refund mutations" (2026-04):
    // "calling these mutations without an idempotency directive will result in an error at runtime."
    const sku = unique("nokey");
    const item = await listItem(sku);
    for (const [field, input] of [
      ["inventorySetQuantities(input: $input)", setAvailable(item, 3, null)],
      ["inventoryAdjustQuantities(input: $adjust)", null],
    ] as const) {
      const adjust = { name: "available", reason: "correction", changes: [{ inventoryItemId: item.inventoryItemId, locationId: item.locationId, delta: 2, changeFromQuantity: null }] };
      const q = input
        ? `mutation($input: InventorySetQuantitiesInput!) { ${field} { userErrors { code } } }`
        : `mutation($adjust: InventoryAdjustQuantitiesInput!) { ${field} { userErrors { code } } }`;
      const r = await gql(q, input ? { input } : { adjust });
      expect(r.body.errors[0]).toMatchObject({ message: "The @idempotent directive is required for this mutation but was not provided.", extensions: { code: "BAD_REQUEST" } });
    }
    expect(await availableOf(sku)).toBe(1);
  });

  it("replays the same key with the same variables without applying again, and refuses it with other variables", async () => {
    // Source: shopify.dev/docs/api/usage/implementing-idempotency — duplicate requests reuse the key and get the original
    // result; InventorySetQuantitiesUserErrorCode IDEMPOTENCY_KEY_PARAMETER_MISMATCH for the same key with other parameters.
    const sku = unique("idem");
    const item = await listItem(sku, 5);
    const key = crypto.randomUUID();
    const adjust = `mutation($input: InventoryAdjustQuantitiesInput!, $key: String!) {
      inventoryAdjustQuantities(input: $input) @idempotent(key: $key) { inventoryAdjustmentGroup { id } userErrors { code } } }`;
    const input = { name: "available", reason: "correction", changes: [{ inventoryItemId: item.inventoryItemId, locationId: item.locationId, delta: -2, changeFromQuantity: null }] };
    const first = await gql(adjust, { input, key });
    const replay = await gql(adjust, { input, key });
    expect(replay.body.data).toEqual(first.body.data);
    expect(first.body.data.inventoryAdjustQuantities.inventoryAdjustmentGroup.id).toMatch(/^gid:\/\/shopify\/InventoryAdjustmentGroup\//);
    expect(await availableOf(sku)).toBe(3);
    const other = await gql(adjust, { input: { ...input, changes: [{ ...input.changes[0], delta: -1 }] }, key });
    expect(other.body.data.inventoryAdjustQuantities).toEqual({ inventoryAdjustmentGroup: null, userErrors: [{ code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" }] });
    expect(await availableOf(sku)).toBe(3);
  });
});

describe("Shopify emulator: rate limit", () => {
  it("throttles over budget with THROTTLED in a 200 body, applies nothing, and recovers at the restore rate", async () => {
    // Source: shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits (leaky bucket, throttleStatus); THROTTLED comes
    // in the body (errors[].extensions.code). A scoped throttle knob gives this test a bucket of 12 points, 10 per second.
    const sku = unique("thr");
    const item = await listItem(sku, 1, "10.00");
    await control("POST", "faults", { throttle: { maximumAvailable: 12, restoreRate: 10, match: sku } });
    const location = await primaryLocation();
    const first = await gql(PRODUCT_SET, itemInput(sku, "11.00", 1, location));
    expect(first.body.data.productSet.userErrors).toEqual([]);
    const throttled = await gql(PRODUCT_SET, itemInput(sku, "12.00", 1, location));
    expect(throttled.status).toBe(200);
    expect(throttled.body.errors).toEqual([{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }]);
    expect(throttled.body.extensions.cost).toMatchObject({ requestedQueryCost: 11, actualQueryCost: null, throttleStatus: { maximumAvailable: 12, restoreRate: 10 } });
    const available = throttled.body.extensions.cost.throttleStatus.currentlyAvailable;
    expect(available).toBeLessThan(11);
    const variants = await gql(`query($id: ID!) { product(id: $id) { variants(first: 1) { nodes { price } } } }`, { id: item.productId });
    expect(variants.body.data.product.variants.nodes[0].price).toBe("11.00");
    await new Promise((r) => setTimeout(r, ((11 - available) / 10) * 1000 + 100));
    const later = await gql(PRODUCT_SET, itemInput(sku, "12.00", 1, location));
    expect(later.body.data.productSet.product.variants.nodes[0].price).toBe("12.00");
    const calls = await control("GET", `calls?match=${sku}&limit=0`);
    expect(calls.byOutcome).toMatchObject({ ok: 3, throttled: 1 });
    await control("DELETE", `faults?match=${sku}`);
  });
});
