import { Hono } from "hono";
import { z } from "zod";
import { unwrap } from "../../lib/errors";
import { Id, TransactionId } from "../../schemas/common";
import { authorize } from "./auth";
import { parse, type AppEnv } from "./context";
import { sessionOf } from "./stubs";
import { documented, json } from "./route-docs";
import { EventList, TransactionPage } from "../../schemas/responses";

/** Lists the organizer's pages read: the events (from D1), a session's transactions (from its object). */
export const lists = new Hono<AppEnv>();

export const EventListQuery = z.strictObject({
  /** The `next` of the page before: events after this id. */
  after: z.union([Id, z.literal("")]).default(""),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

type EventRow = { id: string; name: string; created_at: number };

/** Every event, in id order, a page at a time (D1's `events`, written when an event is created). */
lists.get("/", documented({
  operationId: "listEvents",
  tag: "Events",
  summary: "The events",
  description: "Every event in id order, a page at a time (`next` is the following page's `after`).",
  access: ["admin"],
  query: EventListQuery,
  responses: { 200: json(EventList, "A page of events.") },
}, async (c) => {
  authorize(c, ["admin"]);
  const { after, limit } = parse(EventListQuery, c.req.query(), "query");
  const { results } = await c.env.DB.prepare("SELECT id, name, created_at FROM events WHERE id > ? ORDER BY id LIMIT ?").bind(after, limit).all<EventRow>();
  return c.json({
    events: results.map((e) => ({ id: e.id, name: e.name, createdAt: e.created_at })),
    next: results.length === limit ? results.at(-1)!.id : null,
  } satisfies z.infer<typeof EventList>);
}));

export const TransactionListQuery = z.strictObject({
  after: z.union([TransactionId, z.literal("")]).default(""),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** `id` (transaction-id order, the default) or `newest` (the last sale first). */
  order: z.enum(["id", "newest"]).default("id"),
});

/**
 * A session's transactions with their lines, in id order (the session object's primary key) or
 * newest first (its index by time), so a page costs the same in a session of any size; paged by
 * `after`. `archived`: the nightly archive pruned them from the session (they are in D1 and R2).
 */
lists.get("/:eventId/sessions/:sessionId/transactions", documented({
  operationId: "listSessionTransactions",
  tag: "Sales",
  summary: "A session's transactions",
  description:
    "The session's transactions with their lines (prices in cents), a page at a time (`next` is the following page's `after`): in transaction-id order, or with `order=newest` the last sale first (by time, then id). `archived`: the nightly archive pruned them from the session; they are in D1 and R2.",
  access: ["admin"],
  query: TransactionListQuery,
  responses: { 200: json(TransactionPage, "A page of transactions.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  authorize(c, ["admin"]);
  const { after, limit, order } = parse(TransactionListQuery, c.req.query(), "query");
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).transactionPage(after, limit, order)));
}));
