// The one shop's state: plain records in maps, changed only by the resolvers (synchronously, so each
// mutation is atomic on Node's single thread).
import { gid, isoNow, nextId } from "./ids.ts";

export interface Metafield {
  id: number;
  namespace: string;
  key: string;
  value: string;
  type: string;
  createdAt: string;
  updatedAt: string;
}

export interface ProductOption {
  id: number;
  name: string;
  values: string[];
}

export interface Product {
  id: number;
  title: string;
  handle: string;
  status: "ACTIVE" | "ARCHIVED" | "DRAFT" | "UNLISTED";
  vendor: string;
  productType: string;
  descriptionHtml: string;
  tags: string[];
  templateSuffix: string | null;
  options: ProductOption[];
  metafields: Metafield[];
  variantIds: number[];
  createdAt: string;
  updatedAt: string;
}

export interface Variant {
  id: number;
  productId: number;
  inventoryItemId: number;
  title: string;
  price: number; // cents
  compareAtPrice: number | null;
  barcode: string | null;
  taxable: boolean;
  inventoryPolicy: "DENY" | "CONTINUE";
  selectedOptions: { name: string; value: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface InventoryItem {
  id: number;
  variantId: number;
  sku: string | null;
  tracked: boolean;
  requiresShipping: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Quantity names Shopify keeps per level; `on_hand` is derived from the others but stored for speed. */
export const QUANTITY_NAMES = ["available", "committed", "damaged", "incoming", "on_hand", "quality_control", "reserved", "safety_stock"] as const;
export type QuantityName = (typeof QUANTITY_NAMES)[number];

export interface InventoryLevel {
  id: number;
  itemId: number;
  locationId: number;
  quantities: Record<QuantityName, number>;
  createdAt: string;
  updatedAt: string;
}

export interface Location {
  id: number;
  name: string;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface LineItem {
  id: number;
  variantId: number | null;
  productId: number | null;
  sku: string | null;
  title: string;
  variantTitle: string | null;
  vendor: string | null;
  quantity: number;
  refundedQuantity: number;
  price: number; // cents, per unit
  requiresShipping: boolean;
  taxable: boolean;
  /** Where the line's inventory was claimed (null: not claimed, e.g. BYPASS or untracked). */
  claimedLocationId: number | null;
  fulfilled: boolean;
}

export interface RefundLine {
  id: number;
  lineItemId: number;
  quantity: number;
  restockType: "CANCEL" | "NO_RESTOCK" | "RETURN" | "LEGACY_RESTOCK";
  locationId: number | null;
  restocked: boolean;
  subtotal: number;
}

export interface Refund {
  id: number;
  orderId: number;
  note: string | null;
  lines: RefundLine[];
  total: number;
  createdAt: string;
}

export interface Order {
  id: number;
  number: number;
  name: string;
  email: string | null;
  note: string | null;
  tags: string[];
  test: boolean;
  sourceName: string | null;
  sourceIdentifier: string | null;
  financialStatus: string;
  fulfillmentStatus: "FULFILLED" | "UNFULFILLED" | "PARTIALLY_FULFILLED";
  lineItems: LineItem[];
  refundIds: number[];
  cancelledAt: string | null;
  cancelReason: string | null;
  closedAt: string | null;
  processedAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookSubscription {
  id: number;
  topic: string; // enum form, e.g. ORDERS_CREATE
  uri: string;
  format: "JSON";
  includeFields: string[];
  name: string | null;
  /** App-config subscriptions are not visible through the Admin API. */
  fromConfig: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ProductOperationRecord {
  id: number;
  status: "CREATED" | "ACTIVE" | "COMPLETE";
  productId: number | null;
}

export class Shop {
  readonly id = nextId();
  readonly createdAt = isoNow();
  readonly products = new Map<number, Product>();
  readonly variants = new Map<number, Variant>();
  readonly items = new Map<number, InventoryItem>();
  readonly levels = new Map<string, InventoryLevel>(); // `${itemId}:${locationId}`
  readonly locations = new Map<number, Location>();
  readonly orders = new Map<number, Order>();
  readonly refunds = new Map<number, Refund>();
  readonly subscriptions = new Map<number, WebhookSubscription>();
  readonly productOperations = new Map<number, ProductOperationRecord>();
  nextOrderNumber = 1001;
  private readonly firstLocation: Location;
  // Indexes kept up to date by the methods below, so a bulk import of thousands of products stays linear.
  private readonly byHandle = new Map<string, number>();
  private readonly byMetafield = new Map<string, number>();
  private readonly metafieldKeys = new Map<number, string[]>();
  private readonly bySku = new Map<string, Set<number>>(); // sku → variant ids

  constructor() {
    this.firstLocation = this.addLocation("Shop location");
  }

  /** Empties the shop. Its id and its first location keep their ids, so a client's cached location stays valid. */
  clear(): void {
    for (const map of [this.products, this.variants, this.items, this.levels, this.locations, this.orders, this.refunds, this.subscriptions, this.productOperations]) {
      map.clear();
    }
    for (const index of [this.byHandle, this.byMetafield, this.metafieldKeys, this.bySku]) index.clear();
    this.locations.set(this.firstLocation.id, this.firstLocation);
    this.nextOrderNumber = 1001;
  }

  addLocation(name: string): Location {
    const now = isoNow();
    const location: Location = { id: nextId(), name, isActive: true, createdAt: now, updatedAt: now };
    this.locations.set(location.id, location);
    return location;
  }

  /** The shop's first active location: where orders claim inventory. */
  primaryLocation(): Location {
    for (const location of this.locations.values()) if (location.isActive) return location;
    throw new Error("the emulated shop has no active location");
  }

  level(itemId: number, locationId: number): InventoryLevel | undefined {
    return this.levels.get(`${itemId}:${locationId}`);
  }

  activate(itemId: number, locationId: number): InventoryLevel {
    const existing = this.level(itemId, locationId);
    if (existing) return existing;
    const now = isoNow();
    const quantities = Object.fromEntries(QUANTITY_NAMES.map((n) => [n, 0])) as Record<QuantityName, number>;
    const level: InventoryLevel = { id: nextId(), itemId, locationId, quantities, createdAt: now, updatedAt: now };
    this.levels.set(`${itemId}:${locationId}`, level);
    return level;
  }

  levelsOfItem(itemId: number): InventoryLevel[] {
    return [...this.locations.keys()].flatMap((loc) => this.level(itemId, loc) ?? []);
  }

  /** Total `available` across locations: ProductVariant.inventoryQuantity. */
  availableOf(variant: Variant): number {
    return this.levelsOfItem(variant.inventoryItemId).reduce((sum, l) => sum + l.quantities.available, 0);
  }

  variantsOf(product: Product): Variant[] {
    return product.variantIds.flatMap((id) => this.variants.get(id) ?? []);
  }

  /** Records a product's handle and metafields in the indexes (after they changed). */
  indexProduct(p: Product): void {
    for (const [handle, id] of this.byHandle) if (id === p.id && handle !== p.handle) this.byHandle.delete(handle);
    this.byHandle.set(p.handle, p.id);
    for (const key of this.metafieldKeys.get(p.id) ?? []) this.byMetafield.delete(key);
    const keys = p.metafields.map((m) => `${m.namespace}\u0000${m.key}\u0000${m.value}`);
    for (const key of keys) this.byMetafield.set(key, p.id);
    this.metafieldKeys.set(p.id, keys);
  }

  productByHandle(handle: string): Product | undefined {
    const id = this.byHandle.get(handle);
    return id === undefined ? undefined : this.products.get(id);
  }

  productByMetafield(namespace: string, key: string, value: string): Product | undefined {
    const id = this.byMetafield.get(`${namespace}\u0000${key}\u0000${value}`);
    return id === undefined ? undefined : this.products.get(id);
  }

  setSku(item: InventoryItem, sku: string | null): void {
    // Shopify's `sku:` search ignores case, and so does the index.
    if (item.sku !== null) this.bySku.get(item.sku.toLowerCase())?.delete(item.variantId);
    item.sku = sku;
    if (sku !== null) {
      const set = this.bySku.get(sku.toLowerCase()) ?? new Set<number>();
      set.add(item.variantId);
      this.bySku.set(sku.toLowerCase(), set);
    }
  }

  variantsBySku(sku: string): Variant[] {
    return [...(this.bySku.get(sku.toLowerCase()) ?? [])].flatMap((id) => this.variants.get(id) ?? []);
  }

  deleteVariant(variant: Variant): void {
    const item = this.items.get(variant.inventoryItemId);
    if (item) this.setSku(item, null);
    for (const level of this.levelsOfItem(variant.inventoryItemId)) this.levels.delete(`${level.itemId}:${level.locationId}`);
    this.items.delete(variant.inventoryItemId);
    this.variants.delete(variant.id);
    const product = this.products.get(variant.productId);
    if (product) product.variantIds = product.variantIds.filter((id) => id !== variant.id);
  }

  deleteProduct(product: Product): void {
    for (const variant of this.variantsOf(product)) this.deleteVariant(variant);
    this.products.delete(product.id);
    if (this.byHandle.get(product.handle) === product.id) this.byHandle.delete(product.handle);
    for (const key of this.metafieldKeys.get(product.id) ?? []) this.byMetafield.delete(key);
    this.metafieldKeys.delete(product.id);
  }

  /** A JSON picture of the state for `GET /_emulator/state`. */
  snapshot(match?: string): unknown {
    const products = [...this.products.values()].map((p) => ({
      id: gid("Product", p.id),
      title: p.title,
      handle: p.handle,
      status: p.status,
      tags: p.tags,
      metafields: p.metafields.map(({ namespace, key, value, type }) => ({ namespace, key, value, type })),
      updatedAt: p.updatedAt,
      variants: this.variantsOf(p).map((v) => {
        const item = this.items.get(v.inventoryItemId);
        return {
          id: gid("ProductVariant", v.id),
          sku: item?.sku ?? null,
          price: (v.price / 100).toFixed(2),
          inventoryPolicy: v.inventoryPolicy,
          inventoryItemId: gid("InventoryItem", v.inventoryItemId),
          tracked: item?.tracked ?? false,
          inventoryQuantity: this.availableOf(v),
          levels: this.levelsOfItem(v.inventoryItemId).map((l) => ({ locationId: gid("Location", l.locationId), ...l.quantities })),
        };
      }),
    }));
    const orders = [...this.orders.values()].map((o) => ({
      id: gid("Order", o.id),
      name: o.name,
      financialStatus: o.financialStatus,
      cancelledAt: o.cancelledAt,
      updatedAt: o.updatedAt,
      lineItems: o.lineItems.map((li) => ({
        id: gid("LineItem", li.id),
        variantId: li.variantId === null ? null : gid("ProductVariant", li.variantId),
        sku: li.sku,
        quantity: li.quantity,
        refundedQuantity: li.refundedQuantity,
        price: (li.price / 100).toFixed(2),
      })),
      refunds: o.refundIds.map((id) => gid("Refund", id)),
    }));
    const keep = (x: unknown) => !match || JSON.stringify(x).includes(match);
    return {
      shop: { id: gid("Shop", this.id) },
      locations: [...this.locations.values()].map((l) => ({ id: gid("Location", l.id), name: l.name, isActive: l.isActive })),
      products: products.filter(keep),
      orders: orders.filter(keep),
      subscriptions: [...this.subscriptions.values()]
        .map((s) => ({ id: gid("WebhookSubscription", s.id), topic: s.topic, uri: s.uri, fromConfig: s.fromConfig }))
        .filter(keep),
    };
  }
}
