import type { ShopifyClient } from "./client";
import { ORDER_LINES, ORDERS_SINCE } from "./documents";
import { centsOf } from "./mapping";
import type { OrderNews } from "./webhooks";

type GqlLine = { id: string; sku: string | null; currentQuantity: number; originalUnitPriceSet: { shopMoney: { amount: string } } };
type GqlLines = { nodes: GqlLine[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
type GqlOrder = {
  id: string;
  name: string;
  updatedAt: string;
  cancelledAt: string | null;
  lineItems: GqlLines;
};

/** The numeric id of a GID (`gid://shopify/Order/123` → `123`), as webhooks name things. */
export const legacyId = (gid: string) => gid.split("/").pop()!.split("?")[0]!;

/**
 * One page of orders updated at or after `since` (ISO time), as OrderNews — with the numeric ids
 * webhooks use, so a line read here and one delivered by a webhook name the same transaction.
 */
export async function ordersSince(client: ShopifyClient, since: string, after: string | null): Promise<{ orders: OrderNews[]; next: string | null }> {
  const data = await client.request<{ orders: { nodes: GqlOrder[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(ORDERS_SINCE, {
    query: `updated_at:>='${since}'`,
    after,
  });
  const orders: OrderNews[] = [];
  for (const o of data.orders.nodes) {
    // An order of more than 25 lines: the rest of its lines, 100 a call.
    const lines = [...o.lineItems.nodes];
    for (let page = o.lineItems.pageInfo; page.hasNextPage; ) {
      const more = await client.request<{ order: { lineItems: GqlLines } | null }>(ORDER_LINES, { id: o.id, after: page.endCursor });
      if (!more.order) break;
      lines.push(...more.order.lineItems.nodes);
      page = more.order.lineItems.pageInfo;
    }
    orders.push({
      orderId: legacyId(o.id),
      name: o.name,
      cancelled: o.cancelledAt !== null,
      updatedAt: Date.parse(o.updatedAt),
      lines: lines
        .filter((l) => l.sku)
        .map((l) => ({ lineId: legacyId(l.id), sku: l.sku!, price: centsOf(l.originalUnitPriceSet.shopMoney.amount), quantity: l.currentQuantity })),
    });
  }
  return { orders, next: data.orders.pageInfo.hasNextPage ? data.orders.pageInfo.endCursor : null };
}
