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

/** Reads a finished catalogue query (Shopify's bulk JSONL: products, then variants with `__parentId`). */
export async function catalogueResults(url: string): Promise<ShopifyProductState[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bulk results answered HTTP ${response.status}`);
  const products = new Map<string, { title: string; status: string }>();
  const variants: { parent: string; sku: string; price: number; inventoryItemId: string; quantity: number }[] = [];
  for (const raw of new TextDecoder().decode(await response.arrayBuffer()).split("\n")) {
    if (raw.trim() === "") continue;
    const row = JSON.parse(raw) as { id: string; title?: string; status?: string; sku?: string | null; price?: string; inventoryQuantity?: number; inventoryItem?: { id: string }; __parentId?: string };
    if (row.__parentId) {
      if (row.sku && row.inventoryItem) {
        variants.push({ parent: row.__parentId, sku: row.sku, price: centsOf(row.price ?? "0"), inventoryItemId: legacyId(row.inventoryItem.id), quantity: row.inventoryQuantity ?? 0 });
      }
    } else products.set(row.id, { title: row.title ?? "", status: row.status ?? "" });
  }
  return variants.flatMap((v) => {
    const p = products.get(v.parent);
    return p ? [{ productId: legacyId(v.parent), title: p.title, status: p.status, sku: v.sku, price: v.price, inventoryItemId: v.inventoryItemId, quantity: v.quantity }] : [];
  });
}
