import { unwrap } from "../lib/errors";
import { ShopifyEventMessage } from "../schemas/shopify";
import { retryDelaySeconds } from "./transactions";

/** Event ids known to this isolate, refreshed when a SKU names none of them. */
let knownEvents: { ids: string[]; at: number } | null = null;
const EVENTS_TTL_MS = 60_000;

async function eventIds(env: Env, fresh: boolean): Promise<string[]> {
  if (!fresh && knownEvents && Date.now() - knownEvents.at < EVENTS_TTL_MS) return knownEvents.ids;
  const { results } = await env.DB.prepare("SELECT id FROM events").all<{ id: string }>();
  knownEvents = { ids: results.map((r) => r.id).sort((a, b) => b.length - a.length), at: Date.now() };
  return knownEvents.ids;
}

/**
 * A SKU is `{eventId}-{itemId}`; both may contain '-', so the event is the longest known event id
 * the SKU starts with (followed by '-'). Null for a SKU of no event (another product of the shop).
 */
async function splitSku(env: Env, sku: string): Promise<{ eventId: string; itemId: string } | null> {
  for (const fresh of [false, true]) {
    const id = (await eventIds(env, fresh)).find((e) => sku.startsWith(`${e}-`) && sku.length > e.length + 1);
    if (id) return { eventId: id, itemId: sku.slice(id.length + 1) };
  }
  return null;
}

/**
 * Consumer of `shopify-events` (a deletion or a quantity names only Shopify's ids, so every event
 * checks whether it is one of its items, in one call per event for the whole batch): verified webhooks, reduced to their news. An order's lines go to
 * the Inventory of each event they name (sales, refusals, voids — all idempotent by the line's
 * transaction id, so duplicates and reordering change nothing); a refund's lines void their
 * sales. Product edits, deletions and quantities go to the conflict rules (shopify-news.ts). A
 * failure is retried with backoff.
 */
export async function consumeShopifyEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const bulk: { message: Message<unknown>; body: ShopifyEventMessage }[] = [];
  const each: { message: Message<unknown>; body: ShopifyEventMessage }[] = [];
  const valid: { message: Message<unknown>; body: ShopifyEventMessage }[] = [];
  for (const message of batch.messages) {
    const parsed = ShopifyEventMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error(`shopify-events: malformed message ${message.id} dropped`, parsed.error.message);
      message.ack();
      continue;
    }
    valid.push({ message, body: parsed.data });
  }
  const seen = await alreadyHandled(env, valid.map((v) => v.body));
  const fresh = new Set<string>();
  for (const { message, body } of valid) {
    const key = body.eventKey ?? `${body.topic}:${body.webhookId}`;
    // Handled before (a redelivery, or the same event to another subscription), or twice in this batch.
    if (seen.has(body.webhookId) || seen.has(key) || fresh.has(key)) {
      message.ack();
      continue;
    }
    fresh.add(key);
    // Quantities and deletions (thousands after a bulk listing) go to every event in one call each.
    (body.level || body.deletedProductId !== undefined ? bulk : each).push({ message, body });
  }
  if (bulk.length > 0) {
    try {
      const news = {
        deleted: bulk.flatMap(({ body }) => (body.deletedProductId === undefined ? [] : [body.deletedProductId])),
        levels: bulk.flatMap(({ body }) => (body.level ? [{ ...body.level, updatedAt: happenedAt(body, body.level.updatedAt) }] : [])),
      };
      for (const eventId of await eventIds(env, true)) unwrap(await env.INVENTORY.getByName(eventId).shopifyLevelsAndDeletions(news));
      await markHandled(env, bulk.map((b) => b.body));
      for (const { message } of bulk) message.ack();
    } catch (error) {
      console.warn(`shopify-events: ${bulk.length} quantity or deletion news failed; retrying`, error instanceof Error ? error.message : error);
      for (const { message } of bulk) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
  await Promise.all(
    each.map(async ({ message, body }) => {
      try {
        await handle(body, env);
        await markHandled(env, [body]);
        message.ack();
      } catch (error) {
        console.warn(`shopify-events: ${body.topic} ${body.webhookId} failed; retrying`, error instanceof Error ? error.message : error);
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

async function handle(message: ShopifyEventMessage, env: Env) {
  if (message.order) {
    const byEvent = new Map<string, { lineId: string; itemId: string; price: number; quantity: number }[]>();
    for (const line of message.order.lines) {
      const where = await splitSku(env, line.sku);
      if (!where) continue;
      byEvent.set(where.eventId, [...(byEvent.get(where.eventId) ?? []), { lineId: line.lineId, itemId: where.itemId, price: line.price, quantity: line.quantity }]);
    }
    for (const [eventId, lines] of byEvent) {
      unwrap(await env.INVENTORY.getByName(eventId).onlineOrder({ orderId: message.order.orderId, name: message.order.name, cancelled: message.order.cancelled, lines }));
    }
  }
  if (message.refund) {
    const byEvent = new Map<string, { lineId: string; itemId: string }[]>();
    for (const line of message.refund.lines) {
      const where = await splitSku(env, line.sku);
      if (where) byEvent.set(where.eventId, [...(byEvent.get(where.eventId) ?? []), { lineId: line.lineId, itemId: where.itemId }]);
    }
    for (const [eventId, lines] of byEvent) unwrap(await env.INVENTORY.getByName(eventId).onlineRefund(message.refund.orderId, lines));
  }
  if (message.product) {
    const where = message.product.variants[0] ? await splitSku(env, message.product.variants[0].sku) : null;
    if (where) unwrap(await env.INVENTORY.getByName(where.eventId).shopifyProductUpdated({ ...message.product, updatedAt: happenedAt(message, message.product.updatedAt) }));
  }
  if (message.topic === "app/uninstalled") {
    for (const eventId of await eventIds(env, true)) {
      unwrap(await env.INVENTORY.getByName(eventId).shopifyFailed("APP_UNINSTALLED: the app was uninstalled from the shop; install it again and save the settings", true));
    }
  }
}

/**
 * When the news happened: X-Shopify-Triggered-At (milliseconds) when the delivery had it, else the
 * body's whole-second time taken as the end of its second.
 */
const happenedAt = (message: ShopifyEventMessage, updatedAt: number) => message.triggeredAt ?? updatedAt + 999;

/**
 * Webhook ids and event keys already handled, of those in `bodies`: one D1 read per batch. A
 * delivery is marked handled only once its news is applied, so a failure is tried again; two
 * copies in flight at once are both applied, which the handling makes harmless (every step is
 * idempotent).
 */
async function alreadyHandled(env: Env, bodies: readonly ShopifyEventMessage[]): Promise<Set<string>> {
  if (bodies.length === 0) return new Set();
  const keys = bodies.flatMap((b) => [b.webhookId, b.eventKey ?? `${b.topic}:${b.webhookId}`]);
  const { results } = await env.DB.prepare(
    `SELECT webhook_id AS k FROM shopify_webhooks WHERE webhook_id IN (SELECT value FROM json_each(?1))
     UNION SELECT event_key AS k FROM shopify_webhooks WHERE event_key IN (SELECT value FROM json_each(?1))`,
  )
    .bind(JSON.stringify(keys))
    .all<{ k: string }>();
  return new Set(results.map((r) => r.k));
}

async function markHandled(env: Env, bodies: readonly ShopifyEventMessage[]): Promise<void> {
  if (bodies.length === 0) return;
  const rows = bodies.map((b) => [b.webhookId, b.eventKey ?? `${b.topic}:${b.webhookId}`, b.topic, b.shop ?? null, b.triggeredAt, Date.now()]);
  await env.DB.prepare(
    `INSERT OR IGNORE INTO shopify_webhooks (webhook_id, event_key, topic, shop, triggered_at, received_at)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?)`,
  )
    .bind(JSON.stringify(rows))
    .run();
}
