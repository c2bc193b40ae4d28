import { DurableObject } from "cloudflare:workers";
import { attempt, type Result } from "../../lib/errors";
import { Sql } from "../../lib/sql";
import type { EventCreate, ItemInput, ItemPatch, SessionCreate } from "../../schemas/api";
import { systemActor, type Actor, type EventRecord, type InventoryItem, type InventoryStatus, type Replayable, type SessionItemSeed } from "../../schemas/domain";
import type { TransactionCompleted, TransactionMessage, TransactionVoided } from "../../schemas/messages";
import { eventRow, insertEvent, recordedEvent, requireEvent } from "./event";
import { applyPatch, checkPatch, countByStatus, findItem, itemView, saveItems } from "./items";
import { batchOf, saleOf, voidOf, type RejectedMessage, type SaleOutcome } from "./sales";
import { itemRow, MIGRATIONS } from "./schema";
import { catchUpWithSessions, prepareSessionStart, registerSession, sessionIds, sessionItems, sessionStatusChanged, type SessionContext } from "./sessions";

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

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.sessions = {
      sql: this.sql,
      transaction: (fn) => ctx.storage.transactionSync(fn),
      now: () => Date.now(),
      session: (name) => this.env.SALE_SESSION.getByName(name),
    };
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
    return attempt(() => {
      requireEvent(this.sql);
      const now = Date.now();
      return this.ctx.storage.transactionSync(() => saveItems(this.sql, items, actor, now));
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
      return itemView(itemRow(this.sql, itemId)!);
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
    return attempt(() => sessionStatusChanged(this.sessions, sessionId, status));
  }

  // ---------------------------------------------------------------- the pipeline's news

  /** Records a completed transaction's sale of each item; duplicates and any order give the same outcome. */
  async applySale(message: TransactionCompleted): Promise<Result<SaleOutcome & { rejected: RejectedMessage[] }>> {
    return attempt(() => this.ctx.storage.transactionSync(() => saleOf(this.sql, message, systemActor("system:transactions-consumer"), Date.now())));
  }

  /** Records a void: the items it had sold are locked again unless another sale of them stands. */
  async applyVoid(message: TransactionVoided): Promise<Result<{ applied: boolean; rejected: RejectedMessage[] }>> {
    return attempt(() => this.ctx.storage.transactionSync(() => voidOf(this.sql, message, systemActor("system:transactions-consumer"), Date.now())));
  }

  /** A batch from the queue, in one SQL transaction. */
  async applyBatch(messages: TransactionMessage[]): Promise<Result<{ anomalies: SaleOutcome["anomalies"]; rejected: RejectedMessage[] }>> {
    return attempt(() => this.ctx.storage.transactionSync(() => batchOf(this.sql, messages, systemActor("system:transactions-consumer"), Date.now())));
  }
}
