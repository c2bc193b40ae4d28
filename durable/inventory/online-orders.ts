import { AppError, unwrap, type Result } from "../../lib/errors";
import { rateFor, type RateTable, type Tier } from "../../lib/money";
import { onlineTransactionId } from "../../lib/shopify/webhooks";
import type { TransactionCompleted, TransactionVoided } from "../../schemas/messages";
import { ONLINE_ACTOR, onlineSale, ownRefusal, recordOnlineRefusal, recordOnlineSale, recordWithdrawnLine, voidOnlineSale, type LineRef, type OnlineLine } from "./online";
import { itemRow, runningSession } from "./schema";
import type { Sql } from "../../lib/sql";

/** An order as the sale reads it: its lines for items of this event. */
export interface OnlineOrder {
  orderId: string;
  name: string;
  cancelled: boolean;
  lines: { lineId: string; itemId: string; price: number; quantity: number }[];
}

type Verdict = { outcome: "sold" } | { outcome: "conflict"; reason: "sold" | "held"; transactionId: string | null } | { outcome: "absent" } | { outcome: "not_active" };

/** What taking orders needs of the Inventory object. */
export interface OnlineContext {
  sql: Sql;
  eventId: string;
  transaction<T>(fn: () => T): T;
  /** Writes a transaction message to the object's outbox (inside the caller's transaction). */
  enqueue(message: TransactionCompleted | TransactionVoided, now: number): void;
  rateTable(): Promise<{ rates: RateTable | null; tiers: Record<string, Tier> }>;
  session(sessionId: string): {
    sellOnline(itemId: string, txId: string): Promise<Result<Verdict>>;
    releaseOnline(itemId: string, txId: string): Promise<Result<{ released: boolean }>>;
  };
}

const actor = ONLINE_ACTOR;

/**
 * An order's news: each line still selling becomes an online sale, or a refusal listed as a
 * conflict when a register got there first; a line refunded or removed, or a cancelled order,
 * voids that line's sale. The running session decides while it runs (it owns the items' status);
 * otherwise this object does. Every line is idempotent: its transaction id comes from the order
 * and line ids, and a line already taken is skipped, also when it was taken during an await here.
 */
export async function takeOnlineOrder(ctx: OnlineContext, order: OnlineOrder): Promise<{ sold: string[]; refused: string[]; voided: string[] }> {
  const { sql } = ctx;
  const outcome = { sold: [] as string[], refused: [] as string[], voided: [] as string[] };
  let table: { rates: RateTable | null; tiers: Record<string, Tier> } | null = null;
  for (const news of order.lines) {
    const txId = await onlineTransactionId(order.orderId, news.lineId);
    const ref: LineRef = { txId, orderId: order.orderId, lineId: news.lineId, itemId: news.itemId };
    if (order.cancelled || news.quantity === 0) {
      if (await voidOnline(ctx, ref, order.cancelled ? "order cancelled on Shopify" : "refunded on Shopify")) outcome.voided.push(news.itemId);
      continue;
    }
    if (onlineSale(sql, txId) || !itemRow(sql, news.itemId) || news.price <= 0) continue;
    table ??= await ctx.rateTable();
    const rates = table.rates;
    if (!rates) throw new AppError("INVALID_TRANSITION", "the event's rates are not set; online sales wait for them", { reason: "RATES_NOT_SET" });
    const running = runningSession(sql);
    let refusal: { reason: string; transactionId: string | null } | null = null;
    let decided = false;
    if (running) {
      const verdict = unwrap(await ctx.session(running.id).sellOnline(news.itemId, txId));
      if (verdict.outcome === "not_active") throw new AppError("INVALID_TRANSITION", `session ${running.id} is not active yet; the order waits`);
      if (verdict.outcome === "conflict") refusal = { reason: verdict.reason, transactionId: verdict.transactionId };
      decided = verdict.outcome !== "absent";
    }
    // After the await: the same line may have been taken meanwhile (a redelivery), or withdrawn (its
    // refund came): then the session lets go of what it just sold to this line, if anything.
    const taken = onlineSale(sql, txId);
    if (taken) {
      if (taken.status === "withdrawn" && running) unwrap(await ctx.session(running.id).releaseOnline(news.itemId, txId));
      continue;
    }
    const row = itemRow(sql, news.itemId)!;
    if (!decided) refusal = ownRefusal(sql, row);
    const rate = rateFor(rates, table.tiers[row.consignor_id] ?? "standard");
    const line: OnlineLine = { txId, orderId: order.orderId, orderName: order.name, lineId: news.lineId, itemId: news.itemId, price: news.price };
    const now = Date.now();
    ctx.transaction(() => {
      if (refusal) recordOnlineRefusal(sql, line, refusal, actor, now);
      else recordOnlineSale(sql, (m) => ctx.enqueue(m, now), ctx.eventId, line, row, rate, actor, now);
    });
    (refusal ? outcome.refused : outcome.sold).push(news.itemId);
  }
  return outcome;
}

/**
 * Voids one order line's online sale here, then tells the running session its item is on the floor
 * again. A line with no record yet (its order not seen: webhooks come in no set order) is recorded
 * as withdrawn, so the order sells nothing when it comes; the session is told too, in case it sold
 * the item to that line while the order was being taken. Returns whether a sale was voided.
 */
export async function voidOnline(ctx: OnlineContext, line: LineRef, reason: string): Promise<boolean> {
  const now = Date.now();
  const { voided, withdrawn } = ctx.transaction(() => {
    const itemId = voidOnlineSale(ctx.sql, (m) => ctx.enqueue(m, now), line.txId, reason, actor, now);
    return { voided: itemId !== null, withdrawn: itemId === null && recordWithdrawnLine(ctx.sql, line, reason, actor, now) };
  });
  if (!voided && !withdrawn) return false;
  const running = runningSession(ctx.sql);
  if (running) unwrap(await ctx.session(running.id).releaseOnline(line.itemId, line.txId));
  return voided;
}
