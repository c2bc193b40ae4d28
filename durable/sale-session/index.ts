import { DurableObject } from "cloudflare:workers";
import { AppError, attempt, notFound, unwrap, type Result } from "../../lib/errors";
import { sessionObjectName } from "../../lib/ids";
import { Sql } from "../../lib/sql";
import { OutboxRelay, queueSender } from "../../producers/outbox-relay";
import type { HoldCreate, SessionCreate, TransactionCreate } from "../../schemas/api";
import type { Actor, HoldView, Replayable, SaleSessionSummary, TransactionView } from "../../schemas/domain";
import type { ArchivePage, SessionKind } from "../../schemas/archive";
import { archivePage, checkPrune, dropArchived, listSold, listTransactions } from "./archive-export";
import { sell } from "./checkout";
import { Gathering } from "./gathering";
import { LiveFeed } from "./live";
import { ONLINE_SELLER, releaseOnline, sellOnline, type OnlineVerdict } from "./online";
import { endHold, expiredHolds, expireHolds, findHold, nextExpiry, placeHold, replayedHold, requireHoldOwner, storedHold } from "./holds";
import {
  createSession,
  endSession,
  loadItems,
  markStarted,
  requireActive,
  requireCancellable,
  requireCompletable,
  requireRates,
  requireSameSession,
  requireStartable,
  tellInventory,
} from "./lifecycle";
import { LateSales } from "./late-sales";
import { reemitMessages } from "./messages";
import { linesOf, MIGRATIONS, type SessionRow } from "./schema";
import { writeSnapshot } from "./snapshot";
import type { SessionStore } from "./store";
import { findTransaction, priceListPage, sessionItemView, summaryOf, transactionPage, transactionView, type PriceListPage, type SessionItemView, type TransactionOrder, type TransactionPage } from "./views";
import { archivedTransaction, ArchivedReplay, isPruned, loadEarlierIds, readForeignIds, transactionIds } from "./transaction-ids";
import { recordVoid, voidable } from "./voids";

/**
 * A few milliseconds of gathering let the checkouts of busy registers share one queue send (and
 * one delete of the sent rows). It only delays the message, never the register's answer.
 */
const OUTBOX_GATHER_MS = 20;

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
  /** What the modules work with, in place of this object. */
  private readonly store: SessionStore;
  /** The session row, mirrored in memory: every hot read is served from here. */
  private row: SessionRow | null = null;
  /** When the alarm is set for, mirrored so a checkout need not ask storage. */
  private alarmAt: number | null = null;
  private starting: Promise<SaleSessionSummary> | null = null;
  /** Checkouts of the same moment run in one turn, so they share one commit. */
  private readonly gathering = new Gathering();
  /** The organizer's live totals: WebSockets this object accepts (hibernatable), pushed to after changes. */
  private readonly live: LiveFeed;
  /** Sales made offline and uploaded after the session completed. */
  private readonly lateSales: LateSales;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.relay = new OutboxRelay(this.sql, queueSender(env.TRANSACTIONS_QUEUE), OUTBOX_GATHER_MS);
    this.live = new LiveFeed(ctx, () => (this.row ? summaryOf(this.row) : null));
    this.store = {
      sql: this.sql,
      storage: ctx.storage,
      foreignIds: new Map(),
      outbox: this.relay,
      reload: () => this.reload(),
      mirror: (row) => {
        this.row = row;
        this.live.changed();
      },
    };
    this.lateSales = new LateSales({
      store: this.store,
      session: () => this.session(),
      inventory: (eventId) => env.INVENTORY.getByName(eventId),
      recorded: (now) => this.afterEnqueue(now),
      retryLater: () => this.scheduleAlarm(Date.now() + Number(env.OUTBOX_RETRY_MS)),
    });
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.sql.migrate(MIGRATIONS));
      this.row = this.sql.one<SessionRow>("SELECT * FROM session WHERE id = 1");
      for (const [id, session] of readForeignIds(this.sql)) this.store.foreignIds.set(id, session);
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Creates the session in `initial`; the same request again is a replay, a different one a conflict. */
  async init(eventId: string, input: SessionCreate, actor: Actor): Promise<Result<Replayable<SaleSessionSummary>>> {
    return attempt(() => {
      const existing = this.row;
      if (existing) {
        requireSameSession(existing, eventId, input);
        return { value: summaryOf(existing), replayed: true };
      }
      const now = Date.now();
      this.ctx.storage.transactionSync(() => createSession(this.sql, eventId, input, actor, now));
      this.reload();
      return { value: summaryOf(this.session()), replayed: false };
    });
  }

  async summary(): Promise<Result<SaleSessionSummary>> {
    return attempt(() => summaryOf(this.session()));
  }

  /**
   * initial → active. Locks the event's modifiable items in the Inventory, then copies every item
   * that has not sold into this session with its commission rate snapshot, a page at a time. The
   * copy is resumable: a start that fails half way picks up where it stopped when asked again.
   */
  async start(actor: Actor): Promise<Result<SaleSessionSummary>> {
    return attempt(() => {
      requireStartable(this.session());
      this.starting ??= this.load(actor).finally(() => {
        this.starting = null;
      });
      return this.starting;
    });
  }

  private async load(actor: Actor): Promise<SaleSessionSummary> {
    const { event_id: eventId, session_id: sessionId } = this.session();
    const table = unwrap(await this.env.COMMISSION_LEDGER.getByName(eventId).rateTable());
    const rates = requireRates(table);
    const inventory = this.env.INVENTORY.getByName(eventId);
    unwrap(await inventory.prepareSessionStart(sessionId, actor));
    const others = unwrap(await inventory.sessionIds()).filter((id) => id !== sessionId);
    await loadEarlierIds(this.store, others, (other) => this.env.SALE_SESSION.getByName(sessionObjectName(eventId, other)));
    await loadItems(this.store, inventory, sessionId, this.session().load_cursor ?? "", rates, table.tiers, this.session().discount);
    // A cancel may have landed while the items were loading.
    requireStartable(this.session());
    const now = Date.now();
    this.ctx.storage.transactionSync(() => markStarted(this.sql, sessionId, actor, now));
    this.reload();
    this.scheduleAlarm(now + Number(this.env.SNAPSHOT_INTERVAL_MS));
    unwrap(await inventory.sessionStatusChanged(sessionId, "active"));
    return summaryOf(this.session());
  }

  /** This session's transaction ids after `after`, live and pruned (read by the sessions after it). */
  async transactionIds(after: string, limit: number): Promise<Result<string[]>> {
    return attempt(() => transactionIds(this.sql, after, limit));
  }

  /** active → completed: open holds are released and the Inventory learns every sale of the session. */
  async complete(actor: Actor): Promise<Result<SaleSessionSummary>> {
    return attempt(async () => {
      requireCompletable(this.session());
      this.end("completed", actor);
      await tellInventory(this.env.INVENTORY, this.session(), "completed");
      return summaryOf(this.session());
    });
  }

  /** initial | active → cancelled, only while no sale stands (voided ones do not count). */
  async cancel(actor: Actor): Promise<Result<SaleSessionSummary>> {
    return attempt(async () => {
      requireCancellable(this.session());
      this.end("cancelled", actor);
      await tellInventory(this.env.INVENTORY, this.session(), "cancelled");
      return summaryOf(this.session());
    });
  }

  private end(status: "completed" | "cancelled", actor: Actor) {
    const s = this.session();
    const now = Date.now();
    this.ctx.storage.transactionSync(() => endSession(this.sql, this.holdNotice(s), s, status, actor, now));
    this.reload();
    // The final state reaches D1 at once.
    this.scheduleAlarm(now);
  }

  // ---------------------------------------------------------------- holds

  /** available → pending for every item of the cart, or none of them. */
  async hold(input: HoldCreate, actor: Actor): Promise<Result<Replayable<HoldView>>> {
    return attempt(() => {
      const s = this.session();
      const existing = replayedHold(this.sql, input, actor);
      if (existing) return { value: existing, replayed: true };
      requireActive(s);
      const now = Date.now();
      const ttlMs = (input.ttlSeconds ?? Number(this.env.HOLD_TTL_SECONDS)) * 1000;
      const expiresAt = now + ttlMs;
      this.ctx.storage.transactionSync(() => placeHold(this.sql, this.holdNotice(s), input, actor, now, expiresAt));
      this.reload();
      this.scheduleAlarm(expiresAt);
      this.afterEnqueue(now);
      return { value: storedHold(this.sql, input.id), replayed: false };
    });
  }

  /**
   * pending → available for the items still held; releasing an ended hold again changes nothing.
   * Only the key that made the hold, or an admin, may release it.
   */
  async releaseHold(holdId: string, actor: Actor): Promise<Result<HoldView>> {
    return attempt(() => {
      this.session();
      const hold = findHold(this.sql, holdId);
      requireHoldOwner(hold, actor);
      if (hold.status === "active") {
        const now = Date.now();
        this.ctx.storage.transactionSync(() => endHold(this.sql, this.holdNotice(this.session()), holdId, "released", actor, now));
        this.reload();
        this.afterEnqueue(now);
      }
      return storedHold(this.sql, holdId);
    });
  }

  // ---------------------------------------------------------------- checkout

  /**
   * Sells every item of the cart or none. The same transaction id with the same cart is a replay
   * (`replayed: true`, nothing changes); with another cart it is refused. Runs on the next turn,
   * with the other checkouts of the moment (see Gathering), and is checked then.
   */
  async checkout(input: TransactionCreate, actor: Actor): Promise<Result<Replayable<TransactionView>>> {
    await this.gathering.next();
    return attempt(() => {
      const sold = this.sellOrReplay(input, actor, Date.now());
      if (sold instanceof Promise) return sold;
      if (!sold.replayed) this.afterEnqueue(sold.value.createdAt);
      return sold;
    });
  }

  /** One checkout; a replay of a transaction the archive pruned is answered from D1 (the only await). */
  private sellOrReplay(input: TransactionCreate, actor: Actor, now: number): Replayable<TransactionView> | Promise<Replayable<TransactionView>> {
    try {
      return sell(this.store, this.session(), input, actor, now);
    } catch (error) {
      if (!(error instanceof ArchivedReplay)) throw error;
      return archivedTransaction(this.env.DB, this.session(), error.txId).then((value) => ({ value, replayed: true }));
    }
  }

  /**
   * Sales a register queued while offline, in order, each its own all-or-nothing checkout with its
   * own idempotency: one that cannot be made does not stop the others.
   */
  async checkoutMany(inputs: TransactionCreate[], actor: Actor): Promise<Result<Result<Replayable<TransactionView>>[]>> {
    return attempt(async () => {
      const now = Date.now();
      const results: Result<Replayable<TransactionView>>[] = [];
      for (const input of inputs) results.push(await attempt(() => this.uploadOne(input, actor, now)));
      if (results.some((r) => r.ok && !r.value.replayed)) this.afterEnqueue(Date.now());
      return results;
    });
  }

  /** One uploaded sale: a checkout, or, once the session has completed, a late sale (late-sales.ts). */
  private async uploadOne(input: TransactionCreate, actor: Actor, now: number): Promise<Replayable<TransactionView>> {
    try {
      return await this.sellOrReplay(input, actor, now);
    } catch (error) {
      return this.lateSales.take(error, input, actor, now);
    }
  }

  /** How many late sales are claimed and not yet recorded (the archive does not prune meanwhile). */
  async lateSalesPending(): Promise<Result<number>> {
    return attempt(() => this.lateSales.pending());
  }

  /** One item as a register scans it: title, size, tag price, price here, and whether it can be sold. */
  async item(itemId: string): Promise<Result<SessionItemView>> {
    return attempt(() => sessionItemView(this.sql, itemId, ONLINE_SELLER, Date.now()));
  }

  /**
   * The session's items with their prices here, in id order after `afterId` (a register keeps them
   * for when it is offline). Not before the session starts: its items are copied in as it starts.
   */
  async priceList(afterId: string, limit: number): Promise<Result<PriceListPage>> {
    return attempt(() => {
      const s = this.session();
      if (s.status === "initial") throw new AppError("SESSION_NOT_ACTIVE", `session ${s.session_id} has not started: its items are not yet in it`, { status: s.status });
      return priceListPage(this.sql, afterId, limit);
    });
  }

  /** A transaction of this session; one the archive pruned is read back from D1. */
  async getTransaction(txId: string): Promise<Result<TransactionView>> {
    return attempt(() => {
      const s = this.session();
      if (isPruned(this.sql, txId)) return archivedTransaction(this.env.DB, s, txId);
      const tx = findTransaction(this.sql, txId);
      return transactionView(s, tx, linesOf(tx));
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
      const { tx, items } = voidable(this.sql, s, txId, actor);
      if (tx.status === "voided") return { value: transactionView(s, tx, items), replayed: true };
      const now = Date.now();
      this.ctx.storage.transactionSync(() => recordVoid(this.store, s, tx, items, reason, actor, now));
      this.reload();
      this.afterEnqueue(now);
      return { value: transactionView(s, findTransaction(this.sql, txId), items), replayed: false };
    });
  }

  /** The session's transactions with their lines after `afterId`, in id order or newest first (the organizer's list). */
  async transactionPage(afterId: string, limit: number, order: TransactionOrder = "id"): Promise<Result<TransactionPage>> {
    return attempt(() => transactionPage(this.sql, this.session(), afterId, limit, order));
  }

  /** Sold items in id order after `afterId`, with the transaction that sold each (for the Inventory). */
  async listSold(afterId: string, limit: number): Promise<Result<{ itemId: string; transactionId: string; soldAt: number }[]>> {
    return attempt(() => listSold(this.sql, afterId, limit));
  }

  /** Transactions in id order after `afterId`, with their status (for the reconciler). */
  async listTransactions(afterId: string, limit: number): Promise<Result<{ id: string; status: "completed" | "voided"; createdAt: number; voidedAt: number | null }[]>> {
    return attempt(() => listTransactions(this.sql, afterId, limit));
  }

  /**
   * Puts the messages of stored transactions on the queue again (the reconciler found the ledger
   * missing them). Consumers are idempotent, so a message that was only late does no harm.
   */
  async reemit(requests: { id: string; completed: boolean; voided: boolean }[]): Promise<Result<{ completed: number; voided: number }>> {
    return attempt(() => {
      const now = Date.now();
      const sent = this.ctx.storage.transactionSync(() => reemitMessages(this.store, () => this.session(), requests, now));
      if (sent.completed + sent.voided > 0) this.afterEnqueue(now);
      return sent;
    });
  }

  // ---------------------------------------------------------------- archive

  /** A page of one kind of row for the archive, in key order after `after`. Only ended sessions. */
  async archivePage(kind: SessionKind, after: string, limit: number): Promise<Result<ArchivePage>> {
    return attempt(() => archivePage(this.sql, this.session(), kind, after, limit));
  }

  /**
   * After the archive is verified: drop the rows it holds (transactions, their items, the audit
   * trail, ended holds), keeping the summary and every item's status. Refused if the session holds
   * other counts than were archived (something changed since), so nothing unarchived is lost.
   */
  async pruneArchived(archived: Record<SessionKind, number>): Promise<Result<{ pruned: Record<SessionKind, number> }>> {
    return attempt(() => {
      const { held, done } = checkPrune(this.store, this.session(), archived);
      if (!done) {
        this.ctx.storage.transactionSync(() => dropArchived(this.sql, Date.now()));
        this.reload();
      }
      return { pruned: held };
    });
  }

  // ---------------------------------------------------------------- the online channel (online.ts)

  /** An online order asks for an item: this running session decides (sold online, or a conflict). */
  async sellOnline(itemId: string, txId: string): Promise<Result<OnlineVerdict | { outcome: "not_active" }>> {
    return attempt(() => {
      if (this.session().status !== "active") return { outcome: "not_active" as const };
      return this.ctx.storage.transactionSync(() => sellOnline(this.sql, itemId, txId, Date.now()));
    });
  }

  /** A refunded online sale puts its item back on the floor. */
  async releaseOnline(itemId: string, txId: string): Promise<Result<{ released: boolean }>> {
    return attempt(() => ({ released: this.ctx.storage.transactionSync(() => releaseOnline(this.sql, itemId, txId)) }));
  }

  // ---------------------------------------------------------------- live totals (live.ts)

  /** A one-use ticket for one live socket (the dashboard's key cannot travel on a WebSocket). */
  async liveTicket(actor: Actor): Promise<Result<{ ticket: string; expiresAt: number; protocol: string }>> {
    return attempt(() => {
      this.session();
      return this.live.issueTicket(actor, Date.now());
    });
  }

  /**
   * The WebSocket upgrade of GET …/sessions/:s/live, forwarded by the API: accepted for
   * hibernation when it offers a live ticket of this session, else 401 with the API's envelope.
   */
  override async fetch(request: Request): Promise<Response> {
    const accepted = await this.live.accept(request, Date.now());
    if (accepted) return accepted;
    const error = new AppError("UNAUTHENTICATED", "open the socket with a live ticket of this session (POST …/live) as a subprotocol beside the live protocol");
    return Response.json({ error: error.toBody() }, { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="consignment"' } });
  }

  /** Watchers only listen (their keep-alive "ping" is answered without waking the object). */
  override async webSocketMessage(): Promise<void> {}

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.live.closed(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.live.closed(ws);
  }

  // ---------------------------------------------------------------- outbox and alarm

  /** Where hold changes are told to the Inventory: this session's outbox. */
  private holdNotice(s: SessionRow) {
    return { outbox: this.relay, session: s };
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
    const expired = expiredHolds(this.sql, now);
    if (expired.length > 0) {
      this.ctx.storage.transactionSync(() => expireHolds(this.sql, this.holdNotice(this.session()), expired, now));
      this.reload();
    }
    if (this.lateSales.pending() > 0) await this.lateSales.finish();
    try {
      await this.relay.flush();
    } catch (error) {
      console.warn("outbox send failed in alarm; trying again later", error);
    }
    let snapshotAt: number | null = null;
    try {
      await writeSnapshot(this.store, this.env.DB, this.row);
      if (this.row?.status === "active") snapshotAt = Date.now() + Number(this.env.SNAPSHOT_INTERVAL_MS);
    } catch (error) {
      console.warn("snapshot to D1 failed; trying again later", error);
      snapshotAt = Date.now() + Number(this.env.SNAPSHOT_INTERVAL_MS);
    }
    const next = nextExpiry(this.sql);
    const retryAt = this.relay.pending() + this.lateSales.pending() > 0 ? Date.now() + Number(this.env.OUTBOX_RETRY_MS) : null;
    const candidates = [next, retryAt, snapshotAt].filter((t): t is number => t !== null);
    if (candidates.length > 0) this.scheduleAlarm(Math.min(...candidates));
  }

  // ---------------------------------------------------------------- helpers

  private session(): SessionRow {
    if (!this.row) throw notFound("session");
    return this.row;
  }

  private reload() {
    this.row = this.sql.one<SessionRow>("SELECT * FROM session WHERE id = 1");
    this.live.changed();
  }
}
