import { Hono } from "hono";
import { z } from "zod";
import { AppError, unwrap, type Result } from "../../lib/errors";
import type { Replayable, TransactionView } from "../../schemas/domain";
import { HoldCreate, SessionCreate, TransactionCreate, TransactionUpload, VoidBody } from "../../schemas/api";
import { Id, ONLINE_SESSION, TransactionId } from "../../schemas/common";
import { HoldView, PriceList, SaleSessionSummary, SessionItem, SessionList, TransactionUploadResult, TransactionView as Transaction } from "../../schemas/responses";
import { authorize } from "./auth";
import { parse, parseBody, written, type AppEnv } from "./context";
import { documented, json, replayable, replayedHeader, type RouteDoc } from "./route-docs";
import { inventoryOf, requireEvent, sessionOf } from "./stubs";

export const sessions = new Hono<AppEnv>();

sessions.post("/:eventId/sessions", documented({
  operationId: "createSession",
  tag: "Sessions",
  summary: "Create a session",
  description:
    "A sale session in status `initial`: `startTime`/`endTime` in epoch ms, and an optional `discount` in basis points off the tag price of every item that allows it (5000 = the half-price day). The same body again is a replay; the id with other details is 409 `ALREADY_EXISTS`.",
  access: ["admin"],
  body: SessionCreate,
  responses: replayable(SaleSessionSummary, "The session, created."),
  errors: ["NOT_FOUND", "ALREADY_EXISTS"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const actor = authorize(c, ["admin"]);
  const input = await parseBody(c, SessionCreate);
  await requireEvent(c.env, eventId);
  // Each step is idempotent, so a retry after a failure part way through completes the rest.
  unwrap(await inventoryOf(c.env, eventId).registerSession(input));
  const result = unwrap(await sessionOf(c.env, eventId, input.id).init(eventId, input, actor));
  await c.env.DB.prepare("INSERT OR IGNORE INTO sessions (event_id, id, name, start_time, end_time, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(eventId, input.id, input.name, input.startTime, input.endTime, result.value.createdAt)
    .run();
  return written(c, result);
}));

/** The event's sessions in order (id, name, status, discount): a register picks the running one. */
sessions.get("/:eventId/sessions", documented({
  operationId: "listSessions",
  tag: "Sessions",
  summary: "The event's sessions",
  description: "Every session of the event in the order they were created: id, name, status and `discount` (basis points; 0 = full price). A register picks the running one here.",
  access: ["admin", "register"],
  responses: { 200: json(SessionList, "The sessions.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  authorize(c, ["admin", "register"], { eventId });
  return c.json({ sessions: unwrap(await inventoryOf(c.env, eventId).listSessions()) } satisfies z.infer<typeof SessionList>);
}));

/** One item as a register scans it: title, size, tag price, the price in this session, and whether it can be sold. */
sessions.get("/:eventId/sessions/:sessionId/items/:itemId", documented({
  operationId: "getSessionItem",
  tag: "Sales",
  summary: "An item as a register scans it",
  description: "What the item is, its tag price and its price in this session (cents; less in a discount session), and whether it can be sold now (`available`, or `held`, `sold`, `sold_online`). 404 when the item is not in this session.",
  access: ["admin", "register"],
  responses: { 200: json(SessionItem, "The item in this session.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const itemId = parse(Id, c.req.param("itemId"), "itemId");
  authorize(c, ["admin", "register"], { eventId });
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).item(itemId)));
}));

const PriceListQuery = z.strictObject({
  /** The `next` of the page before: items after this id. */
  after: z.union([Id, z.literal("")]).default(""),
  limit: z.coerce.number().int().min(1).max(5_000).default(5_000),
});

/**
 * Every item of the session with its price there, in id order (the session object's primary key),
 * a page at a time: a register keeps it, to show a tag's title and price and the cart's total
 * while it cannot reach the API. It says nothing of what is still for sale; the checkout decides.
 */
sessions.get("/:eventId/sessions/:sessionId/price-list", documented({
  operationId: "getSessionPriceList",
  tag: "Sales",
  summary: "A session's price list",
  description:
    "Every item of the session — sold or not — with its title, size, tag price and price in this session (cents; less in a discount session), in id order, a page at a time (`next` is the following page's `after`; up to 5,000 items a page). A session's items and prices are fixed when it starts; before that, 409 `SESSION_NOT_ACTIVE`. A register keeps it to price a cart while offline; whether an item can still be sold is the checkout's answer.",
  access: ["admin", "register"],
  query: PriceListQuery,
  responses: { 200: json(PriceList, "A page of the price list.") },
  errors: ["NOT_FOUND", "SESSION_NOT_ACTIVE"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  authorize(c, ["admin", "register"], { eventId });
  const { after, limit } = parse(PriceListQuery, c.req.query(), "query");
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).priceList(after, limit)));
}));

sessions.get("/:eventId/sessions/:sessionId", documented({
  operationId: "getSession",
  tag: "Sessions",
  summary: "A session",
  description: "Status, times, discount and live counters (sales and commissions in cents).",
  access: ["admin", "register"],
  responses: { 200: json(SaleSessionSummary, "The session.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  authorize(c, ["admin", "register"], { eventId });
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).summary()));
}));

const TRANSITIONS: Record<"start" | "complete" | "cancel", Pick<RouteDoc, "summary" | "description" | "errors">> = {
  start: {
    summary: "Start a session",
    description:
      "initial → active: locks the event's modifiable items and loads every unsold one with its commission rate (basis points) and the session's price. One session runs at a time, even when two starts race. Needs the event's rates (`details.reason: RATES_NOT_SET`).",
    errors: ["NOT_FOUND", "INVALID_TRANSITION", "EVENT_CLOSED"],
  },
  complete: {
    summary: "Complete a session",
    description: "active → completed: open holds are released and the Inventory learns every sale of the session.",
    errors: ["NOT_FOUND", "INVALID_TRANSITION"],
  },
  cancel: {
    summary: "Cancel a session",
    description: "initial | active → cancelled, only while no sale stands (voided ones do not count).",
    errors: ["NOT_FOUND", "INVALID_TRANSITION", "SESSION_HAS_SALES"],
  },
};

for (const transition of ["start", "complete", "cancel"] as const) {
  sessions.post(`/:eventId/sessions/:sessionId/${transition}`, documented({
    operationId: `${transition}Session`,
    tag: "Sessions",
    ...TRANSITIONS[transition],
    access: ["admin"],
    responses: { 200: json(SaleSessionSummary, "The session, in its new status.") },
  }, async (c) => {
    const eventId = parse(Id, c.req.param("eventId"), "eventId");
    const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
    const actor = authorize(c, ["admin"]);
    const session = sessionOf(c.env, eventId, sessionId);
    return c.json(unwrap(await session[transition](actor)));
  }));
}

sessions.post("/:eventId/sessions/:sessionId/holds", documented({
  operationId: "placeHold",
  tag: "Sales",
  summary: "Hold items at a register",
  description:
    "Every item of the cart pending for this key, or none, until released, sold (`holdId` of a checkout) or expired (`ttlSeconds`). The same hold again is a replay; its id with another cart or key is 422.",
  access: ["register"],
  body: HoldCreate,
  responses: replayable(HoldView, "The hold, placed."),
  errors: ["NOT_FOUND", "SESSION_NOT_ACTIVE", "ITEM_UNAVAILABLE", "IDEMPOTENCY_KEY_REUSED"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const actor = authorize(c, ["register"], { eventId });
  const input = await parseBody(c, HoldCreate);
  return written(c, unwrap(await sessionOf(c.env, eventId, sessionId).hold(input, actor)));
}));

sessions.delete("/:eventId/sessions/:sessionId/holds/:holdId", documented({
  operationId: "releaseHold",
  tag: "Sales",
  summary: "Release a hold",
  description: "Its items that are still held are available again. Only the key that made it, or an admin; releasing an ended hold changes nothing.",
  access: ["admin", "register"],
  responses: { 200: json(HoldView, "The hold, released.") },
  errors: ["NOT_FOUND"],
  errorNotes: { FORBIDDEN: "The key's role may not call this route, it belongs to another event, or the hold is another key's." },
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const holdId = parse(Id, c.req.param("holdId"), "holdId");
  const actor = authorize(c, ["admin", "register"], { eventId });
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).releaseHold(holdId, actor)));
}));

sessions.post("/:eventId/sessions/:sessionId/transactions", documented({
  operationId: "checkout",
  tag: "Sales",
  summary: "Sell a cart (checkout)",
  description:
    "Sells every item of the cart or none, at the session's price (its discount applied; amounts in cents). Generate the transaction `id` (a UUID) once per cart and repeat the same request until an answer comes: the same id and cart again is 200 with `Idempotent-Replayed: true` (also after the session completed or was archived), never a second sale. The same id with another cart, or an id another session of the event used, is 422.",
  access: ["register"],
  body: TransactionCreate,
  responses: replayable(Transaction, "The sale."),
  errors: ["NOT_FOUND", "SESSION_NOT_ACTIVE", "ITEM_UNAVAILABLE", "IDEMPOTENCY_KEY_REUSED"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const actor = authorize(c, ["register"], { eventId });
  const input = await parseBody(c, TransactionCreate);
  return written(c, unwrap(await sessionOf(c.env, eventId, sessionId).checkout(input, actor)));
}));

/**
 * A register back online uploads the sales it queued, in order. Each is its own checkout with its
 * own idempotency; the answer lists, per transaction, the status a single checkout would have had
 * (201, 200 for a replay, or the error).
 */
sessions.post("/:eventId/sessions/:sessionId/transactions/batch", documented({
  operationId: "uploadTransactions",
  tag: "Sales",
  summary: "Upload sales made offline",
  description:
    "A register back online posts the sales it queued (up to 100, 4 MiB), in order. Each is its own checkout with its own idempotency: `results[]` gives each one's status as a single checkout would have answered (201, 200 for a replay, or the error with its envelope). After the session completed, a sale made offline during it is still taken (201, at the session's prices) while no later session has started and the archive has not pruned the session, if every item is still in the sale (not transferred or sold online since); otherwise 409 `SESSION_NOT_ACTIVE` (`details.reason` `LATER_SESSION_STARTED` or `ARCHIVED`) or `ITEM_UNAVAILABLE` (`details.reasons` per tag, e.g. `transferred`, `sold_online`).",
  access: ["register"],
  body: TransactionUpload,
  responses: { 200: json(TransactionUploadResult, "One result per transaction, in order.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const actor = authorize(c, ["register"], { eventId });
  const { transactions } = await parseBody(c, TransactionUpload);
  // The RPC stub's type of a Result nested in a Result is opaque; the object returns exactly this.
  const results = unwrap(await sessionOf(c.env, eventId, sessionId).checkoutMany(transactions, actor)) as Result<Replayable<TransactionView>>[];
  return c.json({
    results: results.map((r, i) =>
      r.ok
        ? { id: transactions[i]!.id, status: r.value.replayed ? 200 : 201, transaction: r.value.value }
        : { id: transactions[i]!.id, status: new AppError(r.error.code, r.error.message).status, error: r.error },
    ),
  } satisfies z.infer<typeof TransactionUploadResult>);
}));

sessions.get("/:eventId/sessions/:sessionId/transactions/:txId", documented({
  operationId: "getTransaction",
  tag: "Sales",
  summary: "A transaction",
  description: "With its items; from D1 once the archive pruned it from the session.",
  access: ["admin", "register"],
  responses: { 200: json(Transaction, "The transaction.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  authorize(c, ["admin", "register"], { eventId });
  // Online sales are transactions of the pseudo-session `online`, held by the event's Inventory (never pruned).
  if (sessionId === ONLINE_SESSION) return c.json(unwrap(await inventoryOf(c.env, eventId).onlineTransaction(txId)));
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).getTransaction(txId)));
}));

sessions.post("/:eventId/sessions/:sessionId/transactions/:txId/void", documented({
  operationId: "voidTransaction",
  tag: "Sales",
  summary: "Void a transaction",
  description:
    "Its items are available again and the counters drop by exactly what it added; the consignors' entries are reversed. A register while the session is active; an admin also after it completed. Voiding again is a replay (`Idempotent-Replayed: true`).",
  access: ["admin", "register"],
  body: VoidBody,
  responses: { 200: { description: "The transaction, voided.", json: Transaction, headers: replayedHeader } },
  errors: ["NOT_FOUND", "SESSION_NOT_ACTIVE"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  const actor = authorize(c, ["admin", "register"], { eventId });
  const { reason } = await parseBody(c, VoidBody);
  if (sessionId === ONLINE_SESSION) throw new AppError("INVALID_TRANSITION", "an online sale is voided by refunding or cancelling its order on Shopify");
  const result = unwrap(await sessionOf(c.env, eventId, sessionId).voidTransaction(txId, reason, actor));
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(result.value, 200);
}));
