import { ShopifyClient } from "../../lib/shopify/client";
import { shopifyConfig } from "../../lib/shopify/config";
import { ensureWebhookSubscriptions } from "../../lib/shopify/subscriptions";
import type { Sql } from "../../lib/sql";
import { startShopifyReconcile } from "../../producers/shopify-reconcile";
import type { ShopifyReconcileParams } from "../../schemas/shopify";
import { outboxWaiting, recordFailure, recordReconcileStarted, RESEND_AFTER_MS, shopifyRow, takeForRelay } from "./shopify";

/** Outbox rows per `shopify-sync` message. */
const RELAY_BATCH = 500;
/** While a session runs, the alarm starts a reconcile this often. */
const RECONCILE_EVERY_MS = 5 * 60_000;
/** How soon the alarm sends online sale messages left behind. */
const TRANSACTIONS_RETRY_MS = 5_000;

/** What the relay needs of the Inventory object. */
export interface RelayContext {
  sql: Sql;
  env: Env;
  storage: DurableObjectStorage;
  eventId(): string;
  /** Online sale messages not yet sent (the object's own outbox). */
  transactionsPending(): number;
}

/**
 * Hands the Shopify outbox to queue `shopify-sync` right after the commit that wrote it (the queue
 * hop is the only wait between a register sale and Shopify's zero), starts the reconcile workflow
 * when a listing is large or a session runs, and keeps the object's alarm set while anything waits.
 * Does nothing unless Shopify is configured and the event enabled.
 */
export class ShopifyRelay {
  constructor(private readonly ctx: RelayContext) {}

  async relay(): Promise<void> {
    const { sql, env, storage } = this.ctx;
    if (!shopifyConfig(env)) return;
    const eventId = this.ctx.eventId();
    for (;;) {
      const { itemIds, needsBulk } = storage.transactionSync(() => takeForRelay(sql, Date.now(), RELAY_BATCH));
      if (needsBulk) await this.startReconcile({ eventId, reason: "alarm" }).catch((error) => console.warn("could not start shopify-reconcile", error));
      if (itemIds.length === 0) break;
      try {
        await env.SHOPIFY_SYNC_QUEUE.send({ v: 1, eventId, itemIds });
      } catch (error) {
        console.warn("shopify-sync send failed; the alarm sends again", error);
        sql.run("UPDATE shopify_outbox SET sent_at = NULL WHERE item_id IN (SELECT value FROM json_each(?))", JSON.stringify(itemIds));
        break;
      }
      if (itemIds.length < RELAY_BATCH) break;
    }
    await this.planAlarm();
  }

  /** Starts a reconcile unless the latest one still runs; the instance doing the work. */
  async startReconcile(params: ShopifyReconcileParams): Promise<{ instanceId: string; started: boolean }> {
    const started = await startShopifyReconcile(this.ctx.env, params, shopifyRow(this.ctx.sql).reconcile_instance);
    if (started.started) recordReconcileStarted(this.ctx.sql, started.instanceId, Date.now());
    return started;
  }

  /**
   * Subscribes the app's webhook endpoint to the topics the sale reads, when this Worker knows its
   * public address (on enabling an event). A failure does not refuse the settings: it shows on the
   * status, and every reconcile run subscribes again.
   */
  async subscribeWebhooks(): Promise<void> {
    const config = shopifyConfig(this.ctx.env);
    if (!config?.publicOrigin) return;
    try {
      await ensureWebhookSubscriptions(new ShopifyClient(config, { maxRetryTime: 10_000 }), `${config.publicOrigin}/v1/shopify/webhooks`);
    } catch (error) {
      recordFailure(this.ctx.sql, `webhook subscriptions: ${error instanceof Error ? error.message : String(error)}`, false, Date.now());
    }
  }

  /** The alarm: the periodic reconcile while a session runs, then whatever the outbox still holds. */
  async onAlarm(eventExists: boolean): Promise<void> {
    const { sql, env } = this.ctx;
    if (!shopifyConfig(env) || !eventExists || !shopifyRow(sql).enabled) return this.planAlarm();
    if (sessionRunning(sql) && (shopifyRow(sql).reconcile_started_at ?? 0) < Date.now() - RECONCILE_EVERY_MS + 1_000) {
      await this.startReconcile({ eventId: this.ctx.eventId(), reason: "alarm" }).catch((error) => console.warn("could not start shopify-reconcile", error));
    }
    await this.relay();
  }

  /** The alarm runs while messages or the outbox wait (resend) or a session runs (periodic reconcile). */
  private async planAlarm(): Promise<void> {
    const { sql, storage } = this.ctx;
    const pending = this.ctx.transactionsPending() > 0;
    if (!shopifyRow(sql).enabled && !pending) return;
    const now = Date.now();
    const at = pending ? now + TRANSACTIONS_RETRY_MS : outboxWaiting(sql) ? now + RESEND_AFTER_MS : sessionRunning(sql) ? now + RECONCILE_EVERY_MS : null;
    if (at === null) return;
    const current = await storage.getAlarm();
    if (current === null || current > at) await storage.setAlarm(at);
  }
}

const sessionRunning = (sql: Sql) => sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE status IN ('starting', 'active')")!.n > 0;
