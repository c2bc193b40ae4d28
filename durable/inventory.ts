import { DurableObject } from "cloudflare:workers";
import { AppError, attempt, invalidTransition, notFound, unwrap, type Result } from "../lib/errors";
import { audit, auditMany, AUDIT_TABLE } from "../lib/audit";
import { Sql } from "../lib/sql";
import type { EventCreate, ItemInput, ItemPatch, SessionCreate } from "../schemas/api";
import type {
  Actor,
  EventRecord,
  InventoryItem,
  InventoryStatus,
  Replayable,
  SessionItemSeed,
  SessionStatus,
} from "../schemas/domain";
import { systemActor } from "../schemas/domain";
import type { TransactionCompleted, TransactionMessage, TransactionVoided } from "../schemas/messages";

/** Items locked per SQL transaction when a session starts (keeps each commit short). */
const LOCK_CHUNK = 5_000;
/** Sold items pulled from a finished session per call while settling. */
const SETTLE_PAGE = 5_000;

const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE event (id INTEGER PRIMARY KEY CHECK (id = 1), event_id TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL)`,
    `CREATE TABLE items (
      id TEXT PRIMARY KEY, consignor_id TEXT NOT NULL, title TEXT NOT NULL, category TEXT NOT NULL,
      size TEXT NOT NULL, price INTEGER NOT NULL, data TEXT NOT NULL DEFAULT '{}',
      status TEXT NOT NULL, shopify_id TEXT, last_synced INTEGER, last_modified INTEGER NOT NULL,
      version INTEGER NOT NULL, sold_tx_id TEXT, sold_session_id TEXT
    ) WITHOUT ROWID`,
    `CREATE INDEX items_by_status ON items (status, id)`,
    `CREATE TABLE sync_metadata (
      id INTEGER PRIMARY KEY CHECK (id = 1), last_sync_time INTEGER, sync_count INTEGER NOT NULL DEFAULT 0,
      conflict_count INTEGER NOT NULL DEFAULT 0, last_successful_sync INTEGER
    )`,
    `INSERT INTO sync_metadata (id) VALUES (1)`,
    `CREATE TABLE sessions (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, position INTEGER NOT NULL,
      settled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    // Every sale this object has heard of, and every void. An item's status follows from them, not
    // from the order messages arrive in: it is sold while a sale of it stands that was not voided.
    `CREATE TABLE sales (
      item_id TEXT NOT NULL, tx_id TEXT NOT NULL, session_id TEXT NOT NULL, occurred_at INTEGER NOT NULL,
      PRIMARY KEY (item_id, tx_id)
    ) WITHOUT ROWID`,
    `CREATE TABLE voided (tx_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
    AUDIT_TABLE,
  ],
];

type ItemRow = {
  id: string;
  consignor_id: string;
  title: string;
  category: string;
  size: string;
  price: number;
  data: string;
  status: InventoryStatus;
  shopify_id: string | null;
  last_synced: number | null;
  last_modified: number;
  version: number;
  sold_tx_id: string | null;
  sold_session_id: string | null;
};

type SessionRow = { id: string; name: string; status: SessionStatus | "starting"; position: number; settled: number };

/** One item's sale, as a message tells it. */
interface SaleRef {
  itemId: string;
  txId: string;
  sessionId: string;
  occurredAt: number;
}

const saleRefs = (message: TransactionCompleted): SaleRef[] =>
  message.items.map((item) => ({ itemId: item.itemId, txId: message.transactionId, sessionId: message.sessionId, occurredAt: message.occurredAt }));

export interface SaleOutcome {
  applied: boolean;
  /** Items the message named that this object could not move (already sold elsewhere, not locked). */
  anomalies: { itemId: string; status: InventoryStatus; soldTransactionId: string | null }[];
}

/**
 * The items of one event (`eventId`) and the registry of its sessions. Item data may change only
 * while an item is `modifiable`; the first session start locks everything, and from then on only
 * status moves, each audited: locked → sold → locked (void), locked → transfer.
 */
export class Inventory extends DurableObject<Env> {
  private readonly sql: Sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.sql.migrate(MIGRATIONS));
    });
  }

  // ---------------------------------------------------------------- event

  async createEvent(input: EventCreate, actor: Actor): Promise<Result<Replayable<EventRecord>>> {
    return attempt(() => {
      const existing = this.eventRow();
      if (existing) {
        if (existing.id !== input.id || existing.name !== input.name) {
          throw new AppError("ALREADY_EXISTS", `event ${input.id} already exists with another name`);
        }
        return { value: existing, replayed: true };
      }
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.sql.run("INSERT INTO event (id, event_id, name, created_at) VALUES (1, ?, ?, ?)", input.id, input.name, now);
        audit(this.sql, actor, now, { entity: "event", entityId: input.id, action: "create", before: null, after: { name: input.name } });
      });
      return { value: this.eventRow()!, replayed: false };
    });
  }

  async getEvent(): Promise<Result<EventRecord>> {
    return attempt(() => this.requireEvent());
  }

  // ---------------------------------------------------------------- items

  /**
   * Creates or replaces items, all or none: one item that is no longer modifiable refuses the
   * whole call with ITEM_LOCKED naming every such item.
   */
  async upsertItems(items: ItemInput[], actor: Actor): Promise<Result<{ created: number; updated: number }>> {
    return attempt(() => {
      this.requireEvent();
      const now = Date.now();
      let created = 0;
      let updated = 0;
      this.ctx.storage.transactionSync(() => {
        const locked: string[] = [];
        const current = new Map<string, ItemRow>();
        for (const item of items) {
          const row = this.itemRow(item.id);
          if (!row) continue;
          if (row.status !== "modifiable") locked.push(item.id);
          else current.set(item.id, row);
        }
        if (locked.length > 0) {
          throw new AppError("ITEM_LOCKED", `${locked.length} item(s) can no longer be changed`, { items: locked });
        }
        for (const item of items) {
          const before = current.get(item.id);
          const data = JSON.stringify(item.data ?? {});
          if (before) {
            this.sql.run(
              `UPDATE items SET consignor_id = ?, title = ?, category = ?, size = ?, price = ?, data = ?,
                 last_modified = ?, version = version + 1 WHERE id = ?`,
              item.consignorId,
              item.title,
              item.category,
              item.size,
              item.price,
              data,
              now,
              item.id,
            );
            updated++;
          } else {
            this.sql.run(
              `INSERT INTO items (id, consignor_id, title, category, size, price, data, status, last_modified, version)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'modifiable', ?, 1)`,
              item.id,
              item.consignorId,
              item.title,
              item.category,
              item.size,
              item.price,
              data,
              now,
            );
            created++;
          }
          audit(this.sql, actor, now, { entity: "item", entityId: item.id, action: before ? "update" : "create", before: before ? editableRow(before) : null, after: editable(item) });
        }
      });
      return { created, updated };
    });
  }

  async getItem(itemId: string): Promise<Result<InventoryItem>> {
    return attempt(() => {
      this.requireEvent();
      const row = this.itemRow(itemId);
      if (!row) throw notFound(`item ${itemId}`);
      return itemView(row);
    });
  }

  /**
   * Changes an item at its current version. Data fields change only while modifiable
   * (ITEM_LOCKED after); `status: "transfer"` moves a locked, unsold item out of the sale while no
   * session runs.
   */
  async patchItem(itemId: string, patch: ItemPatch, actor: Actor): Promise<Result<InventoryItem>> {
    return attempt(() => {
      this.requireEvent();
      const row = this.itemRow(itemId);
      if (!row) throw notFound(`item ${itemId}`);
      if (row.version !== patch.version) {
        throw new AppError("VERSION_CONFLICT", `item ${itemId} is at version ${row.version}, not ${patch.version}`, {
          currentVersion: row.version,
        });
      }
      const { version: _version, status, ...fields } = patch;
      const changesData = Object.keys(fields).length > 0;
      if (changesData && row.status !== "modifiable") {
        throw new AppError("ITEM_LOCKED", `item ${itemId} is ${row.status}; its data can no longer change`, { items: [itemId] });
      }
      if (status === "transfer") {
        if (row.status !== "locked") throw invalidTransition("item", row.status, "transfer");
        const running = this.runningSession();
        if (running) {
          throw invalidTransition("item", row.status, "transfer", { reason: "a session is running", sessionId: running.id });
        }
      }
      const now = Date.now();
      const next = {
        consignor_id: fields.consignorId ?? row.consignor_id,
        title: fields.title ?? row.title,
        category: fields.category ?? row.category,
        size: fields.size ?? row.size,
        price: fields.price ?? row.price,
        data: fields.data === undefined ? row.data : JSON.stringify(fields.data),
        status: status ?? row.status,
      };
      this.ctx.storage.transactionSync(() => {
        this.sql.run(
          `UPDATE items SET consignor_id = ?, title = ?, category = ?, size = ?, price = ?, data = ?, status = ?,
             last_modified = ?, version = version + 1 WHERE id = ?`,
          next.consignor_id,
          next.title,
          next.category,
          next.size,
          next.price,
          next.data,
          next.status,
          now,
          itemId,
        );
        audit(this.sql, actor, now, { entity: "item", entityId: itemId, action: status ? "transfer" : "update", before: { ...editableRow(row), status: row.status }, after: {
          ...editableRow({ ...row, ...next }),
          status: next.status,
        } });
      });
      return itemView(this.itemRow(itemId)!);
    });
  }

  // ---------------------------------------------------------------- sessions

  /** Records a session of the event, in creation order. Idempotent. */
  async registerSession(input: SessionCreate): Promise<Result<{ id: string; status: string }>> {
    return attempt(() => {
      this.requireEvent();
      const existing = this.sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", input.id);
      if (existing) return { id: existing.id, status: existing.status };
      const now = Date.now();
      const position = (this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM sessions")?.n ?? 0) + 1;
      this.sql.run(
        "INSERT INTO sessions (id, name, status, position, created_at, updated_at) VALUES (?, ?, 'initial', ?, ?, ?)",
        input.id,
        input.name,
        position,
        now,
        now,
      );
      return { id: input.id, status: "initial" };
    });
  }

  /**
   * The first half of a session start: sessions run one after another, so another running session
   * refuses it; sessions that ended are settled first (their sales are known here), then every
   * modifiable item is locked.
   */
  async prepareSessionStart(sessionId: string, actor: Actor): Promise<Result<{ locked: number }>> {
    return attempt(async () => {
      this.requireEvent();
      const session = this.sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", sessionId);
      if (!session) throw notFound(`session ${sessionId}`);
      await this.refreshRunningSessions(sessionId);
      const running = this.runningSession();
      if (running && running.id !== sessionId) {
        throw invalidTransition("session", session.status, "active", {
          reason: `session ${running.id} is ${running.status}; sessions run one after another`,
          runningSession: running.id,
        });
      }
      for (const ended of this.sql.all<{ id: string }>("SELECT id FROM sessions WHERE status = 'completed' AND settled = 0")) {
        await this.settle(ended.id);
      }
      this.sql.run("UPDATE sessions SET status = 'starting', updated_at = ? WHERE id = ?", Date.now(), sessionId);
      let locked = 0;
      for (;;) {
        const now = Date.now();
        const batch = this.sql.all<{ id: string }>("SELECT id FROM items WHERE status = 'modifiable' ORDER BY id LIMIT ?", LOCK_CHUNK);
        if (batch.length === 0) break;
        this.ctx.storage.transactionSync(() => {
          for (const { id } of batch) {
            this.sql.run("UPDATE items SET status = 'locked', last_modified = ?, version = version + 1 WHERE id = ?", now, id);
            audit(this.sql, actor, now, { entity: "item", entityId: id, action: "lock", before: { status: "modifiable" }, after: { status: "locked", sessionId } });
          }
        });
        locked += batch.length;
      }
      return { locked };
    });
  }

  /**
   * A session this object believes running may have ended without it hearing (the call telling it
   * failed): ask each one, so a lost notice never blocks the next session.
   */
  private async refreshRunningSessions(except: string) {
    const event = this.requireEvent();
    const believed = this.sql.all<SessionRow>("SELECT * FROM sessions WHERE status IN ('starting', 'active') AND id != ?", except);
    for (const session of believed) {
      const actual = unwrap(await this.env.SALE_SESSION.getByName(`${event.id}:${session.id}`).summary());
      if (actual.status === "completed" || actual.status === "cancelled") {
        this.sql.run("UPDATE sessions SET status = ?, settled = ?, updated_at = ? WHERE id = ?", actual.status, actual.status === "cancelled" ? 1 : 0, Date.now(), session.id);
      }
    }
  }

  /** A page of the items a starting session sells: locked and not sold, in id order after `afterId`. */
  async sessionItems(sessionId: string, afterId: string, limit: number): Promise<Result<SessionItemSeed[]>> {
    return attempt(() => {
      const session = this.sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", sessionId);
      if (!session) throw notFound(`session ${sessionId}`);
      return this.sql
        .all<ItemRow>("SELECT * FROM items WHERE status = 'locked' AND id > ? ORDER BY id LIMIT ?", afterId, Math.min(limit, 10_000))
        .map((r) => ({ id: r.id, consignorId: r.consignor_id, title: r.title, category: r.category, size: r.size, price: r.price }));
    });
  }

  /** The session object reports its transitions; a completed session is settled at once. */
  async sessionStatusChanged(sessionId: string, status: "active" | "completed" | "cancelled"): Promise<Result<{ settled: boolean }>> {
    return attempt(async () => {
      this.sql.run("UPDATE sessions SET status = ?, settled = ?, updated_at = ? WHERE id = ?", status, status === "cancelled" ? 1 : 0, Date.now(), sessionId);
      if (status === "completed") await this.settle(sessionId);
      return { settled: status !== "active" };
    });
  }

  /**
   * Makes this object's item statuses agree with a finished session's: every item it sold is
   * marked sold here. The queue normally brought each sale already; this closes the gap of any
   * message still in flight before the next session may start.
   */
  private async settle(sessionId: string) {
    const event = this.requireEvent();
    const session = this.env.SALE_SESSION.getByName(`${event.id}:${sessionId}`);
    const actor = systemActor("system:settle");
    let cursor = "";
    for (;;) {
      const page = unwrap(await session.listSold(cursor, SETTLE_PAGE));
      if (page.length === 0) break;
      cursor = page[page.length - 1]!.itemId;
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        // A page names each item once, as takeLocked needs.
        const sales = page.map((sold) => ({ itemId: sold.itemId, txId: sold.transactionId, sessionId, occurredAt: sold.soldAt }));
        const taken = this.takeLocked(sales, actor, now);
        for (const sale of sales) if (!taken.has(sale.itemId)) this.recordUncommonSale(sale, actor, now);
      });
      if (page.length < SETTLE_PAGE) break;
    }
    this.sql.run("UPDATE sessions SET settled = 1, updated_at = ? WHERE id = ?", Date.now(), sessionId);
  }

  // ---------------------------------------------------------------- the pipeline's news

  /**
   * Records a completed transaction's sale of each item. Messages may come twice and in any
   * order (a resale before the void of the sale before it): the outcome is the same.
   */
  async applySale(message: TransactionCompleted): Promise<Result<SaleOutcome>> {
    return attempt(() => this.ctx.storage.transactionSync(() => this.saleOf(message, Date.now())));
  }

  /** Records a void: the items it had sold are locked again unless another sale of them stands. */
  async applyVoid(message: TransactionVoided): Promise<Result<{ applied: boolean }>> {
    return attempt(() => this.ctx.storage.transactionSync(() => this.voidOf(message, Date.now())));
  }

  /**
   * A batch from the queue, in one SQL transaction. Order within it does not matter, so the
   * common case — a locked item sold once in the batch by a transaction not voided in it — is
   * applied for the whole batch at once; every other sale and void then goes one at a time.
   */
  async applyBatch(messages: TransactionMessage[]): Promise<Result<{ anomalies: SaleOutcome["anomalies"] }>> {
    return attempt(() =>
      this.ctx.storage.transactionSync(() => {
        const now = Date.now();
        const actor = systemActor("system:transactions-consumer");
        const voidedHere = new Set(messages.filter((m) => m.type === "transaction.voided").map((m) => m.transactionId));
        const sales = messages.flatMap((m) => (m.type === "transaction.completed" ? saleRefs(m) : []));
        const times = new Map<string, number>();
        for (const sale of sales) times.set(sale.itemId, (times.get(sale.itemId) ?? 0) + 1);
        const once = (sale: SaleRef) => times.get(sale.itemId) === 1 && !voidedHere.has(sale.txId);
        const taken = this.takeLocked(sales.filter(once), actor, now);
        const anomalies: SaleOutcome["anomalies"] = [];
        for (const message of messages) {
          if (message.type === "transaction.voided") {
            this.voidOf(message, now);
            continue;
          }
          for (const sale of saleRefs(message)) {
            if (once(sale) && taken.has(sale.itemId)) continue;
            // A sale the set-based pass tried and could not take needs no second try of it.
            const outcome = once(sale) ? this.recordUncommonSale(sale, actor, now) : this.recordSale(sale, actor, now);
            if (outcome.anomaly) anomalies.push(outcome.anomaly);
          }
        }
        return { anomalies };
      }),
    );
  }

  private saleOf(message: TransactionCompleted, now: number): SaleOutcome {
    const actor = systemActor("system:transactions-consumer");
    const anomalies: SaleOutcome["anomalies"] = [];
    let applied = false;
    for (const sale of saleRefs(message)) {
      const outcome = this.recordSale(sale, actor, now);
      applied ||= outcome.changed;
      if (outcome.anomaly) anomalies.push(outcome.anomaly);
    }
    return { applied, anomalies };
  }

  /**
   * The common case, for many sales in three statements: a locked item that no sale holds, sold
   * by a transaction not voided. Such a sale cannot have been recorded before (a recorded sale of
   * an item stands until its void), so its sale row is new. `sales` must name each item once.
   * Returns the items taken. Inside a transaction.
   */
  private takeLocked(sales: readonly SaleRef[], actor: Actor, now: number): Set<string> {
    if (sales.length === 0) return new Set();
    // `+items.status` keeps the planner off the status index: it must walk the sales and find
    // each item by its key, not walk every locked item of the event.
    const taken = new Set(
      this.sql
        .all<{ id: string }>(
          `UPDATE items SET status = 'sold', sold_tx_id = s.tx, sold_session_id = s.session, last_modified = ?, version = version + 1
           FROM (SELECT value ->> 0 AS item, value ->> 1 AS tx, value ->> 2 AS session FROM json_each(?)) AS s
           WHERE items.id = s.item AND +items.status = 'locked' AND items.sold_tx_id IS NULL
             AND NOT EXISTS (SELECT 1 FROM voided WHERE voided.tx_id = s.tx)
           RETURNING id`,
          now,
          JSON.stringify(sales.map((sale) => [sale.itemId, sale.txId, sale.sessionId])),
        )
        .map((row) => row.id),
    );
    const done = sales.filter((sale) => taken.has(sale.itemId));
    this.sql.insertMany(
      "INSERT INTO sales (item_id, tx_id, session_id, occurred_at)",
      done.map((sale) => [sale.itemId, sale.txId, sale.sessionId, sale.occurredAt]),
    );
    auditMany(
      this.sql,
      actor,
      now,
      done.map((sale) => ({
        entity: "item",
        entityId: sale.itemId,
        action: "sell",
        before: { status: "locked", transactionId: null },
        after: { status: "sold", transactionId: sale.txId, sessionId: sale.sessionId },
      })),
    );
    return taken;
  }

  private voidOf(message: TransactionVoided, now: number): { applied: boolean } {
    const actor = systemActor("system:transactions-consumer");
    if (this.sql.run("INSERT OR IGNORE INTO voided (tx_id, at) VALUES (?, ?)", message.transactionId, now) === 0) return { applied: false };
    for (const item of message.items) {
      const row = this.itemRow(item.itemId);
      if (row) this.resolve(row, actor, now);
    }
    return { applied: true };
  }

  /** Inside a transaction. */
  private recordSale(sale: SaleRef, actor: Actor, now: number) {
    if (this.takeLocked([sale], actor, now).size > 0) return { changed: true, anomaly: null };
    return this.recordUncommonSale(sale, actor, now);
  }

  /** A sale `takeLocked` could not take: a duplicate, a missing item, or one to resolve. In a transaction. */
  private recordUncommonSale(sale: SaleRef, actor: Actor, now: number) {
    const { itemId, txId, sessionId, occurredAt } = sale;
    const row = this.itemRow(itemId);
    if (!row) {
      audit(this.sql, actor, now, { entity: "item", entityId: itemId, action: "sell-refused", before: null, after: { transactionId: txId } });
      return { changed: false, anomaly: { itemId, status: "missing" as InventoryStatus, soldTransactionId: null } };
    }
    const inserted = this.sql.run(
      "INSERT OR IGNORE INTO sales (item_id, tx_id, session_id, occurred_at) VALUES (?, ?, ?, ?)",
      itemId,
      txId,
      sessionId,
      occurredAt,
    );
    if (inserted === 0) return { changed: false, anomaly: null };
    return { changed: true, anomaly: this.resolve(row, actor, now) };
  }

  /**
   * Sets an item's status from the sales that stand (recorded and not voided), newest first.
   * Two standing sales of one item only happen while a void is still on its way; it is reported,
   * and resolves itself when the void arrives. Inside a transaction.
   */
  private resolve(row: ItemRow, actor: Actor, now: number): SaleOutcome["anomalies"][number] | null {
    const standing = this.sql.all<{ tx_id: string; session_id: string }>(
      `SELECT tx_id, session_id FROM sales WHERE item_id = ? AND tx_id NOT IN (SELECT tx_id FROM voided)
       ORDER BY occurred_at DESC, tx_id`,
      row.id,
    );
    const winner = standing[0];
    if (!winner) {
      if (row.status !== "sold") return null;
      this.sql.run(
        "UPDATE items SET status = 'locked', sold_tx_id = NULL, sold_session_id = NULL, last_modified = ?, version = version + 1 WHERE id = ?",
        now,
        row.id,
      );
      audit(this.sql, actor, now, { entity: "item", entityId: row.id, action: "void", before: { status: "sold", transactionId: row.sold_tx_id }, after: { status: "locked" } });
      return null;
    }
    if (row.status !== "locked" && row.status !== "sold") {
      audit(this.sql, actor, now, { entity: "item", entityId: row.id, action: "sell-refused", before: { status: row.status }, after: { transactionId: winner.tx_id } });
      return { itemId: row.id, status: row.status, soldTransactionId: null };
    }
    if (row.status !== "sold" || row.sold_tx_id !== winner.tx_id) this.markSold(row, winner.tx_id, winner.session_id, actor, now);
    return standing.length > 1 ? { itemId: row.id, status: "sold", soldTransactionId: standing[1]!.tx_id } : null;
  }

  /** → sold by `txId`, audited. Inside a transaction. */
  private markSold(row: ItemRow, txId: string, sessionId: string, actor: Actor, now: number) {
    this.sql.run(
      "UPDATE items SET status = 'sold', sold_tx_id = ?, sold_session_id = ?, last_modified = ?, version = version + 1 WHERE id = ?",
      txId,
      sessionId,
      now,
      row.id,
    );
    audit(this.sql, actor, now, {
      entity: "item",
      entityId: row.id,
      action: "sell",
      before: { status: row.status, transactionId: row.sold_tx_id },
      after: { status: "sold", transactionId: txId, sessionId },
    });
  }

  /** Counts of items by status (for summaries and tests). */
  async itemCounts(): Promise<Result<Record<InventoryStatus, number>>> {
    return attempt(() => {
      const counts: Record<InventoryStatus, number> = { modifiable: 0, locked: 0, sold: 0, transfer: 0 };
      for (const r of this.sql.all<{ status: InventoryStatus; n: number }>("SELECT status, COUNT(*) AS n FROM items GROUP BY status")) {
        counts[r.status] = r.n;
      }
      return counts;
    });
  }

  // ---------------------------------------------------------------- helpers

  private eventRow(): EventRecord | null {
    const row = this.sql.one<{ event_id: string; name: string; created_at: number }>("SELECT * FROM event WHERE id = 1");
    return row ? { id: row.event_id, name: row.name, createdAt: row.created_at } : null;
  }

  private requireEvent(): EventRecord {
    const event = this.eventRow();
    if (!event) throw notFound("event");
    return event;
  }

  private runningSession(): SessionRow | null {
    return this.sql.one<SessionRow>("SELECT * FROM sessions WHERE status IN ('starting', 'active') ORDER BY position LIMIT 1");
  }

  private itemRow(id: string): ItemRow | null {
    return this.sql.one<ItemRow>("SELECT * FROM items WHERE id = ?", id);
  }

}

function editable(item: Pick<ItemInput, "consignorId" | "title" | "category" | "size" | "price" | "data">) {
  return { consignorId: item.consignorId, title: item.title, category: item.category, size: item.size, price: item.price, data: item.data ?? {} };
}

function editableRow(row: Pick<ItemRow, "consignor_id" | "title" | "category" | "size" | "price" | "data">) {
  return { consignorId: row.consignor_id, title: row.title, category: row.category, size: row.size, price: row.price, data: JSON.parse(row.data) as unknown };
}

function itemView(row: ItemRow): InventoryItem {
  return {
    id: row.id,
    consignorId: row.consignor_id,
    title: row.title,
    category: row.category,
    size: row.size,
    price: row.price,
    data: JSON.parse(row.data) as InventoryItem["data"],
    status: row.status,
    shopifyId: row.shopify_id,
    lastSynced: row.last_synced,
    lastModified: row.last_modified,
    version: row.version,
    soldTransactionId: row.sold_tx_id,
    soldSessionId: row.sold_session_id,
  };
}
