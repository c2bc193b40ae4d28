import { audit } from "../../lib/audit";
import { invalidTransition, notFound, unwrap, type Result } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { SessionCreate } from "../../schemas/api";
import { systemActor, type Actor, type SessionItemSeed, type SessionStatus } from "../../schemas/domain";
import { requireEvent, requireOpen } from "./event";
import { recordUncommonSale, screen, settleVoids, takeLocked } from "./sales";
import { runningSession, type ItemRow, type SessionRow } from "./schema";
import { followSessionDiscount } from "./shopify";

/** Items locked per SQL transaction when a session starts (keeps each commit short). */
const LOCK_CHUNK = 5_000;
/** Sold items pulled from a finished session per call while settling. */
const SETTLE_PAGE = 5_000;

/** A session object, as far as this object asks it (a SaleSession stub in production). */
export interface SessionObject {
  summary(): Promise<Result<{ status: SessionStatus }>>;
  listSold(afterId: string, limit: number): Promise<Result<{ itemId: string; transactionId: string; soldAt: number }[]>>;
  listTransactions(afterId: string, limit: number): Promise<Result<{ id: string; status: "completed" | "voided" }[]>>;
}

/** What starting and settling sessions need of the object: its SQL, its transactions, a clock and the session objects. */
export interface SessionContext {
  readonly sql: Sql;
  /** Runs `fn` in one SQL transaction. */
  transaction<T>(fn: () => T): T;
  now(): number;
  /** The session object named `eventId:sessionId`. */
  session(name: string): SessionObject;
}

/** Records a session of the event, in creation order. Idempotent. */
export function registerSession(sql: Sql, input: SessionCreate, now: number): { id: string; status: string } {
  const existing = sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", input.id);
  if (existing) return { id: existing.id, status: existing.status };
  const position = (sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM sessions")?.n ?? 0) + 1;
  sql.run(
    "INSERT INTO sessions (id, name, status, position, discount, created_at, updated_at) VALUES (?, ?, 'initial', ?, ?, ?, ?)",
    input.id,
    input.name,
    position,
    input.discount,
    now,
    now,
  );
  return { id: input.id, status: "initial" };
}

/**
 * The first half of a session start: sessions run one after another, so another running session
 * refuses it. The check and the claim (`starting`) happen with no await between them: a Durable
 * Object takes other requests at every await, and two starts at the same moment must not both
 * pass the check. Sessions that ended are settled next (their sales are known here before the new
 * session loads its items), then every modifiable item is locked.
 */
export async function prepareSessionStart(ctx: SessionContext, sessionId: string, actor: Actor): Promise<{ locked: number }> {
  const { sql } = ctx;
  requireOpen(sql);
  if (!sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", sessionId)) throw notFound(`session ${sessionId}`);
  await refreshRunningSessions(ctx, sessionId);
  // No await from here to the claim.
  const session = sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", sessionId)!;
  const running = runningSession(sql);
  if (running && running.id !== sessionId) {
    throw invalidTransition("session", session.status, "active", {
      reason: `session ${running.id} is ${running.status}; sessions run one after another`,
      runningSession: running.id,
    });
  }
  if (session.status !== "initial" && session.status !== "starting") throw invalidTransition("session", session.status, "active");
  // Its place among the starts: an ended session takes late sales only while no session started after it (late-sales.ts).
  sql.run(
    "UPDATE sessions SET status = 'starting', started_seq = (SELECT COALESCE(MAX(started_seq), 0) + 1 FROM sessions), updated_at = ? WHERE id = ?",
    ctx.now(),
    sessionId,
  );
  try {
    await settleEnded(ctx);
  } catch (error) {
    // Not started after all: give the claim back so this or another session can try again.
    sql.run("UPDATE sessions SET status = 'initial', updated_at = ? WHERE id = ? AND status = 'starting'", ctx.now(), sessionId);
    throw error;
  }
  let locked = 0;
  for (;;) {
    const now = ctx.now();
    const batch = sql.all<{ id: string }>("SELECT id FROM items WHERE status = 'modifiable' ORDER BY id LIMIT ?", LOCK_CHUNK);
    if (batch.length === 0) break;
    ctx.transaction(() => {
      for (const { id } of batch) {
        sql.run("UPDATE items SET status = 'locked', last_modified = ?, version = version + 1 WHERE id = ?", now, id);
        audit(sql, actor, now, { entity: "item", entityId: id, action: "lock", before: { status: "modifiable" }, after: { status: "locked", sessionId } });
      }
    });
    locked += batch.length;
  }
  return { locked };
}

/** Settles every session that ended and is not yet settled (their sales become known here). */
async function settleEnded(ctx: SessionContext) {
  for (const ended of ctx.sql.all<{ id: string }>("SELECT id FROM sessions WHERE status = 'completed' AND settled = 0")) {
    await settle(ctx, ended.id);
  }
}

/**
 * Before an item leaves the sale (transfer): learn of any session that ended without this object
 * hearing, and settle every ended session, so an item one of them sold is known to be sold.
 */
export async function catchUpWithSessions(ctx: SessionContext) {
  await refreshRunningSessions(ctx, "");
  await settleEnded(ctx);
}

/**
 * A session this object believes running may have ended without it hearing (the call telling it
 * failed): ask each one, so a lost notice never blocks the next session.
 */
export async function refreshRunningSessions(ctx: SessionContext, except: string) {
  const { sql } = ctx;
  const event = requireEvent(sql);
  const believed = sql.all<SessionRow>("SELECT * FROM sessions WHERE status IN ('starting', 'active') AND id != ?", except);
  for (const session of believed) {
    const actual = unwrap(await ctx.session(`${event.id}:${session.id}`).summary());
    if (actual.status === "completed" || actual.status === "cancelled") {
      ctx.transaction(() => {
        sql.run("UPDATE sessions SET status = ?, settled = ?, updated_at = ? WHERE id = ?", actual.status, actual.status === "cancelled" ? 1 : 0, ctx.now(), session.id);
        followSessionDiscount(sql, ctx.now());
      });
    }
  }
}

/** The event's sessions in the order they were created, as this object knows them. */
export function sessionList(sql: Sql): { id: string; name: string; status: string; discount: number }[] {
  return sql
    .all<SessionRow>("SELECT * FROM sessions ORDER BY position")
    .map((r) => ({ id: r.id, name: r.name, status: r.status === "starting" ? "initial" : r.status, discount: r.discount }));
}

/** Every session of the event, in the order they were created. */
export function sessionIds(sql: Sql): string[] {
  return sql.all<{ id: string }>("SELECT id FROM sessions ORDER BY position").map((r) => r.id);
}

/** A page of the items a starting session sells: locked and not sold, in id order after `afterId`. */
export function sessionItems(sql: Sql, sessionId: string, afterId: string, limit: number): SessionItemSeed[] {
  const session = sql.one<SessionRow>("SELECT * FROM sessions WHERE id = ?", sessionId);
  if (!session) throw notFound(`session ${sessionId}`);
  return sql
    .all<ItemRow>("SELECT * FROM items WHERE status = 'locked' AND id > ? ORDER BY id LIMIT ?", afterId, Math.min(limit, 10_000))
    .map((r) => ({ id: r.id, consignorId: r.consignor_id, title: r.title, category: r.category, size: r.size, price: r.price, discountAllowed: r.discount_allowed === 1 }));
}

/** The session object reports its transitions; a completed session is settled at once. */
export async function sessionStatusChanged(ctx: SessionContext, sessionId: string, status: "active" | "completed" | "cancelled"): Promise<{ settled: boolean }> {
  ctx.transaction(() => {
    ctx.sql.run("UPDATE sessions SET status = ?, settled = ?, updated_at = ? WHERE id = ?", status, status === "cancelled" ? 1 : 0, ctx.now(), sessionId);
    followSessionDiscount(ctx.sql, ctx.now());
  });
  if (status === "completed") await settle(ctx, sessionId);
  return { settled: status !== "active" };
}

/**
 * Makes this object's item statuses agree with a finished session's: every item it sold is
 * marked sold here. The queue normally brought each sale already; this closes the gap of any
 * message still in flight before the next session may start.
 */
async function settle(ctx: SessionContext, sessionId: string) {
  const { sql } = ctx;
  const event = requireEvent(sql);
  const session = ctx.session(`${event.id}:${sessionId}`);
  const actor = systemActor("system:settle");
  let cursor = "";
  for (;;) {
    const page = unwrap(await session.listSold(cursor, SETTLE_PAGE));
    if (page.length === 0) break;
    cursor = page[page.length - 1]!.itemId;
    const now = ctx.now();
    ctx.transaction(() => {
      // A page names each item once, as takeLocked needs; a sale under a transaction id another
      // session owns is refused (and audited), never applied.
      const refs = page.map((sold) => ({ type: "transaction.completed" as const, transactionId: sold.transactionId, sessionId, sold }));
      const sales = screen(sql, refs, actor, now).accepted.map(({ sold }) => ({ itemId: sold.itemId, txId: sold.transactionId, sessionId, occurredAt: sold.soldAt }));
      const taken = takeLocked(sql, sales, actor, now);
      for (const sale of sales) if (!taken.has(sale.itemId)) recordUncommonSale(sql, sale, actor, now);
    });
    if (page.length < SETTLE_PAGE) break;
  }
  // Its voids too: one made just before the session ended may still be on the queue, and the
  // next session must offer what it gave back.
  for (let after = ""; ; ) {
    const page = unwrap(await session.listTransactions(after, SETTLE_PAGE));
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const voided = page.filter((t) => t.status === "voided").map((t) => t.id);
    if (voided.length > 0) ctx.transaction(() => settleVoids(sql, sessionId, voided, actor, ctx.now()));
    if (page.length < SETTLE_PAGE) break;
  }
  sql.run("UPDATE sessions SET settled = 1, updated_at = ? WHERE id = ?", ctx.now(), sessionId);
}
