import { ShopifyStop, type ShopifyClient } from "./client";
import { WEBHOOK_SUBSCRIPTION_CREATE, WEBHOOK_SUBSCRIPTIONS } from "./documents";

/** The topics the sale listens to (orders, refunds, edits and deletions on Shopify, the app's removal). */
export const WEBHOOK_TOPICS = [
  "ORDERS_CREATE",
  "ORDERS_PAID",
  "ORDERS_UPDATED",
  "ORDERS_CANCELLED",
  "REFUNDS_CREATE",
  "PRODUCTS_UPDATE",
  "PRODUCTS_DELETE",
  "INVENTORY_LEVELS_UPDATE",
  "APP_UNINSTALLED",
] as const;

/** Subscribes `uri` to every topic it is not yet subscribed to; returns the topics it added. */
export async function ensureWebhookSubscriptions(client: ShopifyClient, uri: string): Promise<string[]> {
  const existing = await client.request<{ webhookSubscriptions: { nodes: { topic: string; uri: string }[] } }>(WEBHOOK_SUBSCRIPTIONS, { uri });
  const have = new Set(existing.webhookSubscriptions.nodes.filter((s) => s.uri === uri).map((s) => s.topic));
  const added: string[] = [];
  for (const topic of WEBHOOK_TOPICS) {
    if (have.has(topic)) continue;
    const created = await client.request<{ webhookSubscriptionCreate: { userErrors: { message: string }[] } }>(WEBHOOK_SUBSCRIPTION_CREATE, { topic, uri });
    const errors = created.webhookSubscriptionCreate.userErrors;
    if (errors.length > 0) throw new ShopifyStop("WEBHOOK_SUBSCRIPTION_REFUSED", `webhookSubscriptionCreate ${topic} refused: ${errors.map((e) => e.message).join("; ")}`);
    added.push(topic);
  }
  return added;
}
