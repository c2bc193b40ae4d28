// Webhook bodies: the REST resource of each topic (shopify.dev/docs/api/webhooks), as Shopify sends them,
// snapshotted when the event is triggered (retries resend the original payload).
import { formatMoney, gid, restTime } from "./ids.ts";
import type { InventoryLevel, LineItem, Order, Product, Refund, Shop } from "./shop.ts";

const money = (cents: number) => formatMoney(cents);
const moneySet = (cents: number, currency: string) => {
  const m = { amount: money(cents), currency_code: currency };
  return { shop_money: m, presentment_money: m };
};

export function productPayload(shop: Shop, p: Product): object {
  const variants = shop.variantsOf(p).map((v, i) => {
    const item = shop.items.get(v.inventoryItemId);
    const available = shop.availableOf(v);
    return {
      id: v.id,
      admin_graphql_api_id: gid("ProductVariant", v.id),
      product_id: p.id,
      title: v.title,
      price: money(v.price),
      compare_at_price: v.compareAtPrice === null ? null : money(v.compareAtPrice),
      sku: item?.sku ?? "",
      barcode: v.barcode,
      position: i + 1,
      inventory_policy: v.inventoryPolicy.toLowerCase(),
      inventory_management: item?.tracked ? "shopify" : null,
      inventory_item_id: v.inventoryItemId,
      inventory_quantity: available,
      old_inventory_quantity: available,
      taxable: v.taxable,
      requires_shipping: item?.requiresShipping ?? true,
      option1: v.selectedOptions[0]?.value ?? null,
      option2: v.selectedOptions[1]?.value ?? null,
      option3: v.selectedOptions[2]?.value ?? null,
      created_at: restTime(v.createdAt),
      updated_at: restTime(v.updatedAt),
    };
  });
  return {
    id: p.id,
    admin_graphql_api_id: gid("Product", p.id),
    title: p.title,
    body_html: p.descriptionHtml,
    vendor: p.vendor,
    product_type: p.productType,
    handle: p.handle,
    status: p.status.toLowerCase(),
    tags: p.tags.join(", "),
    template_suffix: p.templateSuffix,
    published_scope: "global",
    published_at: p.status === "ACTIVE" ? restTime(p.createdAt) : null,
    created_at: restTime(p.createdAt),
    updated_at: restTime(p.updatedAt),
    variants,
    options: p.options.map((o, i) => ({ id: o.id, product_id: p.id, name: o.name, position: i + 1, values: o.values })),
    images: [],
    image: null,
    media: [],
    variant_gids: variants.map((v) => ({ admin_graphql_api_id: v.admin_graphql_api_id, updated_at: v.updated_at })),
  };
}

function lineItemPayload(li: LineItem, currency: string): object {
  const current = li.quantity - li.refundedQuantity;
  return {
    id: li.id,
    admin_graphql_api_id: gid("LineItem", li.id),
    variant_id: li.variantId,
    product_id: li.productId,
    sku: li.sku,
    title: li.title,
    variant_title: li.variantTitle,
    name: li.variantTitle ? `${li.title} - ${li.variantTitle}` : li.title,
    vendor: li.vendor,
    quantity: li.quantity,
    current_quantity: current,
    fulfillable_quantity: li.fulfilled ? 0 : current,
    fulfillment_status: li.fulfilled ? "fulfilled" : null,
    price: money(li.price),
    price_set: moneySet(li.price, currency),
    total_discount: "0.00",
    total_discount_set: moneySet(0, currency),
    requires_shipping: li.requiresShipping,
    taxable: li.taxable,
    gift_card: false,
    product_exists: li.productId !== null,
    tax_lines: [],
    discount_allocations: [],
    properties: [],
  };
}

export function orderPayload(shop: Shop, o: Order, currency: string): object {
  const subtotal = o.lineItems.reduce((sum, li) => sum + li.price * li.quantity, 0);
  const current = o.lineItems.reduce((sum, li) => sum + li.price * (li.quantity - li.refundedQuantity), 0);
  return {
    id: o.id,
    admin_graphql_api_id: gid("Order", o.id),
    name: o.name,
    number: o.number - 1000,
    order_number: o.number,
    email: o.email,
    contact_email: o.email,
    note: o.note,
    tags: o.tags.join(", "),
    test: o.test,
    source_name: o.sourceName ?? "shopify_draft_order",
    source_identifier: o.sourceIdentifier,
    currency,
    presentment_currency: currency,
    financial_status: o.financialStatus.toLowerCase(),
    fulfillment_status: o.fulfillmentStatus === "UNFULFILLED" ? null : o.fulfillmentStatus.toLowerCase(),
    confirmed: true,
    cancelled_at: restTime(o.cancelledAt),
    cancel_reason: o.cancelReason?.toLowerCase() ?? null,
    closed_at: restTime(o.closedAt),
    processed_at: restTime(o.processedAt),
    created_at: restTime(o.createdAt),
    updated_at: restTime(o.updatedAt),
    subtotal_price: money(subtotal),
    total_line_items_price: money(subtotal),
    total_price: money(subtotal),
    current_subtotal_price: money(current),
    current_total_price: money(current),
    total_discounts: "0.00",
    total_tax: "0.00",
    current_total_tax: "0.00",
    taxes_included: false,
    total_price_set: moneySet(subtotal, currency),
    current_total_price_set: moneySet(current, currency),
    line_items: o.lineItems.map((li) => lineItemPayload(li, currency)),
    refunds: o.refundIds.flatMap((id) => shop.refunds.get(id) ?? []).map((r) => refundPayload(shop, r, currency)),
    shipping_lines: [],
    discount_codes: [],
    customer: null,
  };
}

export function refundPayload(shop: Shop, r: Refund, currency: string): object {
  const order = shop.orders.get(r.orderId);
  return {
    id: r.id,
    admin_graphql_api_id: gid("Refund", r.id),
    order_id: r.orderId,
    note: r.note,
    restock: r.lines.some((l) => l.restocked),
    user_id: null,
    created_at: restTime(r.createdAt),
    processed_at: restTime(r.createdAt),
    refund_line_items: r.lines.map((l) => {
      const li = order?.lineItems.find((x) => x.id === l.lineItemId);
      return {
        id: l.id,
        line_item_id: l.lineItemId,
        quantity: l.quantity,
        restock_type: l.restockType.toLowerCase(),
        location_id: l.locationId,
        subtotal: Number(money(l.subtotal)),
        subtotal_set: moneySet(l.subtotal, currency),
        total_tax: 0,
        total_tax_set: moneySet(0, currency),
        line_item: li ? lineItemPayload(li, currency) : null,
      };
    }),
    transactions: [],
    order_adjustments: [],
    duties: [],
  };
}

export function inventoryLevelPayload(level: InventoryLevel): object {
  return {
    inventory_item_id: level.itemId,
    location_id: level.locationId,
    available: level.quantities.available,
    updated_at: restTime(level.updatedAt),
    admin_graphql_api_id: gid("InventoryLevel", level.id, `inventory_item_id=${level.itemId}`),
  };
}
