// Orders (Admin schema 2026-10): reads by `query:` (e.g. "updated_at:>=…"), orderCreate with
// `options.inventoryBehaviour`, refundCreate (restock), orderCancel and orderMarkAsPaid.
import { randomUUID } from "node:crypto";
import { gid, idOf, isoNow, nextId, parseMoney } from "../ids.ts";
import { inventoryLevelPayload, orderPayload, refundPayload } from "../payloads.ts";
import type { InventoryLevel, LineItem, Order, Refund, RefundLine, Shop } from "../shop.ts";
import { searchFilter, type SearchFields } from "../search.ts";
import { connection, type PageArgs } from "./connection.ts";
import type { Context, UserError } from "./context.ts";
import { orderTotals, orderView, refundView } from "./order-views.ts";

function orderFields(): SearchFields<Order> {
  return {
    default: { kind: "string", get: (o) => `${o.name} ${o.email ?? ""} ${o.lineItems.map((li) => li.sku ?? "").join(" ")}` },
    id: { kind: "id", get: (o) => o.id },
    name: { kind: "string", get: (o) => [o.name, o.name.replace(/^#/, "")] },
    email: { kind: "string", get: (o) => o.email },
    sku: { kind: "string", get: (o) => o.lineItems.map((li) => li.sku) },
    tag: { kind: "string", get: (o) => o.tags },
    test: { kind: "string", get: (o) => String(o.test) },
    source_name: { kind: "string", get: (o) => o.sourceName },
    financial_status: { kind: "string", get: (o) => o.financialStatus },
    fulfillment_status: { kind: "string", get: (o) => o.fulfillmentStatus },
    status: { kind: "string", get: (o) => (o.cancelledAt ? "cancelled" : o.closedAt ? "closed" : "open") },
    created_at: { kind: "date", get: (o) => o.createdAt },
    updated_at: { kind: "date", get: (o) => o.updatedAt },
    processed_at: { kind: "date", get: (o) => o.processedAt },
  };
}

function orderSortKey(sortKey: string | undefined): (o: Order) => unknown[] {
  switch (sortKey) {
    case "UPDATED_AT":
      return (o) => [o.updatedAt, o.id];
    case "CREATED_AT":
      return (o) => [o.createdAt, o.id];
    case "ID":
      return (o) => [o.id];
    case "ORDER_NUMBER":
      return (o) => [o.number, o.id];
    default:
      return (o) => [o.processedAt, o.id];
  }
}

export const orderQueries = {
  orders(args: PageArgs & { query?: string | null; sortKey?: string }, ctx: Context) {
    const { shop } = ctx;
    const filter = searchFilter(args.query, orderFields());
    const records = [...shop.orders.values()].filter((o) => !filter || filter(o));
    return connection(ctx, "orders", records, args, orderSortKey(args.sortKey), (o) => orderView(shop, o, ctx));
  },
  order({ id }: { id: string }, ctx: Context) {
    const o = ctx.shop.orders.get(idOf("Order", id) ?? -1);
    return o ? orderView(ctx.shop, o, ctx) : null;
  },
};

interface LineInput {
  variantId?: string | null;
  productId?: string | null;
  quantity: number;
  priceSet?: { shopMoney: { amount: string } } | null;
  title?: string | null;
  sku?: string | null;
  variantTitle?: string | null;
  vendor?: string | null;
  requiresShipping?: boolean | null;
  taxable?: boolean | null;
}
interface OrderInput {
  lineItems?: LineInput[] | null;
  email?: string | null;
  note?: string | null;
  tags?: string[] | null;
  test?: boolean | null;
  name?: string | null;
  sourceName?: string | null;
  sourceIdentifier?: string | null;
  processedAt?: string | null;
  financialStatus?: string | null;
  fulfillmentStatus?: "FULFILLED" | "PARTIAL" | "RESTOCKED" | null;
  transactions?: { kind?: string | null; status?: string | null; amountSet: { shopMoney: { amount: string } } }[] | null;
}

/** Moves `delta` of quantity `name` and remembers the level for one inventory_levels/update per level. */
function move(level: InventoryLevel, name: keyof InventoryLevel["quantities"], delta: number, touched: Set<InventoryLevel>, now: string): void {
  level.quantities[name] += delta;
  level.updatedAt = now;
  touched.add(level);
}

function emitOrder(ctx: Context, topic: string, o: Order): void {
  ctx.services.emit(topic, orderPayload(ctx.shop, o, ctx.services.options.currency));
}

function financialStatusOf(input: OrderInput): string {
  if (input.financialStatus) return input.financialStatus;
  const ok = (input.transactions ?? []).filter((t) => (t.status ?? "SUCCESS") === "SUCCESS");
  if (ok.some((t) => (t.kind ?? "SALE") === "SALE" || t.kind === "CAPTURE")) return "PAID";
  if (ok.some((t) => t.kind === "AUTHORIZATION")) return "AUTHORIZED";
  return "PENDING";
}

function restock(shop: Shop, li: LineItem, quantity: number, type: string, locationId: number | null, touched: Set<InventoryLevel>, now: string): boolean {
  if (type !== "CANCEL" && type !== "RETURN") return false;
  const variant = li.variantId === null ? undefined : shop.variants.get(li.variantId);
  const item = variant ? shop.items.get(variant.inventoryItemId) : undefined;
  if (!item?.tracked) return false;
  const location = locationId ?? li.claimedLocationId ?? shop.primaryLocation().id;
  const level = shop.activate(item.id, location);
  move(level, "available", quantity, touched, now);
  if (type === "CANCEL" && li.claimedLocationId !== null && !li.fulfilled) move(level, "committed", -quantity, touched, now);
  else move(level, "on_hand", quantity, touched, now);
  return true;
}

export const orderMutations = {
  orderCreate({ order: input, options }: { order: OrderInput; options?: { inventoryBehaviour?: string | null } | null }, ctx: Context) {
    const { shop } = ctx;
    const behaviour = options?.inventoryBehaviour ?? "BYPASS";
    const errors: UserError[] = [];
    const fail = () => ({ order: null, userErrors: errors });
    const lines = input.lineItems ?? [];
    if (!lines.length) errors.push({ code: "INVALID", field: ["order", "lineItems"], message: "Line items must have at least one line item" });
    const now = isoNow();
    if (input.processedAt && Date.parse(input.processedAt) > Date.now() + 60_000) {
      errors.push({ code: "PROCESSED_AT_INVALID", field: ["order", "processedAt"], message: "Processed at must not be in the future" });
    }
    const fulfilled = input.fulfillmentStatus === "FULFILLED";
    const location = shop.primaryLocation();
    const demand = new Map<number, number>(); // inventory item → quantity claimed
    const lineItems: LineItem[] = lines.map((l, i) => {
      const at = (f: string) => ["order", "lineItems", String(i), f];
      const variant = l.variantId ? shop.variants.get(idOf("ProductVariant", l.variantId) ?? -1) : undefined;
      if (l.variantId && !variant) errors.push({ code: "INVALID", field: at("variantId"), message: "Variant does not exist" });
      if (l.quantity <= 0) errors.push({ code: "INVALID", field: at("quantity"), message: "Quantity must be greater than 0" });
      const product = variant ? shop.products.get(variant.productId) : undefined;
      const item = variant ? shop.items.get(variant.inventoryItemId) : undefined;
      const price = l.priceSet ? parseMoney(l.priceSet.shopMoney.amount) : variant ? variant.price : null;
      if (price === null) errors.push({ code: "INVALID", field: at("priceSet"), message: "Price is required for a custom line item" });
      if (!variant && !l.title) errors.push({ code: "INVALID", field: at("title"), message: "Title is required for a custom line item" });
      const claims = behaviour !== "BYPASS" && item?.tracked === true;
      if (claims && item) demand.set(item.id, (demand.get(item.id) ?? 0) + l.quantity);
      return {
        id: nextId(),
        variantId: variant?.id ?? null,
        productId: product?.id ?? null,
        sku: l.sku ?? item?.sku ?? null,
        title: l.title ?? product?.title ?? "",
        variantTitle: l.variantTitle ?? (variant && variant.title !== "Default Title" ? variant.title : null),
        vendor: l.vendor ?? product?.vendor ?? null,
        quantity: l.quantity,
        refundedQuantity: 0,
        price: price ?? 0,
        requiresShipping: l.requiresShipping ?? item?.requiresShipping ?? true,
        taxable: l.taxable ?? variant?.taxable ?? true,
        claimedLocationId: claims ? location.id : null,
        fulfilled,
      };
    });
    if (behaviour === "DECREMENT_OBEYING_POLICY") {
      for (const [itemId, quantity] of demand) {
        const item = shop.items.get(itemId)!;
        const variant = shop.variants.get(item.variantId)!;
        const available = shop.level(itemId, location.id)?.quantities.available ?? 0;
        if (variant.inventoryPolicy === "DENY" && available < quantity) {
          errors.push({
            code: "INVENTORY_CLAIM_FAILED",
            field: ["order", "lineItems"],
            message: `Unable to claim inventory: ${item.sku ?? variant.title} has ${available} available at ${location.name}, ${quantity} requested`,
          });
        }
      }
    }
    if (errors.length) return fail();

    const touched = new Set<InventoryLevel>();
    for (const [itemId, quantity] of demand) {
      const level = shop.activate(itemId, location.id);
      move(level, "available", -quantity, touched, now);
      move(level, fulfilled ? "on_hand" : "committed", fulfilled ? -quantity : quantity, touched, now);
    }
    const number = shop.nextOrderNumber++;
    const o: Order = {
      id: nextId(),
      number,
      name: input.name ?? `#${number}`,
      email: input.email ?? null,
      note: input.note ?? null,
      tags: input.tags ?? [],
      test: input.test ?? false,
      sourceName: input.sourceName ?? null,
      sourceIdentifier: input.sourceIdentifier ?? null,
      financialStatus: financialStatusOf(input),
      fulfillmentStatus: fulfilled ? "FULFILLED" : "UNFULFILLED",
      lineItems,
      refundIds: [],
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      processedAt: input.processedAt ?? now,
      createdAt: now,
      updatedAt: now,
    };
    shop.orders.set(o.id, o);
    for (const level of touched) ctx.services.emit("inventory_levels/update", inventoryLevelPayload(level));
    emitOrder(ctx, "orders/create", o);
    if (o.financialStatus === "PAID") emitOrder(ctx, "orders/paid", o);
    return { order: orderView(shop, o, ctx), userErrors: [] };
  },

  orderMarkAsPaid({ input }: { input: { id: string } }, ctx: Context) {
    const o = ctx.shop.orders.get(idOf("Order", input.id) ?? -1);
    if (!o) return { order: null, userErrors: [{ field: ["id"], message: "Order does not exist" }] };
    if (o.financialStatus === "PAID") return { order: orderView(ctx.shop, o, ctx), userErrors: [{ field: ["id"], message: "Order cannot be marked as paid." }] };
    o.financialStatus = "PAID";
    o.updatedAt = isoNow();
    emitOrder(ctx, "orders/paid", o);
    emitOrder(ctx, "orders/updated", o);
    return { order: orderView(ctx.shop, o, ctx), userErrors: [] };
  },

  /** Requires `@idempotent` since 2026-04. Money moves only through `transactions`, as on Shopify. */
  refundCreate({ input }: { input: RefundInput }, ctx: Context) {
    const { shop } = ctx;
    const o = shop.orders.get(idOf("Order", input.orderId) ?? -1);
    if (!o) return { order: null, refund: null, userErrors: [{ field: ["orderId"], message: "Order does not exist" }] };
    const errors: UserError[] = [];
    const wanted = new Map<number, number>();
    (input.refundLineItems ?? []).forEach((l, i) => {
      const at = (f: string) => ["refundLineItems", String(i), f];
      const li = o.lineItems.find((x) => x.id === idOf("LineItem", l.lineItemId));
      if (!li) return errors.push({ field: at("lineItemId"), message: "Line item does not exist" });
      wanted.set(li.id, (wanted.get(li.id) ?? 0) + l.quantity);
      if (l.quantity <= 0 || wanted.get(li.id)! > li.quantity - li.refundedQuantity) {
        errors.push({ field: at("quantity"), message: "Quantity cannot refund more items than were purchased" });
      }
      if (l.restockType === "LEGACY_RESTOCK") errors.push({ field: at("restockType"), message: "Restock type LEGACY_RESTOCK is not accepted when creating new refunds" });
      if (l.locationId && !shop.locations.has(idOf("Location", l.locationId) ?? -1)) errors.push({ field: at("locationId"), message: "Location does not exist" });
      return undefined;
    });
    const total = (input.transactions ?? []).reduce((sum, t) => sum + (parseMoney(t.amount) ?? 0), 0);
    const { subtotal, refunded } = orderTotals(shop, o);
    if (!input.allowOverRefunding && refunded + total > subtotal) errors.push({ field: ["transactions"], message: "Refund amount exceeds the amount that can be refunded" });
    if (errors.length) return { order: null, refund: null, userErrors: errors };

    const now = isoNow();
    const touched = new Set<InventoryLevel>();
    const refund: Refund = { id: nextId(), orderId: o.id, note: input.note ?? null, lines: [], total, createdAt: now };
    for (const l of input.refundLineItems ?? []) {
      const li = o.lineItems.find((x) => x.id === idOf("LineItem", l.lineItemId))!;
      const restockType = l.restockType ?? "NO_RESTOCK";
      const locationId = l.locationId ? idOf("Location", l.locationId) : null;
      const restocked = restock(shop, li, l.quantity, restockType, locationId, touched, now);
      li.refundedQuantity += l.quantity;
      refund.lines.push({ id: nextId(), lineItemId: li.id, quantity: l.quantity, restockType, locationId: locationId ?? li.claimedLocationId, restocked, subtotal: li.price * l.quantity });
    }
    shop.refunds.set(refund.id, refund);
    o.refundIds.push(refund.id);
    if (total > 0) o.financialStatus = refunded + total >= subtotal ? "REFUNDED" : "PARTIALLY_REFUNDED";
    o.updatedAt = now;
    for (const level of touched) ctx.services.emit("inventory_levels/update", inventoryLevelPayload(level));
    ctx.services.emit("refunds/create", refundPayload(shop, refund, ctx.services.options.currency));
    emitOrder(ctx, "orders/updated", o);
    return { order: orderView(shop, o, ctx), refund: refundView(shop, refund, ctx), userErrors: [] };
  },

  orderCancel(args: { orderId: string; reason: string; restock: boolean; refund?: boolean | null; staffNote?: string | null }, ctx: Context) {
    const { shop } = ctx;
    const o = shop.orders.get(idOf("Order", args.orderId) ?? -1);
    const job = { __typename: "Job", id: gid("Job", randomUUID()), done: true, query: null };
    if (!o) return { job: null, jobResult: null, orderCancelUserErrors: [{ code: "NOT_FOUND", field: ["orderId"], message: "Order does not exist" }] };
    if (o.cancelledAt) return { job: null, jobResult: null, orderCancelUserErrors: [{ code: "INVALID", field: ["orderId"], message: "Order has already been cancelled" }] };
    const now = isoNow();
    const touched = new Set<InventoryLevel>();
    const refund: Refund = { id: nextId(), orderId: o.id, note: args.staffNote ?? null, lines: [], total: 0, createdAt: now };
    for (const li of o.lineItems) {
      const remaining = li.quantity - li.refundedQuantity;
      if (remaining <= 0) continue;
      const type: RefundLine["restockType"] = args.restock && !li.fulfilled ? "CANCEL" : "NO_RESTOCK";
      const restocked = restock(shop, li, remaining, type, null, touched, now);
      li.refundedQuantity += remaining;
      refund.lines.push({ id: nextId(), lineItemId: li.id, quantity: remaining, restockType: type, locationId: li.claimedLocationId, restocked, subtotal: li.price * remaining });
    }
    const { subtotal, refunded } = orderTotals(shop, o);
    const paid = o.financialStatus === "PAID" || o.financialStatus === "PARTIALLY_REFUNDED";
    if (args.refund !== false && paid) {
      refund.total = subtotal - refunded;
      o.financialStatus = "REFUNDED";
    } else if (o.financialStatus === "AUTHORIZED" || o.financialStatus === "PENDING") {
      o.financialStatus = "VOIDED";
    }
    if (refund.lines.length || refund.total) {
      shop.refunds.set(refund.id, refund);
      o.refundIds.push(refund.id);
    }
    o.cancelledAt = now;
    o.closedAt = now;
    o.cancelReason = args.reason;
    o.updatedAt = now;
    for (const level of touched) ctx.services.emit("inventory_levels/update", inventoryLevelPayload(level));
    if (shop.refunds.has(refund.id)) ctx.services.emit("refunds/create", refundPayload(shop, refund, ctx.services.options.currency));
    emitOrder(ctx, "orders/cancelled", o);
    emitOrder(ctx, "orders/updated", o);
    return { job, jobResult: null, orderCancelUserErrors: [] };
  },
};

interface RefundInput {
  orderId: string;
  note?: string | null;
  allowOverRefunding?: boolean | null;
  refundLineItems?: { lineItemId: string; quantity: number; restockType?: RefundLine["restockType"] | null; locationId?: string | null }[] | null;
  transactions?: { amount: string; kind: string; gateway: string }[] | null;
}
