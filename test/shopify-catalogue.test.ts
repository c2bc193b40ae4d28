// The drift check reads Shopify's bulk catalogue (JSONL) as it downloads, a page of items at a
// time, so a large catalogue is never held whole: lines and UTF-8 characters split across chunks
// are joined, and each variant is paired with its product.
import { describe, expect, it } from "vitest";
import { readCatalogueLines } from "../lib/shopify/drift";
import type { ShopifyProductState } from "../schemas/shopify";

const product = (n: number, title: string) => ({ id: `gid://shopify/Product/${n}`, title, status: "ACTIVE" });
const variant = (n: number, sku: string | null, price: string, quantity: number) => ({
  id: `gid://shopify/ProductVariant/${n}`,
  sku,
  price,
  inventoryQuantity: quantity,
  inventoryItem: { id: `gid://shopify/InventoryItem/${n}` },
  __parentId: `gid://shopify/Product/${n}`,
});

/** The JSONL as a stream cut every `size` bytes (through lines and multi-byte characters). */
function chunked(lines: object[], size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

describe("the bulk catalogue, read as it downloads", () => {
  it("hands over every item once, a page at a time, whatever the chunks", async () => {
    const lines = [
      product(1, "Größe 4T — Jacke ✓"),
      variant(1, "ev-T0001", "12.50", 1),
      product(2, "Plain"),
      variant(2, "ev-T0002", "3.00", 0),
      // A variant before its product (not what Shopify writes, but taken all the same).
      variant(3, "ev-T0003", "7.25", 1),
      product(3, "Late parent 🧸"),
      // A variant without a SKU is no item of ours; one whose product never comes is none either.
      product(4, "No SKU"),
      variant(4, null, "1.00", 1),
      variant(5, "ev-T0005", "1.00", 1),
    ];
    const expected: ShopifyProductState[] = [
      { productId: "1", title: "Größe 4T — Jacke ✓", status: "ACTIVE", sku: "ev-T0001", price: 1250, inventoryItemId: "1", quantity: 1 },
      { productId: "2", title: "Plain", status: "ACTIVE", sku: "ev-T0002", price: 300, inventoryItemId: "2", quantity: 0 },
      { productId: "3", title: "Late parent 🧸", status: "ACTIVE", sku: "ev-T0003", price: 725, inventoryItemId: "3", quantity: 1 },
    ];
    for (const size of [1, 3, 7, 64, 100_000]) {
      const pages: ShopifyProductState[][] = [];
      const handed = await readCatalogueLines(chunked(lines, size), 2, async (page) => void pages.push(page));
      expect({ size, handed, sizes: pages.map((p) => p.length), items: pages.flat() }).toEqual({ size, handed: 3, sizes: [2, 1], items: expected });
    }
  });

  it("waits for each page to be taken before reading on", async () => {
    const lines = Array.from({ length: 10 }, (_, n) => [product(n, `P${n}`), variant(n, `ev-T${n}`, "1.00", 1)]).flat();
    const order: string[] = [];
    await readCatalogueLines(chunked(lines, 50), 4, async (page) => {
      order.push(`page ${page.length} start`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`page ${page.length} end`);
    });
    expect(order).toEqual(["page 4 start", "page 4 end", "page 4 start", "page 4 end", "page 2 start", "page 2 end"]);
  });
});
