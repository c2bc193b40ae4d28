import type { Context } from "hono";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { shopifyConfig } from "../../lib/shopify/config";
import { levelNews, orderNews, productNews, refundNews, verifyWebhook } from "../../lib/shopify/webhooks";
import type { ShopifyEventMessage } from "../../schemas/shopify";
import type { AppEnv } from "./context";
import { documented, json } from "./route-docs";
import { WebhookAnswer } from "../../schemas/responses";

/** Shopify's own JSON for the topic (an order, a refund, a product, an inventory level); read by lib/shopify/webhooks.ts. */
const WebhookBody = z.record(z.string(), z.unknown()).describe("Shopify's webhook payload for the topic, as Shopify sends it.");

/** Topics whose news the sale reads; any other verified delivery is acknowledged and dropped. */
const ORDER_TOPICS = new Set(["orders/create", "orders/paid", "orders/updated", "orders/cancelled"]);
const OTHER_TOPICS = new Set(["refunds/create", "products/update", "products/delete", "inventory_levels/update", "app/uninstalled"]);

/**
 * `POST /v1/shopify/webhooks`: Shopify's deliveries. No bearer key: the HMAC of the raw body with
 * the app's secret is checked before anything is parsed (401 otherwise, nothing changed). The
 * delivery is reduced to what the sale needs and put on queue `shopify-events`, nothing more, so
 * Shopify hears back within milliseconds even while thousands arrive (a bulk listing fires one
 * per item). Deliveries seen before are dropped by the consumer (consumers/shopify-events.ts).
 */
documented({
  operationId: "receiveShopifyWebhook",
  tag: "Shopify",
  summary: "Shopify's webhooks",
  description:
    "Shopify posts its webhooks here (orders, refunds, product edits and deletions, inventory levels, app uninstalled). The HMAC of the raw body is checked before anything is read; the delivery is reduced to what the sale needs and queued, and answered at once. Deliveries seen before are dropped by the consumer.",
  access: "shopify-hmac",
  headers: {
    "X-Shopify-Topic": { description: "The webhook's topic, e.g. `orders/create`.", required: true },
    "X-Shopify-Webhook-Id": { description: "The delivery's id.", required: true },
    "X-Shopify-Event-Id": { description: "The event's id (one event delivered to two subscriptions is one piece of news).", required: false },
    "X-Shopify-Triggered-At": { description: "When Shopify fired it (ISO 8601).", required: false },
    "X-Shopify-Shop-Domain": { description: "The shop.", required: false },
  },
  body: WebhookBody,
  responses: { 200: json(WebhookAnswer, "Accepted (queued), or acknowledged and dropped for a topic the sale does not use.") },
  errorNotes: {
    UNAUTHENTICATED: "The `X-Shopify-Hmac-Sha256` signature does not match the body, or webhooks are not configured here (SHOPIFY_WEBHOOK_SECRET).",
    VALIDATION_FAILED: "A required header is missing, or the body is not JSON or not what the topic sends.",
  },
}, receiveWebhook);

export async function receiveWebhook(c: Context<AppEnv>) {
  const config = shopifyConfig(c.env);
  if (!config?.webhookSecret) throw new AppError("UNAUTHENTICATED", "Shopify webhooks are not configured here (SHOPIFY_WEBHOOK_SECRET)");
  const raw = await c.req.arrayBuffer();
  if (!(await verifyWebhook(config.webhookSecret, raw, c.req.header("X-Shopify-Hmac-Sha256")))) {
    throw new AppError("UNAUTHENTICATED", "the X-Shopify-Hmac-Sha256 signature does not match the body");
  }
  const topic = c.req.header("X-Shopify-Topic") ?? "";
  const webhookId = c.req.header("X-Shopify-Webhook-Id") ?? "";
  if (!topic || !webhookId) throw new AppError("VALIDATION_FAILED", "X-Shopify-Topic and X-Shopify-Webhook-Id are required");
  if (!ORDER_TOPICS.has(topic) && !OTHER_TOPICS.has(topic)) return c.json({ accepted: false, reason: `topic ${topic} is not used` } satisfies z.infer<typeof WebhookAnswer>);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new AppError("VALIDATION_FAILED", "the webhook body is not JSON");
  }
  const triggered = Date.parse(c.req.header("X-Shopify-Triggered-At") ?? "");
  const message: ShopifyEventMessage = { v: 1, topic, webhookId, triggeredAt: Number.isFinite(triggered) ? triggered : null };
  if (ORDER_TOPICS.has(topic)) {
    const order = orderNews(body);
    if (!order) throw new AppError("VALIDATION_FAILED", `a ${topic} body must be an order`);
    message.order = order;
  } else if (topic === "refunds/create") {
    const refund = refundNews(body);
    if (!refund) throw new AppError("VALIDATION_FAILED", "a refunds/create body must be a refund");
    message.refund = refund;
  } else if (topic === "products/update") {
    const product = productNews(body);
    if (!product) throw new AppError("VALIDATION_FAILED", "a products/update body must be a product");
    message.product = { ...product, variants: product.variants.slice(0, 100) };
  } else if (topic === "products/delete") {
    const id = (body as { id?: number | string } | null)?.id;
    if (id === undefined) throw new AppError("VALIDATION_FAILED", "a products/delete body must name the product");
    message.deletedProductId = String(id);
  } else if (topic === "inventory_levels/update") {
    const level = levelNews(body);
    if (!level) throw new AppError("VALIDATION_FAILED", "an inventory_levels/update body must be an inventory level");
    message.level = level;
  }

  message.eventKey = `${topic}:${c.req.header("X-Shopify-Event-Id") ?? webhookId}`;
  message.shop = c.req.header("X-Shopify-Shop-Domain") ?? null;
  await c.env.SHOPIFY_EVENTS_QUEUE.send(message, { contentType: "json" });
  return c.json({ accepted: true } satisfies z.infer<typeof WebhookAnswer>);
}
