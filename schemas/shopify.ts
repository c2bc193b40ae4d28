import { z } from "zod";
import { Id } from "./common";
import type { SessionItemSeed } from "./domain";

/** `PUT /v1/events/:eventId/shopify`. */
export const ShopifySettings = z.strictObject({ enabled: z.boolean() });
export type ShopifySettings = z.infer<typeof ShopifySettings>;

/** A message on `shopify-sync`: items of one event whose changes Shopify has not yet acknowledged. */
export const ShopifySyncMessage = z.strictObject({
  v: z.literal(1),
  eventId: Id,
  itemIds: z.array(Id).min(1).max(500),
});
export type ShopifySyncMessage = z.infer<typeof ShopifySyncMessage>;

/** Parameters of the `shopify-reconcile` workflow. */
export const ShopifyReconcileParams = z.strictObject({
  eventId: Id,
  reason: z.enum(["enabled", "on-demand", "alarm", "schedule"]),
  /** Also compare every listed item with what Shopify holds (a bulk query): nightly, or asked for. */
  drift: z.boolean().optional(),
});
export type ShopifyReconcileParams = z.infer<typeof ShopifyReconcileParams>;

/** What Shopify knows of an item, as the Inventory keeps it. */
export interface ShopifyListing {
  productId: string;
  variantId: string;
  inventoryItemId: string;
}

/** One item the sync must bring Shopify up to date on. */
export interface ShopifyPlanEntry {
  itemId: string;
  /** The outbox change this entry answers (a newer change keeps the item in the outbox). */
  seq: number;
  item: SessionItemSeed;
  dataVersion: number;
  pushedVersion: number | null;
  listing: ShopifyListing | null;
  /** 1 while the item can be sold, 0 otherwise. */
  desired: number;
  /** The quantity Shopify last confirmed, null when not known. */
  acked: number | null;
}

export interface ShopifyPlan {
  eventId: string;
  enabled: boolean;
  stopped: boolean;
  locationId: string | null;
  entries: ShopifyPlanEntry[];
}

/** What a push found out about one item. */
export interface ShopifyPushed {
  itemId: string;
  seq: number;
  listing?: ShopifyListing;
  /** The data version now on Shopify. */
  pushedVersion?: number;
  /** The available quantity now on Shopify. */
  quantity?: number;
}

/** A compare-and-set that found another quantity on Shopify than the one we last confirmed. */
export interface ShopifyConflict {
  itemId: string;
  kind: "quantity_stale";
  ours: { expected: number | null; wanted: number };
  theirs: { quantity: number | null };
}

/** The event's Shopify status (`GET /v1/events/:eventId/shopify`). */
export interface ShopifyStatus {
  enabled: boolean;
  configured: boolean;
  locationId: string | null;
  syncMetadata: { lastSyncTime: number | null; syncCount: number; conflictCount: number; lastSuccessfulSync: number | null };
  /** Items whose changes Shopify has not yet acknowledged (conflicts excluded). */
  waiting: number;
  /** Items not yet listed on Shopify. */
  unlisted: number;
  openConflicts: number;
  /** Set when a person must act (bad token, app uninstalled, a refused request); syncing waits. */
  stopped: boolean;
  lastError: { message: string; at: number } | null;
}

const Money = z.number().int().min(0).max(100_000_000);
const OrderLineNews = z.strictObject({ lineId: z.string().min(1).max(64), sku: z.string().min(1).max(255), price: Money, quantity: z.number().int().min(0).max(10_000) });

/**
 * A message on `shopify-events`: a verified webhook, reduced to what the sale needs. Orders and
 * refunds carry their news; other topics only what identifies them (the conflict rules use them).
 */
export const ShopifyEventMessage = z.strictObject({
  v: z.literal(1),
  topic: z.string().min(1).max(100),
  webhookId: z.string().min(1).max(200),
  /** `{topic}:{X-Shopify-Event-Id}`: one event delivered to two subscriptions is one piece of news. */
  eventKey: z.string().min(1).max(300).optional(),
  shop: z.string().max(255).nullable().optional(),
  triggeredAt: z.number().int().nullable(),
  order: z
    .strictObject({ orderId: z.string().min(1).max(64), name: z.string().max(200), cancelled: z.boolean(), updatedAt: z.number().int(), lines: z.array(OrderLineNews).max(500) })
    .optional(),
  refund: z
    .strictObject({ orderId: z.string().min(1).max(64), at: z.number().int(), lines: z.array(z.strictObject({ lineId: z.string().min(1).max(64), sku: z.string().min(1).max(255) })).max(500) })
    .optional(),
  product: z
    .strictObject({
      productId: z.string().min(1).max(64),
      title: z.string().max(1000),
      status: z.string().max(32),
      updatedAt: z.number().int(),
      variants: z.array(z.strictObject({ sku: z.string().max(255), price: Money })).max(100),
    })
    .optional(),
  deletedProductId: z.string().min(1).max(64).optional(),
  level: z.strictObject({ inventoryItemId: z.string().min(1).max(64), available: z.number().int(), updatedAt: z.number().int() }).optional(),
});
export type ShopifyEventMessage = z.infer<typeof ShopifyEventMessage>;

/** What the drift check read of one product on Shopify (numeric ids, as webhooks give them). */
export interface ShopifyProductState {
  productId: string;
  title: string;
  status: string;
  sku: string;
  /** Integer cents. */
  price: number;
  inventoryItemId: string;
  quantity: number;
}
