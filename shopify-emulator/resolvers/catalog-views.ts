// GraphQL views of the catalog: plain objects whose properties (values, or functions of the field's
// arguments) are the fields of Product, ProductVariant, InventoryItem, InventoryLevel and Location.
import { formatMoney, gid } from "../ids.ts";
import { QUANTITY_NAMES, type InventoryItem, type InventoryLevel, type Location, type Metafield, type Product, type Shop, type Variant } from "../shop.ts";
import { connection, count, type PageArgs } from "./connection.ts";
import type { Context } from "./context.ts";

export function metafieldView(owner: { type: string; id: number }, m: Metafield): object {
  return {
    __typename: "Metafield",
    id: gid("Metafield", m.id),
    legacyResourceId: String(m.id),
    namespace: m.namespace,
    key: m.key,
    value: m.value,
    jsonValue: m.value,
    type: m.type,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    ownerType: owner.type === "Product" ? "PRODUCT" : "PRODUCTVARIANT",
  };
}

function metafieldFields(owner: { type: string; id: number }, list: Metafield[]) {
  return {
    metafield: ({ namespace, key }: { namespace?: string; key: string }) => {
      const m = list.find((x) => x.key === key && (namespace === undefined || x.namespace === namespace));
      return m ? metafieldView(owner, m) : null;
    },
    metafields: (args: PageArgs & { namespace?: string; keys?: string[] }, ctx: Context) =>
      connection(
        ctx,
        "metafields",
        list.filter((m) => (!args.namespace || m.namespace === args.namespace) && (!args.keys || args.keys.includes(`${m.namespace}.${m.key}`))),
        args,
        (m) => [m.id],
        (m) => metafieldView(owner, m),
      ),
  };
}

export function productView(shop: Shop, p: Product): object {
  const variants = () => shop.variantsOf(p);
  return {
    __typename: "Product",
    id: gid("Product", p.id),
    legacyResourceId: String(p.id),
    title: p.title,
    handle: p.handle,
    status: p.status,
    vendor: p.vendor,
    productType: p.productType,
    descriptionHtml: p.descriptionHtml,
    description: () => p.descriptionHtml.replace(/<[^>]*>/g, ""),
    tags: p.tags,
    templateSuffix: p.templateSuffix,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    publishedAt: p.status === "ACTIVE" ? p.createdAt : null,
    onlineStoreUrl: null,
    isGiftCard: false,
    requiresSellingPlan: false,
    hasOnlyDefaultVariant: () => p.options.length === 1 && p.options[0]!.name === "Title" && p.variantIds.length === 1,
    hasOutOfStockVariants: () => variants().some((v) => shop.availableOf(v) <= 0),
    totalInventory: () => variants().reduce((sum, v) => sum + shop.availableOf(v), 0),
    tracksInventory: () => variants().some((v) => shop.items.get(v.inventoryItemId)?.tracked),
    options: ({ first }: { first?: number }) =>
      p.options.slice(0, first ?? undefined).map((o, i) => ({
        __typename: "ProductOption",
        id: gid("ProductOption", o.id),
        name: o.name,
        position: i + 1,
        values: o.values,
        optionValues: o.values.map((v, j) => ({ id: gid("ProductOptionValue", o.id * 100 + j), name: v, hasVariants: true })),
      })),
    variants: (args: PageArgs, ctx: Context) => connection(ctx, "variants", variants(), args, (v) => [v.id], (v) => variantView(shop, v)),
    variantsCount: () => count(p.variantIds.length),
    ...metafieldFields({ type: "Product", id: p.id }, p.metafields),
  };
}

export function variantView(shop: Shop, v: Variant): object {
  const item = shop.items.get(v.inventoryItemId);
  const product = shop.products.get(v.productId);
  return {
    __typename: "ProductVariant",
    id: gid("ProductVariant", v.id),
    legacyResourceId: String(v.id),
    title: v.title,
    displayName: `${product?.title ?? ""} - ${v.title}`,
    sku: item?.sku ?? null,
    barcode: v.barcode,
    price: formatMoney(v.price),
    compareAtPrice: v.compareAtPrice === null ? null : formatMoney(v.compareAtPrice),
    taxable: v.taxable,
    inventoryPolicy: v.inventoryPolicy,
    inventoryQuantity: () => shop.availableOf(v),
    sellableOnlineQuantity: () => shop.availableOf(v),
    availableForSale: () => v.inventoryPolicy === "CONTINUE" || !item?.tracked || shop.availableOf(v) > 0,
    position: () => (product ? product.variantIds.indexOf(v.id) + 1 : 1),
    selectedOptions: v.selectedOptions.map((o) => ({ name: o.name, value: o.value })),
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    product: () => (product ? productView(shop, product) : null),
    inventoryItem: () => (item ? inventoryItemView(shop, item) : null),
    requiresComponents: false,
    showUnitPrice: false,
    ...metafieldFields({ type: "ProductVariant", id: v.id }, []),
  };
}

export function inventoryItemView(shop: Shop, item: InventoryItem): object {
  return {
    __typename: "InventoryItem",
    id: gid("InventoryItem", item.id),
    legacyResourceId: String(item.id),
    sku: item.sku,
    tracked: item.tracked,
    requiresShipping: item.requiresShipping,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    duplicateSkuCount: () => [...shop.items.values()].filter((i) => i.id !== item.id && i.sku !== null && i.sku === item.sku).length,
    locationsCount: () => count(shop.levelsOfItem(item.id).length),
    variant: () => {
      const v = shop.variants.get(item.variantId);
      return v ? variantView(shop, v) : null;
    },
    inventoryLevel: ({ locationId }: { locationId: string }) => {
      const loc = Number(/\/(\d+)$/.exec(locationId)?.[1]);
      const level = shop.level(item.id, loc);
      return level ? inventoryLevelView(shop, level) : null;
    },
    inventoryLevels: (args: PageArgs, ctx: Context) =>
      connection(ctx, "inventoryLevels", shop.levelsOfItem(item.id), args, (l) => [l.id], (l) => inventoryLevelView(shop, l)),
  };
}

export function inventoryLevelGid(level: InventoryLevel): string {
  return gid("InventoryLevel", level.id, `inventory_item_id=${level.itemId}`);
}

export function inventoryLevelView(shop: Shop, level: InventoryLevel): object {
  return {
    __typename: "InventoryLevel",
    id: inventoryLevelGid(level),
    isActive: true,
    canDeactivate: true,
    deactivationAlert: null,
    createdAt: level.createdAt,
    updatedAt: level.updatedAt,
    item: () => {
      const item = shop.items.get(level.itemId);
      return item ? inventoryItemView(shop, item) : null;
    },
    location: () => {
      const location = shop.locations.get(level.locationId);
      return location ? locationView(shop, location) : null;
    },
    quantities: ({ names }: { names: string[] }) =>
      names
        .filter((n): n is (typeof QUANTITY_NAMES)[number] => (QUANTITY_NAMES as readonly string[]).includes(n))
        .map((name) => ({
          id: gid("InventoryQuantity", level.id, `inventory_item_id=${level.itemId}&name=${name}`),
          name,
          quantity: level.quantities[name],
          updatedAt: level.updatedAt,
        })),
  };
}

export function locationView(shop: Shop, location: Location): object {
  return {
    __typename: "Location",
    id: gid("Location", location.id),
    legacyResourceId: String(location.id),
    name: location.name,
    isActive: location.isActive,
    activatable: !location.isActive,
    deactivatable: location.isActive,
    deletable: false,
    fulfillsOnlineOrders: true,
    hasActiveInventory: () => [...shop.levels.values()].some((l) => l.locationId === location.id),
    hasUnfulfilledOrders: false,
    isFulfillmentService: false,
    shipsInventory: true,
    addressVerified: false,
    deactivatedAt: null,
    createdAt: location.createdAt,
    updatedAt: location.updatedAt,
    inventoryLevel: ({ inventoryItemId }: { inventoryItemId: string }) => {
      const item = Number(/\/(\d+)$/.exec(inventoryItemId)?.[1]);
      const level = shop.level(item, location.id);
      return level ? inventoryLevelView(shop, level) : null;
    },
    inventoryLevels: (args: PageArgs, ctx: Context) =>
      connection(
        ctx,
        "inventoryLevels",
        [...shop.levels.values()].filter((l) => l.locationId === location.id),
        args,
        (l) => [l.id],
        (l) => inventoryLevelView(shop, l),
      ),
  };
}

export function shopView(shop: Shop, ctx: Context): object {
  const o = ctx.services.options;
  return {
    __typename: "Shop",
    id: gid("Shop", shop.id),
    name: o.shopName,
    myshopifyDomain: o.shopDomain,
    url: `https://${o.shopDomain}`,
    email: `owner@${o.shopDomain}`,
    contactEmail: `owner@${o.shopDomain}`,
    currencyCode: o.currency,
    ianaTimezone: "Etc/UTC",
    timezoneAbbreviation: "UTC",
    timezoneOffset: "+0000",
    timezoneOffsetMinutes: 0,
    taxesIncluded: false,
    createdAt: shop.createdAt,
    updatedAt: shop.createdAt,
  };
}
