import { unwrap } from "../lib/errors";
import { ShopifyClient, ShopifyStop } from "../lib/shopify/client";
import { shopifyConfig } from "../lib/shopify/config";
import { pushPlan, resolveLocation } from "../lib/shopify/push";
import { ShopifySyncMessage } from "../schemas/shopify";
import { retryDelaySeconds } from "./transactions";

/**
 * Consumer of `shopify-sync`: the Inventory's outbox rows, per event. For each event it asks the
 * Inventory what Shopify must learn of the named items (their current state, so a late message
 * pushes the latest change, and an item already acknowledged needs nothing), pushes it, and
 * records the answer. Every call is compare-and-set with an idempotency key, so redelivery and
 * retries are harmless. What needs a person is recorded on the event's status and acked (the
 * outbox keeps the items until the sync resumes); anything else is retried with backoff.
 */
export async function consumeShopifySync(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const config = shopifyConfig(env);
  const byEvent = new Map<string, { messages: Message<unknown>[]; itemIds: Set<string> }>();
  for (const message of batch.messages) {
    const parsed = ShopifySyncMessage.safeParse(message.body);
    if (!parsed.success || !config) {
      if (!parsed.success) console.error(`shopify-sync: malformed message ${message.id} dropped`, parsed.error.message);
      message.ack();
      continue;
    }
    const group = byEvent.get(parsed.data.eventId) ?? { messages: [], itemIds: new Set<string>() };
    group.messages.push(message);
    for (const id of parsed.data.itemIds) group.itemIds.add(id);
    byEvent.set(parsed.data.eventId, group);
  }
  if (!config) return;
  const client = new ShopifyClient(config, { maxRetryTime: 20_000 });
  await Promise.all(
    [...byEvent].map(async ([eventId, group]) => {
      const inventory = env.INVENTORY.getByName(eventId);
      try {
        const plan = unwrap(await inventory.shopifyPlan([...group.itemIds]));
        if (plan.enabled && !plan.stopped && plan.entries.length > 0) {
          const locationId = await resolveLocation(client, plan.locationId);
          const outcome = await pushPlan(client, plan, locationId);
          unwrap(await inventory.shopifyRecord({ ...outcome, locationId }));
        }
        for (const message of group.messages) message.ack();
      } catch (error) {
        if (error instanceof ShopifyStop) {
          console.error(`shopify-sync: event ${eventId} needs a person: ${error.message}`);
          await inventory.shopifyFailed(`${error.code}: ${error.message}`, true).catch(() => undefined);
          for (const message of group.messages) message.ack();
          return;
        }
        const reason = error instanceof Error ? error.message : String(error);
        console.warn(`shopify-sync: event ${eventId} failed; retrying`, reason);
        await inventory.shopifyFailed(reason, false).catch(() => undefined);
        for (const message of group.messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}
