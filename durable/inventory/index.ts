import { DurableObject } from "cloudflare:workers";
import { attempt, unwrap, type Result } from "../../lib/errors";
import { Sql } from "../../lib/sql";
import type { EventCreate, ItemInput, ItemPatch, SessionCreate } from "../../schemas/api";
import { systemActor, type Actor, type EventRecord, type InventoryItem, type InventoryStatus, type Replayable, type SessionItemSeed } from "../../schemas/domain";
import type { HoldChanged, SessionMessage, TransactionCompleted, TransactionMessage, TransactionVoided } from "../../schemas/messages";
import { applyHolds } from "./holds";
import { OutboxRelay, queueSender } from "../../producers/outbox-relay";
import { onlineTransactionId } from "../../lib/shopify/webhooks";
import { AppError } from "../../lib/errors";
import { takeOnlineOrder, voidOnline, type OnlineContext, type OnlineOrder } from "./online-orders";
import { productDeleted, productUpdated, quantityChanged, type ProductNews } from "./shopify-news";
import { eventRow, insertEvent, recordedEvent, requireEvent } from "./event";
import { applyPatch, checkPatch, countByStatus, findItem, itemView, saveItems } from "./items";
import { batchOf, saleOf, voidOf, type RejectedMessage, type SaleOutcome } from "./sales";
import { itemRow, MIGRATIONS } from "./schema";
import { shopifyConfig } from "../../lib/shopify/config";
import { startShopifyReconcile } from "../../producers/shopify-reconcile";
import type { ShopifyConflict, ShopifyPlan, ShopifyPushed, ShopifyReconcileParams, ShopifyStatus } from "../../schemas/shopify";
import {
  advanceOrdersCursor,
  ordersCursor,
  conflictsPage,
  outboxWaiting,
  planFor,
  planPage,
  recordConflicts,
  recordFailure,
  recordPushed,
  recordReconcileStarted,
  RESEND_AFTER_MS,
  setEnabled,
  setLocation,
  shopifyRow,
  statusOf,
  takeForRelay,
  type ShopifyConflictView,
} from "./shopify";
import { catchUpWithSessions, prepareSessionStart, registerSession, sessionIds, sessionItems, sessionStatusChanged, type SessionContext } from "./sessions";

export type { RejectedMessage, SaleOutcome } from "./sales";

/** Outbox rows per `shopify-sync` message. */
const RELAY_BATCH = 500;
/** While a session runs, the alarm starts a reconcile this often. */
const RECONCILE_EVERY_MS = 5 * 60_000;

/**
 * The items of one event (`eventId`) and the registry of its sessions. Item data may change only
 * while an item is `modifiable`; the first session start locks everything, and from then on only
 * status moves, each audited: locked → sold → locked (void), locked → transfer.
 *
 * Each method opens the transaction its call needs and leaves the work to the module that owns the
 * concern: event.ts, items.ts, sessions.ts (registry, start, settle) and sales.ts (the pipeline's news).
 */
export class Inventory extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly sessions: SessionContext;
  /** The transaction messages of online sales, to the same queue as the sessions' sales. */
  private readonly relay: OutboxRelay;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.sessions = {
      sql: this.sql,
      transaction: (fn) => ctx.storage.transactionSync(fn),
      now: () => Date.now(),
      session: (name) => this.env.SALE_SESSION.getByName(name),
    };
    this.relay = new OutboxRelay(this.sql, queueSender(env.TRANSACTIONS_QUEUE));
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.sql.migrate(MIGRATIONS));
    });
  }

  // ---------------------------------------------------------------- event

  async createEvent(input: EventCreate, actor: Actor): Promise<Result<Replayable<EventRecord>>> {
    return attempt(() => {
      const existing = recordedEvent(this.sql, input);
      if (existing) return { value: existing, replayed: true };
      const now = Date.now();
      this.ctx.storage.transactionSync(() => insertEvent(this.sql, input, actor, now));
      return { value: eventRow(this.sql)!, replayed: false };
    });
  }

  async getEvent(): Promise<Result<EventRecord>> {
    return attempt(() => requireEvent(this.sql));
  }

  // ---------------------------------------------------------------- items

  /** Creates or replaces items, all or none (ITEM_LOCKED names every item no longer modifiable). */
  async upsertItems(items: ItemInput[], actor: Actor): Promise<Result<{ created: number; updated: number }>> {
    return attempt(async () => {
      requireEvent(this.sql);
      const now = Date.now();
      const saved = this.ctx.storage.transactionSync(() => saveItems(this.sql, items, actor, now));
      await this.relayShopify();
      return saved;
    });
  }

  async getItem(itemId: string): Promise<Result<InventoryItem>> {
    return attempt(() => {
      requireEvent(this.sql);
      return findItem(this.sql, itemId);
    });
  }

  /**
   * Changes an item at its current version: its data while modifiable, or `status: "transfer"`. A
   * transfer first catches up with the sessions (one may have ended, and sold the item, without
   * this object hearing); the checks and the write then run with no await between them.
   */
  async patchItem(itemId: string, patch: ItemPatch, actor: Actor): Promise<Result<InventoryItem>> {
    return attempt(async () => {
      requireEvent(this.sql);
      if (patch.status === "transfer") await catchUpWithSessions(this.sessions);
      const change = checkPatch(this.sql, itemId, patch);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => applyPatch(this.sql, itemId, change, actor, now));
      const item = itemView(itemRow(this.sql, itemId)!);
      await this.relayShopify();
      return item;
    });
  }

  /** Counts of items by status (for summaries and tests). */
  async itemCounts(): Promise<Result<Record<InventoryStatus, number>>> {
    return attempt(() => countByStatus(this.sql));
  }

  // ---------------------------------------------------------------- sessions

  /** Records a session of the event, in creation order. Idempotent. */
  async registerSession(input: SessionCreate): Promise<Result<{ id: string; status: string }>> {
    return attempt(() => {
      requireEvent(this.sql);
      return registerSession(this.sql, input, Date.now());
    });
  }

  /** The first half of a session start: settles ended sessions, then locks every modifiable item. */
  async prepareSessionStart(sessionId: string, actor: Actor): Promise<Result<{ locked: number }>> {
    return attempt(() => prepareSessionStart(this.sessions, sessionId, actor));
  }

  /** Every session of the event, in the order they were created. */
  async sessionIds(): Promise<Result<string[]>> {
    return attempt(() => sessionIds(this.sql));
  }

  /** A page of the items a starting session sells: locked and not sold, in id order after `afterId`. */
  async sessionItems(sessionId: string, afterId: string, limit: number): Promise<Result<SessionItemSeed[]>> {
    return attempt(() => sessionItems(this.sql, sessionId, afterId, limit));
  }

  /** The session object reports its transitions; a completed session is settled at once. */
  async sessionStatusChanged(sessionId: string, status: "active" | "completed" | "cancelled"): Promise<Result<{ settled: boolean }>> {
    return attempt(async () => {
      const changed = await sessionStatusChanged(this.sessions, sessionId, status);
      await this.relayShopify();
      return changed;
    });
  }

  // ---------------------------------------------------------------- the pipeline's news

  /** Records a completed transaction's sale of each item; duplicates and any order give the same outcome. */
  async applySale(message: TransactionCompleted): Promise<Result<SaleOutcome & { rejected: RejectedMessage[] }>> {
    return attempt(() => this.relayingAfter(() => this.ctx.storage.transactionSync(() => saleOf(this.sql, message, systemActor("system:transactions-consumer"), Date.now()))));
  }

  /** Records a void: the items it had sold are locked again unless another sale of them stands. */
  async applyVoid(message: TransactionVoided): Promise<Result<{ applied: boolean; rejected: RejectedMessage[] }>> {
    return attempt(() => this.relayingAfter(() => this.ctx.storage.transactionSync(() => voidOf(this.sql, message, systemActor("system:transactions-consumer"), Date.now()))));
  }

  /** A batch from the queue (sales, voids, holds), in one SQL transaction. */
  async applyBatch(messages: SessionMessage[]): Promise<Result<{ anomalies: SaleOutcome["anomalies"]; rejected: RejectedMessage[] }>> {
    const transactions = messages.filter((m): m is TransactionMessage => m.type !== "hold.changed");
    const holds = messages.filter((m): m is HoldChanged => m.type === "hold.changed");
    return attempt(() =>
      this.relayingAfter(() =>
        this.ctx.storage.transactionSync(() => {
          applyHolds(this.sql, holds);
          return batchOf(this.sql, transactions, systemActor("system:transactions-consumer"), Date.now());
        }),
      ),
    );
  }

  // ---------------------------------------------------------------- Shopify (see shopify.ts)

  /**
   * Turns the event's online channel on or off. On, every item goes to the outbox: a few are
   * listed through \`shopify-sync\` one call each, many by the reconcile workflow's bulk operation.
   */
  async setShopifyEnabled(enabled: boolean, actor: Actor): Promise<Result<ShopifyStatus & { reconcileInstance: string | null }>> {
    return attempt(async () => {
      requireEvent(this.sql);
      this.ctx.storage.transactionSync(() => setEnabled(this.sql, enabled, actor, Date.now()));
      if (enabled) await this.relayShopify();
      return { ...statusOf(this.sql, shopifyConfig(this.env) !== null), reconcileInstance: shopifyRow(this.sql).reconcile_instance };
    });
  }

  async shopifyStatus(): Promise<Result<ShopifyStatus>> {
    return attempt(() => {
      requireEvent(this.sql);
      return statusOf(this.sql, shopifyConfig(this.env) !== null);
    });
  }

  /** Starts a reconcile now (unless one is running); the instance doing it. */
  async reconcileShopify(reason: ShopifyReconcileParams["reason"]): Promise<Result<{ instanceId: string; started: boolean }>> {
    return attempt(async () => {
      const event = requireEvent(this.sql);
      this.sql.run("UPDATE shopify SET stopped = 0 WHERE id = 1");
      const latest = shopifyRow(this.sql).reconcile_instance;
      const started = await startShopifyReconcile(this.env, { eventId: event.id, reason }, latest);
      if (started.started) recordReconcileStarted(this.sql, started.instanceId, Date.now());
      return started;
    });
  }

  /** Conflicts with Shopify, newest first (paged by id). */
  async shopifyConflicts(beforeId: number, limit: number): Promise<Result<ShopifyConflictView[]>> {
    return attempt(() => {
      requireEvent(this.sql);
      return conflictsPage(this.sql, beforeId, Math.min(limit, 500));
    });
  }

  /** The inbound reconcile's cursor (epoch ms), and moving it forward. */
  async shopifyOrdersCursor(): Promise<Result<number>> {
    return attempt(() => ordersCursor(this.sql));
  }

  async advanceShopifyOrdersCursor(at: number): Promise<Result<void>> {
    return attempt(() => advanceOrdersCursor(this.sql, at));
  }

  /** What a push must do for these items. */
  async shopifyPlan(itemIds: string[]): Promise<Result<ShopifyPlan>> {
    return attempt(() => planFor(this.sql, requireEvent(this.sql).id, itemIds));
  }

  /** A page of the outbox for the reconcile workflow (unlisted items, or listed ones). */
  async shopifyPage(unlisted: boolean, afterSeq: number, limit: number): Promise<Result<ShopifyPlan>> {
    return attempt(() => planPage(this.sql, requireEvent(this.sql).id, unlisted, afterSeq, Math.min(limit, 10_000)));
  }

  /** Records what Shopify acknowledged and any stale compare; items changed meanwhile go again. */
  async shopifyRecord(outcome: { pushed: ShopifyPushed[]; conflicts: ShopifyConflict[]; locationId?: string }): Promise<Result<{ done: number; again: number }>> {
    return attempt(async () => {
      const now = Date.now();
      const result = this.ctx.storage.transactionSync(() => {
        if (outcome.locationId) setLocation(this.sql, outcome.locationId);
        recordConflicts(this.sql, outcome.conflicts, systemActor("system:shopify-sync"), now);
        return recordPushed(this.sql, outcome.pushed, now);
      });
      if (result.again > 0 || outcome.conflicts.length > 0) await this.relayShopify();
      return result;
    });
  }

  /** A failed sync: `stop` when a person must act (shown on the status; syncing waits). */
  async shopifyFailed(message: string, stop: boolean): Promise<Result<void>> {
    return attempt(() => recordFailure(this.sql, message, stop, Date.now()));
  }

  // ---------------------------------------------------------------- online sales (online-orders.ts)

  /** An order's news: its lines become online sales, refusals (conflicts) or voids; idempotent per line. */
  async onlineOrder(order: OnlineOrder): Promise<Result<{ sold: string[]; refused: string[]; voided: string[] }>> {
    return attempt(async () => {
      const outcome = await takeOnlineOrder(this.onlineContext(), order);
      await this.flushOnline();
      return outcome;
    });
  }

  /** A refund's lines: each one's online sale is voided. */
  async onlineRefund(orderId: string, lineIds: string[]): Promise<Result<{ voided: number }>> {
    return attempt(async () => {
      const ctx = this.onlineContext();
      let voided = 0;
      for (const lineId of lineIds) if (await voidOnline(ctx, await onlineTransactionId(orderId, lineId), "refunded on Shopify")) voided++;
      await this.flushOnline();
      return { voided };
    });
  }

  private onlineContext(): OnlineContext {
    return {
      sql: this.sql,
      eventId: requireEvent(this.sql).id,
      transaction: (fn) => this.ctx.storage.transactionSync(fn),
      enqueue: (message, now) => this.relay.enqueue(message, now),
      rateTable: async () => unwrap(await this.env.COMMISSION_LEDGER.getByName(requireEvent(this.sql).id).rateTable()),
      session: (sessionId) => this.env.SALE_SESSION.getByName(`${requireEvent(this.sql).id}:${sessionId}`),
    };
  }

  // ---------------------------------------------------------------- Shopify's news (shopify-news.ts)

  async shopifyProductUpdated(news: ProductNews): Promise<Result<{ conflicts: number }>> {
    return attempt(() => this.newsThenRelay(() => productUpdated(this.sql, news, systemActor("system:shopify-events"), Date.now())));
  }

  /** Deletions and quantities of a queue batch; each one not of this event's items changes nothing. */
  async shopifyLevelsAndDeletions(news: { deleted: string[]; levels: { inventoryItemId: string; available: number; updatedAt: number }[] }): Promise<Result<{ relisted: number; conflicts: number }>> {
    return attempt(() =>
      this.newsThenRelay(() => {
        const actor = systemActor("system:shopify-events");
        const now = Date.now();
        let relisted = 0;
        let conflicts = 0;
        for (const productId of news.deleted) if (productDeleted(this.sql, productId, actor, now).relisted) relisted++;
        for (const level of news.levels) conflicts += quantityChanged(this.sql, level.inventoryItemId, level.available, level.updatedAt, actor, now).conflicts;
        return { relisted, conflicts };
      }),
    );
  }

  private async newsThenRelay<T>(fn: () => T): Promise<T> {
    if (!eventRow(this.sql)) throw new AppError("NOT_FOUND", "event not found");
    const value = this.ctx.storage.transactionSync(fn);
    await this.relayShopify();
    return value;
  }

  private async flushOnline() {
    try {
      await this.relay.flush();
    } catch (error) {
      console.warn("online sale messages not sent; the alarm sends them again", error);
    }
    await this.relayShopify();
  }

  // ---------------------------------------------------------------- Shopify outbox relay and alarm

  private async relayingAfter<T>(fn: () => T): Promise<T> {
    const value = fn();
    await this.relayShopify();
    return value;
  }

  /**
   * Hands outbox rows to \`shopify-sync\` right after the commit that wrote them (the queue hop is
   * the only wait between a register sale and Shopify's zero); the alarm sends again whatever
   * was not acknowledged. Does nothing unless Shopify is configured and the event enabled.
   */
  private async relayShopify(): Promise<void> {
    if (!shopifyConfig(this.env)) return;
    const event = requireEvent(this.sql);
    for (;;) {
      const { itemIds, needsListing } = this.ctx.storage.transactionSync(() => takeForRelay(this.sql, Date.now(), RELAY_BATCH));
      if (needsListing) await this.startReconcile({ eventId: event.id, reason: "alarm" }).catch((error) => console.warn("could not start shopify-reconcile", error));
      if (itemIds.length === 0) break;
      try {
        await this.env.SHOPIFY_SYNC_QUEUE.send({ v: 1, eventId: event.id, itemIds });
      } catch (error) {
        console.warn("shopify-sync send failed; the alarm sends again", error);
        this.sql.run("UPDATE shopify_outbox SET sent_at = NULL WHERE item_id IN (SELECT value FROM json_each(?))", JSON.stringify(itemIds));
        break;
      }
      if (itemIds.length < RELAY_BATCH) break;
    }
    await this.planAlarm();
  }

  private async startReconcile(params: ShopifyReconcileParams): Promise<string> {
    const started = await startShopifyReconcile(this.env, params, shopifyRow(this.sql).reconcile_instance);
    if (started.started) recordReconcileStarted(this.sql, started.instanceId, Date.now());
    return started.instanceId;
  }

  /** The alarm runs while the outbox waits (resend) or a session runs (periodic reconcile). */
  private async planAlarm(): Promise<void> {
    const state = shopifyRow(this.sql);
    if (!state.enabled && this.relay.pending() === 0) return;
    const sessionRunning = this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE status IN ('starting', 'active')")!.n > 0;
    const now = Date.now();
    const at = this.relay.pending() > 0 ? now + 5_000 : outboxWaiting(this.sql) ? now + RESEND_AFTER_MS : sessionRunning ? now + RECONCILE_EVERY_MS : null;
    if (at === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    if (this.relay.pending() > 0) await this.relay.flush().catch((error: unknown) => console.warn("online sale messages not sent; trying again", error));
    if (!shopifyConfig(this.env) || !eventRow(this.sql) || !shopifyRow(this.sql).enabled) return this.planAlarm();
    const state = shopifyRow(this.sql);
    const sessionRunning = this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE status IN ('starting', 'active')")!.n > 0;
    if (sessionRunning && (state.reconcile_started_at ?? 0) < Date.now() - RECONCILE_EVERY_MS + 1_000) {
      await this.startReconcile({ eventId: requireEvent(this.sql).id, reason: "alarm" }).catch((error) => console.warn("could not start shopify-reconcile", error));
    }
    await this.relayShopify();
  }
}
