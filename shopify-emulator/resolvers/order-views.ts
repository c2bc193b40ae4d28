// GraphQL views of orders, their line items and refunds.
import { formatMoney, gid } from "../ids.ts";
import type { LineItem, Order, Refund, RefundLine, Shop } from "../shop.ts";
import { locationView, productView, variantView } from "./catalog-views.ts";
import { connection, type PageArgs } from "./connection.ts";
import type { Context } from "./context.ts";

export function moneyBag(cents: number, currency: string): object {
  const money = { amount: formatMoney(cents), currencyCode: currency };
  return { shopMoney: money, presentmentMoney: money };
}

export function orderTotals(shop: Shop, o: Order) {
  const subtotal = o.lineItems.reduce((sum, li) => sum + li.price * li.quantity, 0);
  const refunded = o.refundIds.reduce((sum, id) => sum + (shop.refunds.get(id)?.total ?? 0), 0);
  const current = o.lineItems.reduce((sum, li) => sum + li.price * (li.quantity - li.refundedQuantity), 0);
  return { subtotal, refunded, current };
}

export function orderView(shop: Shop, o: Order, ctx: Context): object {
  const currency = ctx.services.options.currency;
  const totals = orderTotals(shop, o);
  const bag = (cents: number) => moneyBag(cents, currency);
  return {
    __typename: "Order",
    id: gid("Order", o.id),
    legacyResourceId: String(o.id),
    name: o.name,
    number: o.number,
    email: o.email,
    note: o.note,
    tags: o.tags,
    test: o.test,
    sourceName: o.sourceName,
    sourceIdentifier: o.sourceIdentifier,
    currencyCode: currency,
    presentmentCurrencyCode: currency,
    displayFinancialStatus: o.financialStatus,
    displayFulfillmentStatus: o.fulfillmentStatus,
    fullyPaid: o.financialStatus === "PAID",
    unpaid: o.financialStatus === "PENDING",
    closed: o.closedAt !== null,
    closedAt: o.closedAt,
    cancelledAt: o.cancelledAt,
    cancelReason: o.cancelReason,
    confirmed: true,
    processedAt: o.processedAt,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    subtotalLineItemsQuantity: o.lineItems.reduce((sum, li) => sum + li.quantity, 0),
    currentSubtotalLineItemsQuantity: o.lineItems.reduce((sum, li) => sum + li.quantity - li.refundedQuantity, 0),
    subtotalPriceSet: bag(totals.subtotal),
    totalPriceSet: bag(totals.subtotal),
    currentSubtotalPriceSet: bag(totals.current),
    currentTotalPriceSet: bag(totals.current),
    originalTotalPriceSet: bag(totals.subtotal),
    totalRefundedSet: bag(totals.refunded),
    totalDiscountsSet: bag(0),
    totalTaxSet: bag(0),
    totalShippingPriceSet: bag(0),
    netPaymentSet: bag(o.financialStatus === "PENDING" ? 0 : totals.subtotal - totals.refunded),
    lineItems: (args: PageArgs, c: Context) => connection(c, "lineItems", o.lineItems, args, (li) => [li.id], (li) => lineItemView(shop, li, currency)),
    refunds: ({ first }: { first?: number }) =>
      o.refundIds
        .slice(0, first ?? undefined)
        .flatMap((id) => shop.refunds.get(id) ?? [])
        .map((r) => refundView(shop, r, ctx)),
  };
}

export function lineItemView(shop: Shop, li: LineItem, currency: string): object {
  const bag = (cents: number) => moneyBag(cents, currency);
  const current = li.quantity - li.refundedQuantity;
  return {
    __typename: "LineItem",
    id: gid("LineItem", li.id),
    name: li.variantTitle ? `${li.title} - ${li.variantTitle}` : li.title,
    title: li.title,
    variantTitle: li.variantTitle,
    vendor: li.vendor,
    sku: li.sku,
    quantity: li.quantity,
    currentQuantity: current,
    refundableQuantity: current,
    unfulfilledQuantity: li.fulfilled ? 0 : current,
    nonFulfillableQuantity: li.refundedQuantity,
    requiresShipping: li.requiresShipping,
    taxable: li.taxable,
    isGiftCard: false,
    restockable: li.claimedLocationId !== null,
    originalUnitPriceSet: bag(li.price),
    discountedUnitPriceSet: bag(li.price),
    discountedUnitPriceAfterAllDiscountsSet: bag(li.price),
    originalTotalSet: bag(li.price * li.quantity),
    discountedTotalSet: bag(li.price * li.quantity),
    totalDiscountSet: bag(0),
    variant: () => {
      const v = li.variantId === null ? undefined : shop.variants.get(li.variantId);
      return v ? variantView(shop, v) : null;
    },
    product: () => {
      const p = li.productId === null ? undefined : shop.products.get(li.productId);
      return p ? productView(shop, p) : null;
    },
  };
}

export function refundView(shop: Shop, r: Refund, ctx: Context): object {
  const currency = ctx.services.options.currency;
  const order = shop.orders.get(r.orderId);
  return {
    __typename: "Refund",
    id: gid("Refund", r.id),
    legacyResourceId: String(r.id),
    note: r.note,
    createdAt: r.createdAt,
    processedAt: r.createdAt,
    updatedAt: r.createdAt,
    totalRefundedSet: moneyBag(r.total, currency),
    order: () => (order ? orderView(shop, order, ctx) : null),
    refundLineItems: (args: PageArgs, c: Context) =>
      connection(c, "refundLineItems", r.lines, args, (l) => [l.id], (l) => refundLineView(shop, order, l, currency)),
  };
}

function refundLineView(shop: Shop, order: Order | undefined, l: RefundLine, currency: string): object {
  const li = order?.lineItems.find((x) => x.id === l.lineItemId);
  const location = l.locationId === null ? undefined : shop.locations.get(l.locationId);
  return {
    __typename: "RefundLineItem",
    id: gid("RefundLineItem", l.id),
    quantity: l.quantity,
    restockType: l.restockType,
    restocked: l.restocked,
    priceSet: moneyBag(li?.price ?? 0, currency),
    subtotalSet: moneyBag(l.subtotal, currency),
    totalTaxSet: moneyBag(0, currency),
    lineItem: () => (li ? lineItemView(shop, li, currency) : null),
    location: () => (location ? locationView(shop, location) : null),
  };
}
