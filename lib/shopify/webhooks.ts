import { centsOf } from "./mapping";

const encoder = new TextEncoder();

/**
 * Shopify's webhook signature: base64 of HMAC-SHA256 over the raw body with the app's secret,
 * compared in constant time. Checked before the body is parsed.
 */
export async function verifyWebhook(secret: string, rawBody: ArrayBuffer, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, rawBody));
  const expected = encoder.encode(btoa(String.fromCharCode(...mac)));
  const given = encoder.encode(presented.trim());
  if (expected.byteLength !== given.byteLength) return false;
  return crypto.subtle.timingSafeEqual(expected, given);
}

/** One order line as the sale needs it. */
export interface OrderLine {
  lineId: string;
  sku: string;
  /** Integer cents. */
  price: number;
  /** What the line still sells (0 once refunded or removed). */
  quantity: number;
}

/** What an order webhook (or an order read by the reconciler) tells the sale. */
export interface OrderNews {
  orderId: string;
  name: string;
  cancelled: boolean;
  /** Epoch ms of the order's last change (stale news is recognised by it). */
  updatedAt: number;
  lines: OrderLine[];
}

type RestLine = { id: number | string; sku?: string | null; price?: string; quantity?: number; current_quantity?: number };
type RestOrder = { id: number | string; name?: string; cancelled_at?: string | null; updated_at?: string; created_at?: string; line_items?: RestLine[] };
type RestRefund = { order_id: number | string; created_at?: string; refund_line_items?: { line_item_id: number | string; quantity?: number; line_item?: RestLine | null }[] };

/** An `orders/*` webhook body as OrderNews; null when it is not an order. */
export function orderNews(body: unknown): OrderNews | null {
  const o = body as RestOrder | null;
  if (!o || (typeof o.id !== "number" && typeof o.id !== "string") || !Array.isArray(o.line_items)) return null;
  const updatedAt = Date.parse(o.updated_at ?? o.created_at ?? "");
  return {
    orderId: String(o.id),
    name: o.name ?? String(o.id),
    cancelled: Boolean(o.cancelled_at),
    updatedAt: Number.isFinite(updatedAt) ? updatedAt : 0,
    lines: o.line_items
      .filter((l) => typeof l.sku === "string" && l.sku !== "")
      .map((l) => ({ lineId: String(l.id), sku: l.sku!, price: safeCents(l.price), quantity: l.current_quantity ?? l.quantity ?? 0 })),
  };
}

/** What a `refunds/create` webhook tells the sale: the order, and the lines it refunded (with their SKUs). */
export interface RefundNews {
  orderId: string;
  at: number;
  lines: { lineId: string; sku: string }[];
}

export function refundNews(body: unknown): RefundNews | null {
  const r = body as RestRefund | null;
  if (!r || (typeof r.order_id !== "number" && typeof r.order_id !== "string")) return null;
  const at = Date.parse(r.created_at ?? "");
  return {
    orderId: String(r.order_id),
    at: Number.isFinite(at) ? at : 0,
    lines: (r.refund_line_items ?? [])
      .filter((l) => (l.quantity ?? 1) > 0 && typeof l.line_item?.sku === "string" && l.line_item.sku !== "")
      .map((l) => ({ lineId: String(l.line_item_id), sku: l.line_item!.sku! })),
  };
}

function safeCents(price: string | undefined): number {
  try {
    return price === undefined ? 0 : centsOf(price);
  } catch {
    return 0;
  }
}

/**
 * The transaction id of an order line: a UUID derived from the order and line ids (SHA-256, shaped
 * as a version-8 UUID), so the webhook, a redelivery and the reconciler all name the same sale.
 */
export async function onlineTransactionId(orderId: string, lineId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`shopify-order-line:${orderId}:${lineId}`)));
  const b = digest.slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A `products/update` body: what the sale owns of it (title, status, each variant's SKU and price). */
export function productNews(body: unknown): { productId: string; title: string; status: string; updatedAt: number; variants: { sku: string; price: number }[] } | null {
  const p = body as { id?: number | string; title?: string; status?: string; updated_at?: string; variants?: { sku?: string | null; price?: string }[] } | null;
  if (!p || (typeof p.id !== "number" && typeof p.id !== "string")) return null;
  const updatedAt = Date.parse(p.updated_at ?? "");
  return {
    productId: String(p.id),
    title: String(p.title ?? ""),
    status: String(p.status ?? ""),
    updatedAt: Number.isFinite(updatedAt) ? updatedAt : 0,
    variants: (p.variants ?? []).filter((v) => typeof v.sku === "string" && v.sku !== "").map((v) => ({ sku: v.sku!, price: safeCents(v.price) })),
  };
}

/** An `inventory_levels/update` body. */
export function levelNews(body: unknown): { inventoryItemId: string; available: number; updatedAt: number } | null {
  const l = body as { inventory_item_id?: number | string; available?: number | null; updated_at?: string } | null;
  if (!l || l.inventory_item_id === undefined || typeof l.available !== "number") return null;
  const updatedAt = Date.parse(l.updated_at ?? "");
  return { inventoryItemId: String(l.inventory_item_id), available: l.available, updatedAt: Number.isFinite(updatedAt) ? updatedAt : 0 };
}
