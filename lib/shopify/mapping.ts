import type { SessionItemSeed } from "../../schemas/domain";
import { sha256Hex } from "../crypto";

/**
 * How an item of the sale looks on Shopify: one product with one variant. Pure functions; the
 * Inventory decides when to push, the sync code calls Shopify with what these return.
 */

/** What the listing needs of an item: what a session loads of it (id, consignor, title, category, size, price). */
export type ListedItem = SessionItemSeed;

export const METAFIELD_NAMESPACE = "consignment";
export const METAFIELD_KEY = "item";

export const skuOf = (eventId: string, itemId: string) => `${eventId}-${itemId}`;
export const customIdValue = (eventId: string, itemId: string) => `${eventId}/${itemId}`;

/** Integer cents as Shopify's `Money` decimal string: 1250 → "12.50". */
export function moneyString(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`not a price in cents: ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

/** Shopify's decimal string back to integer cents ("12.5" → 1250), exactly, without floats. */
export function centsOf(money: string): number {
  const match = /^(\d+)(?:\.(\d{1,2})\d*)?$/.exec(money.trim());
  if (!match) throw new RangeError(`not a money amount: ${money}`);
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}

/**
 * `productSet` variables for an item: upserted by the `consignment.item` metafield (`customId`),
 * SKU `{eventId}-{itemId}`, price, title, category as product type, size as the one option,
 * inventory tracked with policy DENY, and `quantity` available at the location. The quantity is
 * only set when the product is created: later availability changes go by compare-and-set.
 */
export function productSetVariables(eventId: string, item: ListedItem, locationId: string, quantity: number | null) {
  const value = customIdValue(eventId, item.id);
  return {
    identifier: { customId: { namespace: METAFIELD_NAMESPACE, key: METAFIELD_KEY, value } },
    input: {
      title: item.title,
      productType: item.category,
      status: "ACTIVE",
      tags: [`event:${eventId}`, `consignor:${item.consignorId}`],
      metafields: [{ namespace: METAFIELD_NAMESPACE, key: METAFIELD_KEY, type: "single_line_text_field", value }],
      productOptions: [{ name: "Size", values: [{ name: item.size }] }],
      variants: [
        {
          optionValues: [{ optionName: "Size", name: item.size }],
          sku: skuOf(eventId, item.id),
          price: moneyString(item.price),
          inventoryPolicy: "DENY",
          inventoryItem: { tracked: true, sku: skuOf(eventId, item.id) },
          ...(quantity === null ? {} : { inventoryQuantities: [{ locationId, name: "available", quantity }] }),
        },
      ],
    },
  };
}

/**
 * The `@idempotent` key of a set of availability changes (item, change number, from, to): the
 * same changes always send the same key, so a retried or redelivered call is replayed by Shopify,
 * never applied twice. Hashed to stay short whatever the number of items.
 */
export async function quantityKey(eventId: string, changes: readonly { itemId: string; seq: number; from: number | null; to: number }[]): Promise<string> {
  const described = changes.map((c) => `${c.itemId}@${c.seq}:${c.from ?? "x"}>${c.to}`).join(",");
  return `avail-${(await sha256Hex(`${eventId}|${described}`)).slice(0, 40)}`;
}
