import { Hono } from "hono";
import { unwrap } from "../../lib/errors";
import { HoldCreate, SessionCreate, TransactionCreate, VoidBody } from "../../schemas/api";
import { Id, TransactionId } from "../../schemas/common";
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
  const actor = authorize(c, ["register"], { eventId });
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).releaseHold(holdId, actor)));
});

sessions.post("/:eventId/sessions/:sessionId/transactions", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const actor = authorize(c, ["register"], { eventId });
  const input = await parseBody(c, TransactionCreate);
  return written(c, unwrap(await sessionOf(c.env, eventId, sessionId).checkout(input, actor)));
});

sessions.get("/:eventId/sessions/:sessionId/transactions/:txId", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  authorize(c, ["admin", "register"], { eventId });
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).getTransaction(txId)));
});

sessions.post("/:eventId/sessions/:sessionId/transactions/:txId/void", async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const txId = parse(TransactionId, c.req.param("txId"), "txId");
  const actor = authorize(c, ["admin", "register"], { eventId });
  const { reason } = await parseBody(c, VoidBody);
  const result = unwrap(await sessionOf(c.env, eventId, sessionId).voidTransaction(txId, reason, actor));
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(result.value, 200);
});
