import { DurableObject } from "cloudflare:workers";
import { AppError, attempt, invalidTransition, notFound, unwrap, type Result } from "../lib/errors";
import { commissionOf, rateFor } from "../lib/money";
import { audit, AUDIT_TABLE } from "../lib/audit";
import { Sql } from "../lib/sql";
import { OutboxRelay, queueSender } from "../producers/outbox-relay";
import type { HoldCreate, SessionCreate, TransactionCreate } from "../schemas/api";
import {
  systemActor,
  type Actor,
  type HoldView,
  type Replayable,
  type SaleSessionSummary,
  type SessionItemSeed,
  type SessionStatus,
  type TransactionView,
} from "../schemas/domain";
import type { MessageItem, TransactionCompleted, TransactionMessage, TransactionVoided } from "../schemas/messages";
import { ARCHIVE_PAGE, SESSION_KINDS, type ArchivePage, type ArchiveRow, type SessionKind } from "../schemas/archive";

/**
 * A few milliseconds of gathering let the checkouts of busy registers share one queue send (and
 * one delete of the sent rows). It only delays the message, never the register's answer.
 */
const OUTBOX_GATHER_MS = 20;
/** Marks an item sold by a transaction (binds tx id, time); the caller adds the WHERE. */
const SELL_ITEM = "UPDATE items SET status = 'sold', tx_id = ?, sold_at = ?, hold_id = NULL, hold_register = NULL, hold_expires_at = NULL";
/** Items fetched from the Inventory per page while a session starts. */
const LOAD_PAGE = 5_000;

const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE session (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      event_id TEXT NOT NULL, session_id TEXT NOT NULL, name TEXT NOT NULL,
      status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER NOT NULL,
      created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER,
      total_sales INTEGER NOT NULL DEFAULT 0, total_commissions INTEGER NOT NULL DEFAULT 0,
      item_count INTEGER NOT NULL DEFAULT 0, sold_count INTEGER NOT NULL DEFAULT 0,
      tx_count INTEGER NOT NULL DEFAULT 0, void_count INTEGER NOT NULL DEFAULT 0,
      active_holds INTEGER NOT NULL DEFAULT 0, last_tx_at INTEGER, load_cursor TEXT
    )`,
    `CREATE TABLE items (
      id TEXT PRIMARY KEY, consignor_id TEXT NOT NULL, title TEXT NOT NULL, category TEXT NOT NULL,
      size TEXT NOT NULL, price INTEGER NOT NULL, commission_rate INTEGER NOT NULL,
      status TEXT NOT NULL, hold_id TEXT, hold_register TEXT, hold_expires_at INTEGER, tx_id TEXT
    ) WITHOUT ROWID`,
    `CREATE INDEX items_by_hold ON items (hold_id) WHERE hold_id IS NOT NULL`,
    `CREATE INDEX items_sold ON items (status, id)`,
    `CREATE TABLE holds (
      id TEXT PRIMARY KEY, register_id TEXT NOT NULL, items TEXT NOT NULL, status TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, ended_at INTEGER
    ) WITHOUT ROWID`,
    `CREATE INDEX holds_expiring ON holds (expires_at) WHERE status = 'active'`,
    `CREATE TABLE transactions (
      id TEXT PRIMARY KEY, register_id TEXT NOT NULL, shopper_code TEXT NOT NULL, hold_id TEXT,
      status TEXT NOT NULL, total INTEGER NOT NULL, commission_total INTEGER NOT NULL,
      item_count INTEGER NOT NULL, created_at INTEGER NOT NULL, actor TEXT NOT NULL,
      voided_at INTEGER, void_reason TEXT, void_actor TEXT
    ) WITHOUT ROWID`,
    `CREATE TABLE transaction_items (
      tx_id TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, consignor_id TEXT NOT NULL,
      title TEXT NOT NULL, price INTEGER NOT NULL, commission_rate INTEGER NOT NULL, commission INTEGER NOT NULL,
      PRIMARY KEY (tx_id, position)
    ) WITHOUT ROWID`,
    `CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, created_at INTEGER NOT NULL)`,
    AUDIT_TABLE,
  ],
  // The metadata last written to D1's session_snapshots, to write again only when it changed.
  [`ALTER TABLE session ADD COLUMN snapshot TEXT`],
  // Archived sessions keep their item statuses (with when each sold) but not their transactions.
  [`ALTER TABLE session ADD COLUMN archived_at INTEGER`, `ALTER TABLE items ADD COLUMN sold_at INTEGER`],
];

type SessionRow = {
  event_id: string;
  session_id: string;
  name: string;
  status: SessionStatus;
  start_time: number;
  end_time: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  total_sales: number;
  total_commissions: number;
  item_count: number;
  sold_count: number;
  tx_count: number;
  void_count: number;
  active_holds: number;
  last_tx_at: number | null;
  load_cursor: string | null;
  snapshot: string | null;
  archived_at: number | null;
};

type ItemRow = {
  id: string;
  consignor_id: string;
  title: string;
  price: number;
  commission_rate: number;
  status: "available" | "pending" | "sold";
  hold_id: string | null;
  hold_register: string | null;
  hold_expires_at: number | null;
};

type TransactionRow = {
  id: string;
  register_id: string;
  shopper_code: string;
  hold_id: string | null;
  status: "completed" | "voided";
  total: number;
  commission_total: number;
  created_at: number;
  voided_at: number | null;
  void_reason: string | null;
};

type TransactionItemRow = {
  item_id: string;
  consignor_id: string;
  title: string;
  price: number;
  commission_rate: number;
  commission: number;
};

type HoldRow = {
  id: string;
  register_id: string;
  items: string;
  status: HoldView["status"];
  created_at: number;
  expires_at: number;
};

/** Why an item of a cart cannot be had. */
type Unavailable = "unknown" | "held" | "sold";

/**
 * One selling window of one event (`eventId:sessionId`): the strongly consistent owner of every
 * item's sale status while the session runs. A checkout is one synchronous SQL transaction that
 * checks and sells every item, records the transaction and its outbox message, and moves the
 * counters; the message then goes to the queue, and the alarm sends again whatever was left behind.
 */
export class SaleSession extends DurableObject<Env> {
  private readonly sql: Sql;
  /** Sends outbox rows to the `transactions` queue (public so tests can make the queue refuse). */
  readonly relay: OutboxRelay;
  /** The session row, mirrored in memory: every hot read is served from here. */
  private row: SessionRow | null = null;
  /** When the alarm is set for, mirrored so a checkout need not ask storage. */
  private alarmAt: number | null = null;
  private starting: Promise<SaleSessionSummary> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.relay = new OutboxRelay(this.sql, queueSender(env.TRANSACTIONS_QUEUE), OUTBOX_GATHER_MS);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.sql.migrate(MIGRATIONS));
      this.row = this.sql.one<SessionRow>("SELECT * FROM session WHERE id = 1");
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Creates the session in `initial`; the same request again is a replay, a different one a conflict. */
  async init(eventId: string, input: SessionCreate, actor: Actor): Promise<Result<Replayable<SaleSessionSummary>>> {
    return attempt(() => {
      const existing = this.row;
      if (existing) {
        const same =
          existing.event_id === eventId &&
          existing.session_id === input.id &&
          existing.name === input.name &&
          existing.start_time === input.startTime &&
          existing.end_time === input.endTime;
        if (!same) throw new AppError("ALREADY_EXISTS", `session ${input.id} already exists with other details`);
        return { value: this.summaryOf(existing), replayed: true };
      }
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.sql.run(
          `INSERT INTO session (id, event_id, session_id, name, status, start_time, end_time, created_at)
           VALUES (1, ?, ?, ?, 'initial', ?, ?, ?)`,
          eventId,
          input.id,
          input.name,
          input.startTime,
          input.endTime,
          now,
        );
        audit(this.sql, actor, now, { entity: "session", entityId: input.id, action: "create", before: null, after: { status: "initial" } });
      });
      this.reload();
      return { value: this.summaryOf(this.session()), replayed: false };
    });
  }

  async summary(): Promise<Result<SaleSessionSummary>> {
    return attempt(() => this.summaryOf(this.session()));
  }

  /**
   * initial → active. Locks the event's modifiable items in the Inventory, then copies every item
   * that has not sold into this session with its commission rate snapshot, a page at a time. The
   * copy is resumable: a start that fails half way picks up where it stopped when asked again.
   */
  async start(actor: Actor): Promise<Result<SaleSessionSummary>> {
    return attempt(() => {
      const s = this.session();
      if (s.status !== "initial") throw invalidTransition("session", s.status, "active");
      this.starting ??= this.load(actor).finally(() => {
        this.starting = null;
      });
      return this.starting;
    });
  }

  private async load(actor: Actor): Promise<SaleSessionSummary> {
    const { event_id: eventId, session_id: sessionId } = this.session();
    const table = unwrap(await this.env.COMMISSION_LEDGER.getByName(eventId).rateTable());
    if (!table.rates) {
      throw new AppError("INVALID_TRANSITION", "set the event's commission rates before starting a session", {
        from: "initial",
        to: "active",
        reason: "RATES_NOT_SET",
      });
    }
    const rates = table.rates;
    const inventory = this.env.INVENTORY.getByName(eventId);
    unwrap(await inventory.prepareSessionStart(sessionId, actor));
    let cursor = this.session().load_cursor ?? "";
    for (;;) {
      const page: SessionItemSeed[] = unwrap(await inventory.sessionItems(sessionId, cursor, LOAD_PAGE));
      if (page.length === 0) break;
      cursor = page[page.length - 1]!.id;
      this.ctx.storage.transactionSync(() => {
        for (const item of page) {
          this.sql.run(
            `INSERT OR IGNORE INTO items (id, consignor_id, title, category, size, price, commission_rate, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'available')`,
            item.id,
            item.consignorId,
            item.title,
            item.category,
            item.size,
            item.price,
            rateFor(rates, table.tiers[item.consignorId] ?? "standard"),
          );
        }
        this.sql.run("UPDATE session SET load_cursor = ? WHERE id = 1", cursor);
      });
      if (page.length < LOAD_PAGE) break;
    }
    // A cancel may have landed while the items were loading.
    const s = this.session();
    if (s.status !== "initial") throw invalidTransition("session", s.status, "active");
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.run(
        "UPDATE session SET status = 'active', started_at = ?, item_count = (SELECT COUNT(*) FROM items) WHERE id = 1",
        now,
      );
      audit(this.sql, actor, now, { entity: "session", entityId: sessionId, action: "start", before: { status: "initial" }, after: { status: "active" } });
    });
    this.reload();
    this.scheduleAlarm(now + Number(this.env.SNAPSHOT_INTERVAL_MS));
    unwrap(await inventory.sessionStatusChanged(sessionId, "active"));
    return this.summaryOf(this.session());
  }

  /** active → completed: open holds are released and the Inventory learns every sale of the session. */
  async complete(actor: Actor): Promise<Result<SaleSessionSummary>> {
    return attempt(async () => {
      const s = this.session();
      if (s.status !== "active") throw invalidTransition("session", s.status, "completed");
      this.end("completed", actor);
      await this.tellInventory("completed");
      return this.summaryOf(this.session());
    });
  }

  /** initial | active → cancelled, only while no sale stands (voided ones do not count). */
  async cancel(actor: Actor): Promise<Result<SaleSessionSummary>> {
    return attempt(async () => {
      const s = this.session();
      if (s.status !== "initial" && s.status !== "active") throw invalidTransition("session", s.status, "cancelled");
      const standing = s.tx_count - s.void_count;
      if (standing > 0) {
        throw new AppError("SESSION_HAS_SALES", `session has ${standing} unvoided transaction(s); void them first`, {
          transactions: standing,
        });
      }
      this.end("cancelled", actor);
      await this.tellInventory("cancelled");
      return this.summaryOf(this.session());
    });
  }

  /**
   * The session has ended here (committed); the Inventory settles its sales now. If it cannot be
   * told, the next session start asks this object and settles then, so the answer stays a success.
   */
  private async tellInventory(status: "completed" | "cancelled") {
    const s = this.session();
    try {
      unwrap(await this.env.INVENTORY.getByName(s.event_id).sessionStatusChanged(s.session_id, status));
    } catch (error) {
      console.error(`session ${s.session_id} ${status}, but the Inventory could not be told yet; the next start settles it`, error);
    }
  }

  private end(status: "completed" | "cancelled", actor: Actor) {
    const s = this.session();
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const hold of this.sql.all<{ id: string }>("SELECT id FROM holds WHERE status = 'active'")) {
        this.endHold(hold.id, "released", actor, now);
      }
      this.sql.run("UPDATE session SET status = ?, ended_at = ? WHERE id = 1", status, now);
      audit(this.sql, actor, now, { entity: "session", entityId: s.session_id, action: status === "completed" ? "complete" : "cancel", before: { status: s.status }, after: { status } });
    });
    this.reload();
    // The final state reaches D1 at once.
    this.scheduleAlarm(now);
  }

  // ---------------------------------------------------------------- holds

  /** available → pending for every item of the cart, or none of them. */
  async hold(input: HoldCreate, actor: Actor): Promise<Result<Replayable<HoldView>>> {
    return attempt(() => {
      const s = this.session();
      const existing = this.sql.one<HoldRow>("SELECT * FROM holds WHERE id = ?", input.id);
      if (existing) {
        const sameItems = sameSet(JSON.parse(existing.items) as string[], input.items);
        if (existing.register_id !== input.registerId || !sameItems) {
          throw new AppError("IDEMPOTENCY_KEY_REUSED", `hold ${input.id} was already used for another cart`);
        }
        return { value: holdView(existing), replayed: true };
      }
      this.requireActive(s);
      const now = Date.now();
      const ttlMs = (input.ttlSeconds ?? Number(this.env.HOLD_TTL_SECONDS)) * 1000;
      const expiresAt = now + ttlMs;
      this.ctx.storage.transactionSync(() => {
        const { rows } = this.claim(input.items, null, input.registerId, now);
        for (const item of rows) {
          this.sql.run(
            "UPDATE items SET status = 'pending', hold_id = ?, hold_register = ?, hold_expires_at = ? WHERE id = ?",
            input.id,
            input.registerId,
            expiresAt,
            item.id,
          );
          audit(this.sql, actor, now, { entity: "item", entityId: item.id, action: "hold", before: { status: item.status }, after: { status: "pending", holdId: input.id } });
        }
        this.sql.run(
          "INSERT INTO holds (id, register_id, items, status, created_at, expires_at) VALUES (?, ?, ?, 'active', ?, ?)",
          input.id,
          input.registerId,
          JSON.stringify(input.items),
          now,
          expiresAt,
        );
        this.sql.run("UPDATE session SET active_holds = active_holds + 1 WHERE id = 1");
        audit(this.sql, actor, now, { entity: "hold", entityId: input.id, action: "create", before: null, after: { status: "active", expiresAt } });
      });
      this.reload();
      this.scheduleAlarm(expiresAt);
      return { value: holdView(this.sql.one<HoldRow>("SELECT * FROM holds WHERE id = ?", input.id)!), replayed: false };
    });
  }

  /** pending → available for the items still held; releasing an ended hold again changes nothing. */
  async releaseHold(holdId: string, actor: Actor): Promise<Result<HoldView>> {
    return attempt(() => {
      this.session();
      const hold = this.sql.one<HoldRow>("SELECT * FROM holds WHERE id = ?", holdId);
      if (!hold) throw notFound(`hold ${holdId}`);
      if (hold.status === "active") {
        this.ctx.storage.transactionSync(() => this.endHold(holdId, "released", actor, Date.now()));
        this.reload();
      }
      return holdView(this.sql.one<HoldRow>("SELECT * FROM holds WHERE id = ?", holdId)!);
    });
  }

  /** Ends an active hold; its items that are still pending become available. Inside a transaction. */
  private endHold(holdId: string, status: "released" | "expired" | "consumed", actor: Actor, now: number) {
    const pending = this.sql.all<{ id: string }>("SELECT id FROM items WHERE hold_id = ? AND status = 'pending'", holdId);
    for (const item of pending) {
      this.sql.run(
        "UPDATE items SET status = 'available', hold_id = NULL, hold_register = NULL, hold_expires_at = NULL WHERE id = ?",
        item.id,
      );
      audit(this.sql, actor, now, { entity: "item", entityId: item.id, action: status === "expired" ? "hold-expired" : "release", before: { status: "pending", holdId }, after: { status: "available" } });
    }
    this.sql.run("UPDATE holds SET status = ?, ended_at = ? WHERE id = ? AND status = 'active'", status, now, holdId);
    this.sql.run("UPDATE session SET active_holds = active_holds - 1 WHERE id = 1");
    audit(this.sql, actor, now, { entity: "hold", entityId: holdId, action: status, before: { status: "active" }, after: { status } });
  }

  // ---------------------------------------------------------------- checkout

  /**
   * Sells every item of the cart or none. The same transaction id with the same cart is a replay
   * (`replayed: true`, nothing changes); with another cart it is refused.
   */
  async checkout(input: TransactionCreate, actor: Actor): Promise<Result<Replayable<TransactionView>>> {
    return attempt(() => {
      const sold = this.sell(input, actor, Date.now());
      if (!sold.replayed) this.afterEnqueue(sold.value.createdAt);
      return sold;
    });
  }

  /**
   * Sales a register queued while offline, in order, each its own all-or-nothing checkout with its
   * own idempotency: one that cannot be made does not stop the others.
   */
  async checkoutMany(inputs: TransactionCreate[], actor: Actor): Promise<Result<Result<Replayable<TransactionView>>[]>> {
    return attempt(async () => {
      const now = Date.now();
      const results: Result<Replayable<TransactionView>>[] = [];
      for (const input of inputs) results.push(await attempt(() => this.sell(input, actor, now)));
      if (results.some((r) => r.ok && !r.value.replayed)) this.afterEnqueue(now);
      return results;
    });
  }

  /**
   * One checkout, committed; the caller makes sure the outbox is sent. A transaction id seen
   * before is found on the way out: a replay cannot sell its items again (they are sold) nor write
   * its id again (the key is taken), so it always fails inside and rolls back first.
   */
  private sell(input: TransactionCreate, actor: Actor, now: number): Replayable<TransactionView> {
    const s = this.session();
    try {
      this.requireActive(s);
      return { value: this.record(s, input, actor, now), replayed: false };
    } catch (error) {
      const existing = this.sql.one<TransactionRow>("SELECT * FROM transactions WHERE id = ?", input.id);
      if (!existing) throw error;
      const items = this.transactionItems(input.id);
      const same =
        existing.register_id === input.registerId &&
        existing.shopper_code === input.shopperCode &&
        existing.hold_id === (input.holdId ?? null) &&
        sameSet(
          items.map((i) => i.item_id),
          input.items,
        );
      if (!same) throw new AppError("IDEMPOTENCY_KEY_REUSED", `transaction ${input.id} was already used for another checkout`);
      return { value: this.transactionView(existing, items), replayed: true };
    }
  }

  /** Sells the cart in one SQL transaction, or throws having changed nothing. */
  private record(s: SessionRow, input: TransactionCreate, actor: Actor, now: number): TransactionView {
    const holdId = input.holdId ?? null;
    // Built here as they are written, so nothing needs reading back.
    const lines: TransactionItemRow[] = [];
    const tx: TransactionRow = {
      id: input.id,
      register_id: input.registerId,
      shopper_code: input.shopperCode,
      hold_id: holdId,
      status: "completed",
      total: 0,
      commission_total: 0,
      created_at: now,
      voided_at: null,
      void_reason: null,
    };
    let holdConsumed = false;
    this.ctx.storage.transactionSync(() => {
      this.take(input.items, holdId, input.registerId, input.id, now).forEach((item, position) => {
        const commission = commissionOf(item.price, item.commission_rate);
        tx.total += item.price;
        tx.commission_total += commission;
        lines.push({ item_id: item.id, consignor_id: item.consignor_id, title: item.title, price: item.price, commission_rate: item.commission_rate, commission });
        this.sql.run(
          `INSERT INTO transaction_items (tx_id, position, item_id, consignor_id, title, price, commission_rate, commission)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          input.id,
          position,
          item.id,
          item.consignor_id,
          item.title,
          item.price,
          item.commission_rate,
          commission,
        );
        audit(this.sql, actor, now, { entity: "item", entityId: item.id, action: "sell", before: { status: item.status }, after: { status: "sold", transactionId: input.id } });
      });
      this.sql.run(
        `INSERT INTO transactions (id, register_id, shopper_code, hold_id, status, total, commission_total, item_count, created_at, actor)
         VALUES (?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?)`,
        input.id,
        input.registerId,
        input.shopperCode,
        holdId,
        tx.total,
        tx.commission_total,
        lines.length,
        now,
        actor.keyId,
      );
      this.sql.run(
        `UPDATE session SET total_sales = total_sales + ?, total_commissions = total_commissions + ?,
           sold_count = sold_count + ?, tx_count = tx_count + 1, last_tx_at = ? WHERE id = 1`,
        tx.total,
        tx.commission_total,
        lines.length,
        now,
      );
      // The cart's hold is used up: whatever it still keeps pending goes back on the floor.
      if (holdId && this.sql.one("SELECT 1 AS x FROM holds WHERE id = ? AND status = 'active'", holdId)) {
        this.endHold(holdId, "consumed", actor, now);
        holdConsumed = true;
      }
      this.enqueue(this.completedMessage(tx, lines), now);
    });
    // The counters moved exactly as the UPDATE moved them; a consumed hold changed more, so read.
    if (holdConsumed) this.reload();
    else {
      this.row = {
        ...s,
        total_sales: s.total_sales + tx.total,
        total_commissions: s.total_commissions + tx.commission_total,
        sold_count: s.sold_count + lines.length,
        tx_count: s.tx_count + 1,
        last_tx_at: now,
      };
    }
    return this.transactionView(tx, lines);
  }

  /**
   * Marks the cart's items sold by `txId`, in cart order, with each one's state before. An
   * available item is taken in one statement; the others (pending under a hold) are checked by
   * `claim`, which refuses the whole cart if any cannot be sold. Inside a transaction.
   */
  private take(ids: readonly string[], holdId: string | null, registerId: string, txId: string, now: number): ItemRow[] {
    const taken = new Map<string, ItemRow>();
    const rest: string[] = [];
    for (const id of ids) {
      const row = this.sql.one<Omit<ItemRow, "status">>(
        `${SELL_ITEM} WHERE id = ? AND status = 'available'
         RETURNING id, consignor_id, title, price, commission_rate, hold_id, hold_register, hold_expires_at`,
        txId,
        now,
        id,
      );
      if (row) taken.set(id, { ...row, status: "available" });
      else rest.push(id);
    }
    if (rest.length > 0) {
      for (const item of this.claim(rest, holdId, registerId, now).rows) {
        this.sql.run(
          `${SELL_ITEM} WHERE id = ?`,
          txId,
          now,
          item.id,
        );
        taken.set(item.id, item);
      }
    }
    return ids.map((id) => taken.get(id)!);
  }

  /**
   * Reads the cart's items and checks each can be taken: available, or pending under `holdId` of
   * the same register, or pending under a hold whose time ran out. Throws ITEM_UNAVAILABLE naming
   * every item that cannot. Must run inside a transaction.
   */
  private claim(ids: readonly string[], holdId: string | null, registerId: string, now: number): { rows: ItemRow[] } {
    const rows: ItemRow[] = [];
    const unavailable: Record<string, Unavailable> = {};
    for (const id of ids) {
      const item = this.sql.one<ItemRow>(
        "SELECT id, consignor_id, title, price, commission_rate, status, hold_id, hold_register, hold_expires_at FROM items WHERE id = ?",
        id,
      );
      if (!item) unavailable[id] = "unknown";
      else if (item.status === "sold") unavailable[id] = "sold";
      else if (item.status === "pending") {
        const ownHold = holdId !== null && item.hold_id === holdId && item.hold_register === registerId;
        const expired = (item.hold_expires_at ?? 0) <= now;
        if (ownHold || expired) rows.push(item);
        else unavailable[id] = "held";
      } else rows.push(item);
    }
    const refused = Object.keys(unavailable);
    if (refused.length > 0) {
      throw new AppError("ITEM_UNAVAILABLE", `${refused.length} item(s) cannot be sold: ${refused.join(", ")}`, {
        items: refused,
        reasons: unavailable,
      });
    }
    return { rows };
  }

  async getTransaction(txId: string): Promise<Result<TransactionView>> {
    return attempt(() => {
      this.session();
      const row = this.sql.one<TransactionRow>("SELECT * FROM transactions WHERE id = ?", txId);
      if (!row) throw notFound(`transaction ${txId}`);
      return this.transactionView(row, this.transactionItems(txId));
    });
  }

  /**
   * completed → voided: the transaction's items are available again and the counters drop by
   * exactly what the sale added. A register may void only while the session is active; an admin
   * also after it completed. Voiding a voided transaction again is a replay.
   */
  async voidTransaction(txId: string, reason: string, actor: Actor): Promise<Result<Replayable<TransactionView>>> {
    return attempt(() => {
      const s = this.session();
      const tx = this.sql.one<TransactionRow>("SELECT * FROM transactions WHERE id = ?", txId);
      if (!tx) throw notFound(`transaction ${txId}`);
      if (tx.status === "voided") return { value: this.transactionView(tx, this.transactionItems(txId)), replayed: true };
      const allowed = s.status === "active" || (s.status === "completed" && actor.role === "admin");
      if (!allowed) {
        throw new AppError("SESSION_NOT_ACTIVE", `session is ${s.status}: ${actor.role === "admin" ? "nothing to void" : "only an admin can void now"}`, {
          status: s.status,
        });
      }
      const items = this.transactionItems(txId);
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        for (const item of items) {
          this.sql.run("UPDATE items SET status = 'available', tx_id = NULL, sold_at = NULL WHERE id = ? AND tx_id = ?", item.item_id, txId);
          audit(this.sql, actor, now, { entity: "item", entityId: item.item_id, action: "void", before: { status: "sold", transactionId: txId }, after: { status: "available" } });
        }
        this.sql.run(
          "UPDATE transactions SET status = 'voided', voided_at = ?, void_reason = ?, void_actor = ? WHERE id = ?",
          now,
          reason,
          actor.keyId,
          txId,
        );
        this.sql.run(
          `UPDATE session SET total_sales = total_sales - ?, total_commissions = total_commissions - ?,
             sold_count = sold_count - ?, void_count = void_count + 1 WHERE id = 1`,
          tx.total,
          tx.commission_total,
          items.length,
        );
        audit(this.sql, actor, now, { entity: "transaction", entityId: txId, action: "void", before: { status: "completed" }, after: { status: "voided", reason } });
        this.enqueue(this.voidedMessage({ ...tx, status: "voided", voided_at: now, void_reason: reason }, items), now);
      });
      this.reload();
      this.afterEnqueue(now);
      const stored = this.sql.one<TransactionRow>("SELECT * FROM transactions WHERE id = ?", txId)!;
      return { value: this.transactionView(stored, items), replayed: false };
    });
  }

  /** Sold items in id order after `afterId`, with the transaction that sold each (for the Inventory). */
  async listSold(afterId: string, limit: number): Promise<Result<{ itemId: string; transactionId: string; soldAt: number }[]>> {
    return attempt(() =>
      this.sql
        .all<{ id: string; tx_id: string; sold_at: number | null }>(
          "SELECT id, tx_id, sold_at FROM items WHERE status = 'sold' AND id > ? ORDER BY id LIMIT ?",
          afterId,
          Math.min(limit, 10_000),
        )
        .map((r) => ({ itemId: r.id, transactionId: r.tx_id, soldAt: r.sold_at ?? 0 })),
    );
  }

  /** Transactions in id order after `afterId`, with their status (for the reconciler). */
  async listTransactions(afterId: string, limit: number): Promise<Result<{ id: string; status: "completed" | "voided"; createdAt: number; voidedAt: number | null }[]>> {
    return attempt(() =>
      this.sql
        .all<{ id: string; status: "completed" | "voided"; created_at: number; voided_at: number | null }>(
          "SELECT id, status, created_at, voided_at FROM transactions WHERE id > ? ORDER BY id LIMIT ?",
          afterId,
          Math.min(limit, 1_000),
        )
        .map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at, voidedAt: r.voided_at })),
    );
  }

  /**
   * Puts the messages of stored transactions on the queue again (the reconciler found the ledger
   * missing them). Consumers are idempotent, so a message that was only late does no harm.
   */
  async reemit(requests: { id: string; completed: boolean; voided: boolean }[]): Promise<Result<{ completed: number; voided: number }>> {
    return attempt(() => {
      const now = Date.now();
      let completed = 0;
      let voided = 0;
      this.ctx.storage.transactionSync(() => {
        for (const request of requests) {
          const tx = this.sql.one<TransactionRow>("SELECT * FROM transactions WHERE id = ?", request.id);
          if (!tx) continue;
          const items = this.transactionItems(tx.id);
          if (request.completed) {
            this.enqueue(this.completedMessage(tx, items), now);
            completed++;
          }
          if (request.voided && tx.status === "voided") {
            this.enqueue(this.voidedMessage(tx, items), now);
            voided++;
          }
        }
      });
      if (completed + voided > 0) this.afterEnqueue(now);
      return { completed, voided };
    });
  }

  // ---------------------------------------------------------------- archive

  /** A page of one kind of row for the archive, in key order after `after`. Only ended sessions. */
  async archivePage(kind: SessionKind, after: string, limit: number): Promise<Result<ArchivePage>> {
    return attempt(() => {
      const s = this.session();
      if (s.status !== "completed" && s.status !== "cancelled") throw invalidTransition("session", s.status, "archived");
      const size = Math.min(limit, ARCHIVE_PAGE);
      let rows: ArchiveRow[];
      let next: (row: ArchiveRow) => string;
      switch (kind) {
        case "transactions":
          rows = this.sql.all<ArchiveRow>("SELECT * FROM transactions WHERE id > ? ORDER BY id LIMIT ?", after, size);
          next = (r) => String(r.id);
          break;
        case "transaction_items": {
          const [tx = "", position = "-1"] = after.split("|");
          rows = this.sql.all<ArchiveRow>(
            "SELECT * FROM transaction_items WHERE (tx_id, position) > (?, ?) ORDER BY tx_id, position LIMIT ?",
            tx,
            Number(position),
            size,
          );
          next = (r) => `${r.tx_id}|${r.position}`;
          break;
        }
        case "audit":
          rows = this.sql.all<ArchiveRow>("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", Number(after || 0), size);
          next = (r) => String(r.seq);
          break;
      }
      return { rows, next: rows.length === size ? next(rows.at(-1)!) : null };
    });
  }

  /**
   * After the archive is verified: drop the rows it holds (transactions, their items, the audit
   * trail, ended holds), keeping the summary and every item's status. Refused if the session holds
   * other counts than were archived (something changed since), so nothing unarchived is lost.
   */
  async pruneArchived(archived: Record<SessionKind, number>): Promise<Result<{ pruned: Record<SessionKind, number> }>> {
    return attempt(() => {
      const s = this.session();
      if (s.status !== "completed" && s.status !== "cancelled") throw invalidTransition("session", s.status, "archived");
      const held: Record<SessionKind, number> = {
        transactions: this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM transactions")!.n,
        transaction_items: this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM transaction_items")!.n,
        audit: this.sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM audit")!.n,
      };
      if (s.archived_at !== null && held.transactions + held.transaction_items + held.audit === 0) return { pruned: held };
      const same = SESSION_KINDS.every((k) => held[k] === archived[k]);
      if (!same) throw new AppError("INVALID_TRANSITION", "the session changed since it was archived; archive it again", { held, archived });
      if (this.relay.pending() > 0) throw new AppError("INVALID_TRANSITION", "the session still has messages to send", { outbox: this.relay.pending() });
      this.ctx.storage.transactionSync(() => {
        this.sql.run("DELETE FROM transaction_items");
        this.sql.run("DELETE FROM transactions");
        this.sql.run("DELETE FROM audit");
        this.sql.run("DELETE FROM holds WHERE status != 'active'");
        this.sql.run("UPDATE session SET archived_at = ? WHERE id = 1", Date.now());
      });
      this.reload();
      return { pruned: held };
    });
  }

  // ---------------------------------------------------------------- outbox and alarm

  private messageItems(items: TransactionItemRow[]): MessageItem[] {
    return items.map((i) => ({ itemId: i.item_id, consignorId: i.consignor_id, price: i.price, commissionRate: i.commission_rate }));
  }

  private completedMessage(tx: TransactionRow, items: TransactionItemRow[]): TransactionCompleted {
    const s = this.session();
    return {
      v: 1,
      type: "transaction.completed",
      eventId: s.event_id,
      sessionId: s.session_id,
      transactionId: tx.id,
      registerId: tx.register_id,
      occurredAt: tx.created_at,
      items: this.messageItems(items),
      total: tx.total,
      commissionTotal: tx.commission_total,
    };
  }

  private voidedMessage(tx: TransactionRow, items: TransactionItemRow[]): TransactionVoided {
    const s = this.session();
    return {
      v: 1,
      type: "transaction.voided",
      eventId: s.event_id,
      sessionId: s.session_id,
      transactionId: tx.id,
      registerId: tx.register_id,
      occurredAt: tx.voided_at ?? tx.created_at,
      items: this.messageItems(items),
      reason: tx.void_reason ?? "",
    };
  }

  private enqueue(message: TransactionMessage, now: number) {
    this.relay.enqueue(message, now);
  }

  /** After a commit that wrote outbox rows: make sure the alarm will catch them, then send now. */
  private afterEnqueue(now: number) {
    this.scheduleAlarm(now + Number(this.env.OUTBOX_RETRY_MS));
    this.relay.flush().catch((error: unknown) => {
      console.warn("outbox send failed; the alarm will send again", error);
    });
  }

  private scheduleAlarm(at: number) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** Expires holds whose time ran out and sends outbox rows left behind; then plans the next alarm. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    const expired = this.sql.all<{ id: string }>("SELECT id FROM holds WHERE status = 'active' AND expires_at <= ?", now);
    if (expired.length > 0) {
      const actor = systemActor("system:hold-expiry");
      this.ctx.storage.transactionSync(() => {
        for (const hold of expired) this.endHold(hold.id, "expired", actor, now);
      });
      this.reload();
    }
    try {
      await this.relay.flush();
    } catch (error) {
      console.warn("outbox send failed in alarm; trying again later", error);
    }
    let snapshotAt: number | null = null;
    try {
      await this.writeSnapshot();
      if (this.row?.status === "active") snapshotAt = Date.now() + Number(this.env.SNAPSHOT_INTERVAL_MS);
    } catch (error) {
      console.warn("snapshot to D1 failed; trying again later", error);
      snapshotAt = Date.now() + Number(this.env.SNAPSHOT_INTERVAL_MS);
    }
    const next = this.sql.one<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM holds WHERE status = 'active'")?.at ?? null;
    const retryAt = this.relay.pending() > 0 ? Date.now() + Number(this.env.OUTBOX_RETRY_MS) : null;
    const candidates = [next, retryAt, snapshotAt].filter((t): t is number => t !== null);
    if (candidates.length > 0) this.scheduleAlarm(Math.min(...candidates));
  }

  /** Writes the session's metadata to D1 (eventually consistent reporting) if it changed. */
  private async writeSnapshot() {
    const s = this.row;
    if (!s || s.status === "initial") return;
    const summary = this.summaryOf(s);
    const state = JSON.stringify({ status: summary.status, ...summary.metadata });
    if (state === s.snapshot) return;
    const m = summary.metadata;
    await this.env.DB.prepare(
      `INSERT INTO session_snapshots (event_id, session_id, status, total_sales, total_commissions, item_count, sold_count,
         transaction_count, void_count, active_holds, last_transaction_at, taken_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id, session_id) DO UPDATE SET status = excluded.status, total_sales = excluded.total_sales,
         total_commissions = excluded.total_commissions, item_count = excluded.item_count, sold_count = excluded.sold_count,
         transaction_count = excluded.transaction_count, void_count = excluded.void_count, active_holds = excluded.active_holds,
         last_transaction_at = excluded.last_transaction_at, taken_at = excluded.taken_at`,
    )
      .bind(s.event_id, s.session_id, s.status, m.totalSales, m.totalCommissions, m.itemCount, m.soldCount, m.transactionCount, m.voidCount, m.activeHolds, m.lastTransactionAt, Date.now())
      .run();
    this.sql.run("UPDATE session SET snapshot = ? WHERE id = 1", state);
    this.reload();
  }

  // ---------------------------------------------------------------- helpers

  private session(): SessionRow {
    if (!this.row) throw notFound("session");
    return this.row;
  }

  private reload() {
    this.row = this.sql.one<SessionRow>("SELECT * FROM session WHERE id = 1");
  }

  private requireActive(s: SessionRow) {
    if (s.status !== "active") {
      throw new AppError("SESSION_NOT_ACTIVE", `session ${s.session_id} is ${s.status}`, { status: s.status });
    }
  }

  private transactionItems(txId: string): TransactionItemRow[] {
    return this.sql.all<TransactionItemRow>(
      "SELECT item_id, consignor_id, title, price, commission_rate, commission FROM transaction_items WHERE tx_id = ? ORDER BY position",
      txId,
    );
  }

  private transactionView(tx: TransactionRow, items: TransactionItemRow[]): TransactionView {
    const s = this.session();
    return {
      id: tx.id,
      eventId: s.event_id,
      sessionId: s.session_id,
      registerId: tx.register_id,
      shopperCode: tx.shopper_code,
      holdId: tx.hold_id,
      status: tx.status,
      total: tx.total,
      commissionTotal: tx.commission_total,
      items: items.map((i) => ({
        itemId: i.item_id,
        consignorId: i.consignor_id,
        title: i.title,
        price: i.price,
        commissionRate: i.commission_rate,
        commission: i.commission,
      })),
      createdAt: tx.created_at,
      voidedAt: tx.voided_at,
      voidReason: tx.void_reason,
    };
  }

  private summaryOf(s: SessionRow): SaleSessionSummary {
    return {
      id: s.session_id,
      eventId: s.event_id,
      name: s.name,
      status: s.status,
      startTime: s.start_time,
      endTime: s.end_time,
      metadata: {
        totalSales: s.total_sales,
        totalCommissions: s.total_commissions,
        itemCount: s.item_count,
        soldCount: s.sold_count,
        transactionCount: s.tx_count,
        voidCount: s.void_count,
        activeHolds: s.active_holds,
        lastTransactionAt: s.last_tx_at,
      },
      createdAt: s.created_at,
      startedAt: s.started_at,
      endedAt: s.ended_at,
      archivedAt: s.archived_at,
    };
  }

}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const left = [...a].sort();
  const right = [...b].sort();
  return left.every((id, i) => id === right[i]);
}

function holdView(row: HoldRow): HoldView {
  return {
    id: row.id,
    registerId: row.register_id,
    status: row.status,
    items: JSON.parse(row.items) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
