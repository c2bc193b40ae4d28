// Shared by the Worker's Shopify tests: the emulator's view of an event, and an event listed on it.
import { expect, vi } from "vitest";
import { call, item, seedEvent } from "./helpers";
import { control, unique } from "./shopify-emulator-helpers";

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

