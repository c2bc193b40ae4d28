import { DurableObject } from "cloudflare:workers";
import { attempt, unwrap, type Result } from "../../lib/errors";
import { Sql } from "../../lib/sql";
import type { EventCreate, ItemInput, ItemPatch, ItemRulesBody, SessionCreate } from "../../schemas/api";
import { systemActor, type Actor, type EventRecord, type InventoryItem, type InventoryStatus, type Replayable, type SessionItemSeed, type TransactionView } from "../../schemas/domain";
import type { HoldChanged, SessionMessage, TransactionCompleted, TransactionMessage, TransactionVoided } from "../../schemas/messages";
import { applyHolds } from "./holds";
import { OutboxRelay, queueSender } from "../../producers/outbox-relay";
import { onlineTransactionId } from "../../lib/shopify/webhooks";
import { AppError } from "../../lib/errors";
import { onlineSummary } from "./online";
import { onlineArchivePage, onlineArchiveState, onlineTransaction } from "./online-archive";
import type { ArchivePage, SessionKind } from "../../schemas/archive";
import { takeOnlineOrder, voidOnline, type OnlineContext, type OnlineOrder } from "./online-orders";
import { driftCheck, driftMissing, productDeleted, productUpdated, quantityChanged, type ProductNews } from "./shopify-news";
import { ShopifyRelay } from "./shopify-relay";
import { eventRow, insertEvent, recordedEvent, requireEvent, requireOpen, setItemRules } from "./event";
import { applyPatch, checkPatch, countByStatus, deleteItem, findItem, itemView, listItems, saveItems, type ItemFilter } from "./items";
import { closeEvent, unsoldReport, type CloseOutcome, type UnsoldReport } from "./closing";
import { claimLateSale } from "./late-sales";
import { batchOf, saleOf, voidOf, type RejectedMessage, type SaleOutcome } from "./sales";
import { itemRow, MIGRATIONS } from "./schema";
import { withItemRequest } from "./item-requests";
import { shopifyConfig } from "../../lib/shopify/config";
import type { ShopifyConflict, ShopifyPlan, ShopifyProductState, ShopifyPushed, ShopifyReconcileParams, ShopifyStatus } from "../../schemas/shopify";
import {
  resolveConflict,
  advanceOrdersCursor,
  ordersCursor,
  conflictsPage,
  planFor,
  planPage,
  type PlanPageKind,
  recordConflicts,
  recordFailure,
  recordPushed,
  setEnabled,
  setLocation,
  shopifyRow,
  statusOf,
  type ShopifyConflictView,
} from "./shopify";
import { catchUpWithSessions, prepareSessionStart, registerSession, sessionIds, sessionItems, sessionList, sessionStatusChanged, type SessionContext } from "./sessions";

export type { RejectedMessage, SaleOutcome } from "./sales";


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
  private readonly shopifyRelay: ShopifyRelay;

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
    this.shopifyRelay = new ShopifyRelay({
      sql: this.sql,
      env,
      storage: ctx.storage,
      eventId: () => requireEvent(this.sql).id,
      transactionsPending: () => this.relay.pending(),
    });
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

  /**
   * Creates or replaces items, all or none (ITEM_LOCKED names every item no longer modifiable); with
   * a request (its id and body hash) a repeat answers as the first call did (item-requests.ts).
   */
  async upsertItems(
    items: ItemInput[],
    actor: Actor,
    request: { id: string; bodyHash: string } | null = null,
  ): Promise<Result<Replayable<{ created: number; updated: number; ids: string[] }>>> {
    return attempt(async () => {
      requireOpen(this.sql);
      const now = Date.now();
      const saved = this.ctx.storage.transactionSync(() => withItemRequest(this.sql, request, actor, now, () => saveItems(this.sql, items, actor, now)));
      if (!saved.replayed) await this.relayShopify();
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
      requireOpen(this.sql);
      if (patch.status === "transfer") await catchUpWithSessions(this.sessions);
      const change = checkPatch(this.sql, itemId, patch, actor);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => applyPatch(this.sql, itemId, change, actor, now));
      const item = itemView(itemRow(this.sql, itemId)!);
      await this.relayShopify();
      return item;
    });
  }

  /** Deletes an item while modifiable (withdrawn instead once Shopify lists it); a consignor only their own. */
  async deleteItem(itemId: string, version: number | null, actor: Actor): Promise<Result<{ deleted: boolean; withdrawn: boolean }>> {
    return attempt(async () => {
      requireOpen(this.sql);
      const row = itemRow(this.sql, itemId);
      if (row && actor.role === "consignor" && row.consignor_id !== actor.consignorId) {
        throw new AppError("FORBIDDEN", `item ${itemId} belongs to another consignor`);
      }
      const now = Date.now();
      const outcome = this.ctx.storage.transactionSync(() => deleteItem(this.sql, itemId, version, actor, now));
      await this.relayShopify();
      return outcome;
    });
  }

  /** A page of items in id order, filtered by consignor, status, ids or last change. */
  async listItems(filter: ItemFilter, afterId: string, limit: number): Promise<Result<{ items: InventoryItem[]; next: string | null }>> {
    return attempt(() => {
      requireEvent(this.sql);
      return listItems(this.sql, filter, afterId, Math.min(limit, 1_000));
    });
  }

  /** Sets the limits of consignors' own item entry. */
  async setItemRules(rules: ItemRulesBody, actor: Actor): Promise<Result<EventRecord>> {
    return attempt(() => this.ctx.storage.transactionSync(() => setItemRules(this.sql, rules, actor, Date.now())));
  }

  /** Closes the event after its last session: every unsold item donated or set out for pickup. Idempotent. */
  async closeEvent(actor: Actor): Promise<Result<CloseOutcome>> {
    return attempt(async () => {
      await catchUpWithSessions(this.sessions);
      // No await from here to closeEvent's first write.
      const outcome = closeEvent(this.sessions, actor);
      await this.relayShopify();
      return outcome;
    });
  }

  /** What did not sell: to pick up, and donated with values; for one consignor or all. */
  async unsold(consignorId: string | null): Promise<Result<UnsoldReport>> {
    return attempt(() => unsoldReport(this.sql, consignorId));
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
  async listSessions(): Promise<Result<{ id: string; name: string; status: string; discount: number }[]>> {
    return attempt(() => {
      requireEvent(this.sql);
      return sessionList(this.sql);
    });
  }

  async sessionIds(): Promise<Result<string[]>> {
    return attempt(() => sessionIds(this.sql));
  }

  /** A page of the items a starting session sells: locked and not sold, in id order after `afterId`. */
  async sessionItems(sessionId: string, afterId: string, limit: number): Promise<Result<SessionItemSeed[]>> {
    return attempt(() => sessionItems(this.sql, sessionId, afterId, limit));
  }

  /**
   * A sale made offline during a completed session and uploaded since: its items are sold here to
   * it now, or it is refused having changed nothing (late-sales.ts). Idempotent.
   */
  async claimLateSale(sessionId: string, txId: string, itemIds: string[], occurredAt: number, actor: Actor): Promise<Result<{ claimed: number }>> {
    return attempt(async () => {
      const claimed = await claimLateSale(this.sessions, { sessionId, txId, itemIds, occurredAt }, actor);
      await this.relayShopify();
      return claimed;
    });
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
      if (enabled) {
        await this.shopifyRelay.subscribeWebhooks();
        await this.relayShopify();
      }
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
  async reconcileShopify(reason: ShopifyReconcileParams["reason"], drift = false): Promise<Result<{ instanceId: string; started: boolean }>> {
    return attempt(async () => {
      const event = requireEvent(this.sql);
      this.sql.run("UPDATE shopify SET stopped = 0 WHERE id = 1");
      return this.shopifyRelay.startReconcile({ eventId: event.id, reason, ...(drift ? { drift } : {}) });
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

  /** Marks a conflict resolved by a person, with their note (idempotent). */
  async resolveShopifyConflict(id: number, note: string, actor: Actor): Promise<Result<ShopifyConflictView>> {
    return attempt(() => {
      requireEvent(this.sql);
      const view = this.ctx.storage.transactionSync(() => resolveConflict(this.sql, id, note, actor, Date.now()));
      if (!view) throw new AppError("NOT_FOUND", `conflict ${id} not found`);
      return view;
    });
  }

  /** What a push must do for these items. */
  async shopifyPlan(itemIds: string[]): Promise<Result<ShopifyPlan>> {
    return attempt(() => planFor(this.sql, requireEvent(this.sql).id, itemIds));
  }

  /** A page of the outbox for the reconcile workflow: unlisted items, listed ones with only data to push, or every listed one. */
  async shopifyPage(kind: PlanPageKind, afterSeq: number, limit: number): Promise<Result<ShopifyPlan>> {
    return attempt(() => planPage(this.sql, requireEvent(this.sql).id, kind, afterSeq, Math.min(limit, 10_000)));
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

  /** Online sales for reports (live: this object is their record). */
  async onlineSummary(): Promise<Result<ReturnType<typeof onlineSummary>>> {
    return attempt(() => {
      requireEvent(this.sql);
      return onlineSummary(this.sql);
    });
  }

  /** A refund's lines: each one's online sale is voided (or, its order not seen yet, the line withdrawn). */
  async onlineRefund(orderId: string, lines: { lineId: string; itemId: string }[]): Promise<Result<{ voided: number }>> {
    return attempt(async () => {
      const ctx = this.onlineContext();
      let voided = 0;
      for (const { lineId, itemId } of lines) {
        if (await voidOnline(ctx, { txId: await onlineTransactionId(orderId, lineId), orderId, lineId, itemId }, "refunded on Shopify")) voided++;
      }
      await this.flushOnline();
      return { voided };
    });
  }

  /** The online channel for the nightly archive (online-archive.ts): its state, and a page of one kind. */
  async onlineArchiveState(): Promise<Result<{ rows: number; version: string }>> {
    return attempt(() => onlineArchiveState(this.sql));
  }

  async onlineArchivePage(kind: SessionKind, after: string, limit: number): Promise<Result<ArchivePage>> {
    return attempt(() => onlineArchivePage(this.sql, kind, after, limit));
  }

  /** One online sale as a transaction of session `online`. */
  async onlineTransaction(txId: string): Promise<Result<TransactionView>> {
    return attempt(() => onlineTransaction(this.sql, requireEvent(this.sql).id, txId));
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

  /** The drift check: a page of what Shopify holds, compared with ours (rules 2 and 3). */
  async shopifyDrift(states: ShopifyProductState[]): Promise<Result<{ checked: number; conflicts: number }>> {
    return attempt(() => this.newsThenRelay(() => driftCheck(this.sql, states, systemActor("system:shopify-reconcile"), Date.now())));
  }

  /** The drift check's end: items whose product Shopify no longer has are listed again. */
  async shopifyDriftMissing(presentProductIds: string[]): Promise<Result<{ relisted: number }>> {
    return attempt(() => this.newsThenRelay(() => driftMissing(this.sql, presentProductIds, systemActor("system:shopify-reconcile"), Date.now())));
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

  /** After a commit that may have written Shopify outbox rows: hand them on (shopify-relay.ts). */
  private relayShopify(): Promise<void> {
    return this.shopifyRelay.relay();
  }

  /** Sends online sale messages left behind, starts the periodic reconcile while a session runs, resends the outbox. */
  override async alarm(): Promise<void> {
    if (this.relay.pending() > 0) await this.relay.flush().catch((error: unknown) => console.warn("online sale messages not sent; trying again", error));
    await this.shopifyRelay.onAlarm(eventRow(this.sql) !== null);
  }
}
