import { Hono } from "hono";
import { AppError, unwrap, type Result } from "../../lib/errors";
import type { Replayable, TransactionView } from "../../schemas/domain";
import { HoldCreate, SessionCreate, TransactionCreate, TransactionUpload, VoidBody } from "../../schemas/api";
import { Id, ONLINE_SESSION, TransactionId } from "../../schemas/common";
import { authorize } from "./auth";
import { parse, parseBody, written, type AppEnv } from "./context";
import { inventoryOf, requireEvent, sessionOf } from "./stubs";

export const sessions = new Hono<AppEnv>();

sessions.post("/:eventId/sessions", async (c) => {
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
});

sessions.get("/:eventId/sessions/:sessionId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  authorize(c, ["admin", "register"], { eventId });
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).summary()));
});

for (const transition of ["start", "complete", "cancel"] as const) {
  sessions.post(`/:eventId/sessions/:sessionId/${transition}`, async (c) => {
    const eventId = parse(Id, c.req.param("eventId"), "eventId");
    const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
    const actor = authorize(c, ["admin"]);
    const session = sessionOf(c.env, eventId, sessionId);
    return c.json(unwrap(await session[transition](actor)));
  });
}

sessions.post("/:eventId/sessions/:sessionId/holds", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const actor = authorize(c, ["register"], { eventId });
  const input = await parseBody(c, HoldCreate);
  return written(c, unwrap(await sessionOf(c.env, eventId, sessionId).hold(input, actor)));
});

sessions.delete("/:eventId/sessions/:sessionId/holds/:holdId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const holdId = parse(Id, c.req.param("holdId"), "holdId");
  const actor = authorize(c, ["admin", "register"], { eventId });
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).releaseHold(holdId, actor)));
});

sessions.post("/:eventId/sessions/:sessionId/transactions", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const actor = authorize(c, ["register"], { eventId });
  const input = await parseBody(c, TransactionCreate);
  return written(c, unwrap(await sessionOf(c.env, eventId, sessionId).checkout(input, actor)));
});

/**
 * A register back online uploads the sales it queued, in order. Each is its own checkout with its
 * own idempotency; the answer lists, per transaction, the status a single checkout would have had
 * (201, 200 for a replay, or the error).
 */
sessions.post("/:eventId/sessions/:sessionId/transactions/batch", async (c) => {
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
  });
});

sessions.get("/:eventId/sessions/:sessionId/transactions/:txId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  authorize(c, ["admin", "register"], { eventId });
  // Online sales are transactions of the pseudo-session `online`, held by the event's Inventory (never pruned).
  if (sessionId === ONLINE_SESSION) return c.json(unwrap(await inventoryOf(c.env, eventId).onlineTransaction(txId)));
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).getTransaction(txId)));
});

sessions.post("/:eventId/sessions/:sessionId/transactions/:txId/void", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  const actor = authorize(c, ["admin", "register"], { eventId });
  const { reason } = await parseBody(c, VoidBody);
  if (sessionId === ONLINE_SESSION) throw new AppError("INVALID_TRANSITION", "an online sale is voided by refunding or cancelling its order on Shopify");
  const result = unwrap(await sessionOf(c.env, eventId, sessionId).voidTransaction(txId, reason, actor));
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(result.value, 200);
});
