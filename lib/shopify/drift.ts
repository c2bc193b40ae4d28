import { ShopifyStop, type ShopifyClient } from "./client";
import { BULK_RUN_QUERY, catalogueQuery } from "./documents";
import { centsOf } from "./mapping";
import { legacyId } from "./orders";
import type { ShopifyProductState } from "../../schemas/shopify";

/** Starts the bulk query of an event's products; the operation to poll. */
export async function startCatalogueQuery(client: ShopifyClient, eventId: string): Promise<string> {
  const data = await client.request<{ bulkOperationRunQuery: { bulkOperation: { id: string } | null; userErrors: { message: string; code?: string | null }[] } }>(BULK_RUN_QUERY, {
    query: catalogueQuery(eventId),
  });
  const run = data.bulkOperationRunQuery;
  if (!run.bulkOperation) {
    const message = run.userErrors.map((e) => e.message).join("; ");
    if (run.userErrors.some((e) => e.code === "LIMIT_REACHED" || /limit|in progress/i.test(e.message))) throw new Error(`bulk query refused for now: ${message}`);
    throw new ShopifyStop(run.userErrors[0]?.code ?? "BULK_REFUSED", `bulkOperationRunQuery refused: ${message}`);
  }
  return run.bulkOperation.id;
}

type BulkRow = { id: string; title?: string; status?: string; sku?: string | null; price?: string; inventoryQuantity?: number; inventoryItem?: { id: string }; __parentId?: string };
type Variant = { parent: string; sku: string; price: number; inventoryItemId: string; quantity: number };

/**
 * Reads a finished catalogue query (Shopify's bulk JSONL: each product, then its variants with
 * `__parentId`) as it downloads, handing its items to `onPage` `pageSize` at a time, so a large
 * catalogue is never held whole (at 100,000 items the file is tens of MB). Returns how many
 * items it handed over.
 */
export async function readCatalogue(url: string, pageSize: number, onPage: (states: ShopifyProductState[]) => Promise<void>): Promise<number> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`bulk results answered HTTP ${response.status}`);
  return readCatalogueLines(response.body, pageSize, onPage);
}

/** `readCatalogue` of a body already fetched: lines split across chunks (and UTF-8 across them) are joined. */
export async function readCatalogueLines(body: ReadableStream<Uint8Array>, pageSize: number, onPage: (states: ShopifyProductState[]) => Promise<void>): Promise<number> {
  const products = new Map<string, { title: string; status: string }>();
  // A variant whose product line has not come yet (Shopify writes a parent before its children;
  // kept for safety): handed over once its product comes; one whose product never comes is not an item.
  const early = new Map<string, Variant[]>();
  let page: ShopifyProductState[] = [];
  let handed = 0;
  const flush = async () => {
    if (page.length === 0) return;
    const full = page;
    page = [];
    handed += full.length;
    await onPage(full);
  };
  const add = async (v: Variant, p: { title: string; status: string }) => {
    page.push({ productId: legacyId(v.parent), title: p.title, status: p.status, sku: v.sku, price: v.price, inventoryItemId: v.inventoryItemId, quantity: v.quantity });
    if (page.length >= pageSize) await flush();
  };
  const line = async (raw: string) => {
    if (raw.trim() === "") return;
    const row = JSON.parse(raw) as BulkRow;
    if (!row.__parentId) {
      const product = { title: row.title ?? "", status: row.status ?? "" };
      products.set(row.id, product);
      for (const v of early.get(row.id) ?? []) await add(v, product);
      early.delete(row.id);
      return;
    }
    if (!row.sku || !row.inventoryItem) return;
    const v: Variant = { parent: row.__parentId, sku: row.sku, price: centsOf(row.price ?? "0"), inventoryItemId: legacyId(row.inventoryItem.id), quantity: row.inventoryQuantity ?? 0 };
    const product = products.get(v.parent);
    if (product) await add(v, product);
    else early.set(v.parent, [...(early.get(v.parent) ?? []), v]);
  };
  let rest = "";
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const lines = (rest + value).split("\n");
    rest = lines.pop()!;
    for (const raw of lines) await line(raw);
  }
  await line(rest);
  await flush();
  return handed;
}
