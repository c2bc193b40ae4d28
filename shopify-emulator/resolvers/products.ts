// Catalog reads (`products`, `product`, `productVariants`, …) and the catalog mutations other than productSet.
import { idOf, isoNow, parseMoney, gid } from "../ids.ts";
import { productPayload } from "../payloads.ts";
import type { Product, Shop, Variant } from "../shop.ts";
import { searchFilter, type SearchFields } from "../search.ts";
import { productView, variantView } from "./catalog-views.ts";
import { connection, type PageArgs } from "./connection.ts";
import type { Context, UserError } from "./context.ts";
import { findByCustomId, notImplemented, productOperationView, productSet } from "./product-set.ts";

type Search = PageArgs & { query?: string | null; sortKey?: string };

function productFields(shop: Shop): SearchFields<Product> {
  const skus = (p: Product) => shop.variantsOf(p).map((v) => shop.items.get(v.inventoryItemId)?.sku ?? null);
  return {
    default: { kind: "string", get: (p) => `${p.title} ${p.handle} ${p.vendor} ${p.tags.join(" ")} ${skus(p).join(" ")}` },
    id: { kind: "id", get: (p) => p.id },
    title: { kind: "string", get: (p) => p.title },
    handle: { kind: "string", get: (p) => p.handle },
    sku: { kind: "string", get: skus },
    status: { kind: "string", get: (p) => p.status },
    tag: { kind: "string", get: (p) => p.tags },
    vendor: { kind: "string", get: (p) => p.vendor },
    product_type: { kind: "string", get: (p) => p.productType },
    created_at: { kind: "date", get: (p) => p.createdAt },
    updated_at: { kind: "date", get: (p) => p.updatedAt },
  };
}

function variantFields(shop: Shop): SearchFields<Variant> {
  const sku = (v: Variant) => shop.items.get(v.inventoryItemId)?.sku ?? null;
  const product = (v: Variant) => shop.products.get(v.productId);
  return {
    default: { kind: "string", get: (v) => `${v.title} ${sku(v) ?? ""} ${product(v)?.title ?? ""}` },
    id: { kind: "id", get: (v) => v.id },
    sku: { kind: "string", get: sku },
    barcode: { kind: "string", get: (v) => v.barcode },
    title: { kind: "string", get: (v) => v.title },
    product_id: { kind: "id", get: (v) => v.productId },
    product_status: { kind: "string", get: (v) => product(v)?.status },
    inventory_quantity: { kind: "number", get: (v) => shop.availableOf(v) },
    created_at: { kind: "date", get: (v) => v.createdAt },
    updated_at: { kind: "date", get: (v) => v.updatedAt },
  };
}

function productSortKey(sortKey: string | undefined): (p: Product) => unknown[] {
  switch (sortKey) {
    case "TITLE":
      return (p) => [p.title.toLowerCase(), p.id];
    case "UPDATED_AT":
      return (p) => [p.updatedAt, p.id];
    case "CREATED_AT":
      return (p) => [p.createdAt, p.id];
    default:
      return (p) => [p.id];
  }
}

export const productQueries = {
  products(args: Search, ctx: Context) {
    const { shop } = ctx;
    const filter = searchFilter(args.query, productFields(shop));
    const records = [...shop.products.values()].filter((p) => !filter || filter(p));
    return connection(ctx, "products", records, args, productSortKey(args.sortKey), (p) => productView(shop, p));
  },
  product({ id }: { id: string }, ctx: Context) {
    const p = ctx.shop.products.get(idOf("Product", id) ?? -1);
    return p ? productView(ctx.shop, p) : null;
  },
  productByIdentifier({ identifier }: { identifier: { id?: string; handle?: string; customId?: { namespace?: string; key: string; value: string } } }, ctx: Context) {
    const { shop } = ctx;
    const p = identifier.id
      ? shop.products.get(idOf("Product", identifier.id) ?? -1)
      : identifier.handle
        ? shop.productByHandle(identifier.handle)
        : identifier.customId
          ? findByCustomId(shop, identifier.customId)
          : undefined;
    return p ? productView(shop, p) : null;
  },
  productOperation({ id }: { id: string }, ctx: Context) {
    return productOperationView(ctx, idOf("ProductSetOperation", id) ?? -1);
  },
  productVariants(args: Search, ctx: Context) {
    const { shop } = ctx;
    const filter = searchFilter(args.query, variantFields(shop));
    // `sku:X` alone (the sync's lookup) is answered from the SKU index; anything else scans.
    const sku = /^\s*sku:(?:"([^"*]+)"|'([^'*]+)'|([^\s*()'"]+))\s*$/.exec(args.query ?? "");
    const candidates = sku ? shop.variantsBySku(sku[1] ?? sku[2] ?? sku[3]!) : shop.variants.values();
    const records = [...candidates].filter((v) => !filter || filter(v));
    const skuOf = (v: Variant) => shop.items.get(v.inventoryItemId)?.sku ?? "";
    const key =
      args.sortKey === "SKU" ? (v: Variant) => [skuOf(v), v.id] : args.sortKey === "TITLE" ? (v: Variant) => [v.title, v.id] : (v: Variant) => [v.id];
    return connection(ctx, "productVariants", records, args, key, (v) => variantView(shop, v));
  },
  productVariant({ id }: { id: string }, ctx: Context) {
    const v = ctx.shop.variants.get(idOf("ProductVariant", id) ?? -1);
    return v ? variantView(ctx.shop, v) : null;
  },
};

interface BulkVariantInput {
  id?: string | null;
  price?: string | null;
  compareAtPrice?: string | null;
  barcode?: string | null;
  taxable?: boolean | null;
  inventoryPolicy?: Variant["inventoryPolicy"] | null;
  inventoryItem?: { sku?: string | null; tracked?: boolean | null; requiresShipping?: boolean | null } | null;
  inventoryQuantities?: unknown[] | null;
  [other: string]: unknown;
}

const BULK_UPDATE_SUPPORTED = new Set(["id", "price", "compareAtPrice", "barcode", "taxable", "inventoryPolicy", "inventoryItem", "inventoryQuantities"]);

export const productMutations = {
  productSet,

  productDelete({ input }: { input: { id: string } }, ctx: Context) {
    const { shop } = ctx;
    const p = shop.products.get(idOf("Product", input.id) ?? -1);
    if (!p) return { deletedProductId: null, productDeleteOperation: null, shop: {}, userErrors: [{ field: ["id"], message: "Product does not exist" }] };
    shop.deleteProduct(p);
    ctx.services.emit("products/delete", { id: p.id });
    return { deletedProductId: gid("Product", p.id), productDeleteOperation: null, shop: { __typename: "Shop", id: gid("Shop", shop.id) }, userErrors: [] };
  },

  /** shopify.dev/docs/api/admin-graphql/latest/mutations/productVariantsBulkUpdate: all or nothing unless allowPartialUpdates. */
  productVariantsBulkUpdate(args: { productId: string; variants: BulkVariantInput[]; allowPartialUpdates?: boolean }, ctx: Context) {
    const { shop } = ctx;
    const product = shop.products.get(idOf("Product", args.productId) ?? -1);
    if (!product) {
      return { product: null, productVariants: null, userErrors: [{ code: "PRODUCT_DOES_NOT_EXIST", field: ["productId"], message: "Product does not exist" }] };
    }
    const errors: UserError[] = [];
    const valid: { variant: Variant; input: BulkVariantInput }[] = [];
    args.variants.forEach((input, i) => {
      for (const key of Object.keys(input)) if (!BULK_UPDATE_SUPPORTED.has(key)) throw notImplemented(`productVariantsBulkUpdate variants.${key}`);
      const at = (f: string) => ["variants", String(i), f];
      const before = errors.length;
      const variant = input.id ? shop.variants.get(idOf("ProductVariant", input.id) ?? -1) : undefined;
      if (!input.id) errors.push({ code: "PRODUCT_VARIANT_ID_MISSING", field: at("id"), message: "Product variant is missing ID attribute." });
      else if (!variant || variant.productId !== product.id) errors.push({ code: "PRODUCT_VARIANT_DOES_NOT_EXIST", field: at("id"), message: "Product variant does not exist." });
      if (input.price != null && (parseMoney(input.price) ?? -1) < 0) {
        errors.push({ code: "GREATER_THAN_OR_EQUAL_TO", field: at("price"), message: "The price of the variant must be greater than or equal to zero." });
      }
      if (input.inventoryQuantities) {
        errors.push({
          code: "NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE",
          field: at("inventoryQuantities"),
          message: "Inventory quantities can only be provided during create. To update inventory for existing variants, use inventoryAdjustQuantities.",
        });
      }
      if (variant && errors.length === before) valid.push({ variant, input });
    });
    if (errors.length && !args.allowPartialUpdates) return { product: productView(shop, product), productVariants: null, userErrors: errors };
    const now = isoNow();
    const before = JSON.stringify(productPayload(shop, product));
    for (const { variant, input } of valid) {
      const item = shop.items.get(variant.inventoryItemId)!;
      if (input.price != null) variant.price = parseMoney(input.price) ?? variant.price;
      if (input.compareAtPrice !== undefined) variant.compareAtPrice = input.compareAtPrice === null ? null : parseMoney(input.compareAtPrice);
      if (input.barcode !== undefined) variant.barcode = input.barcode;
      if (input.taxable != null) variant.taxable = input.taxable;
      if (input.inventoryPolicy != null) variant.inventoryPolicy = input.inventoryPolicy;
      if (input.inventoryItem?.sku !== undefined) shop.setSku(item, input.inventoryItem.sku);
      if (input.inventoryItem?.tracked != null) item.tracked = input.inventoryItem.tracked;
      if (input.inventoryItem?.requiresShipping != null) item.requiresShipping = input.inventoryItem.requiresShipping;
      variant.updatedAt = now;
    }
    if (before !== JSON.stringify(productPayload(shop, product))) {
      product.updatedAt = now;
      ctx.services.emit("products/update", productPayload(shop, product));
    }
    return { product: productView(shop, product), productVariants: valid.map(({ variant }) => variantView(shop, variant)), userErrors: errors };
  },
};
