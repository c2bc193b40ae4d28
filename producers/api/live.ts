import { Hono } from "hono";
import { AppError, unwrap } from "../../lib/errors";
import { Id } from "../../schemas/common";
import { authorize } from "./auth";
import { parse, type AppContext, type AppEnv } from "./context";
import { sessionOf } from "./stubs";
import { documented, json } from "./route-docs";
import { LiveTicket } from "../../schemas/responses";

/**
 * Live totals of a session (durable/sale-session/live.ts). A browser cannot send an Authorization
 * header with a WebSocket, so the organizer's page takes a one-use ticket with its key first, then
 * opens the socket offering the subprotocols `consignment.live.v1` and the ticket. Nothing secret
 * is ever in the URL (which the request log and proxies record).
 */
export const liveTickets = new Hono<AppEnv>();

/** 201 `{ticket, expiresAt, protocol}`: a ticket for one socket of this session, good for 60 s. */
liveTickets.post("/:eventId/sessions/:sessionId/live/tickets", documented({
  operationId: "issueLiveTicket",
  tag: "Sessions",
  summary: "A ticket for the live totals",
  description:
    "A one-use ticket, good for 60 s, to open `GET …/sessions/:s/live` as a WebSocket (browsers cannot send an Authorization header there): offer the subprotocols `consignment.live.v1` and the ticket.",
  access: ["admin"],
  bodyOptional: true,
  responses: { 201: json(LiveTicket, "The ticket.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const actor = authorize(c, ["admin"]);
  return c.json(unwrap(await sessionOf(c.env, eventId, sessionId).liveTicket(actor)), 201);
}));

/**
 * GET /v1/events/:eventId/sessions/:sessionId/live — the WebSocket. Answered before the bearer
 * check (app.ts): the ticket in `Sec-WebSocket-Protocol` is the credential, checked and spent by
 * the session object, which then holds the socket (101) or refuses it (401).
 */
export const liveSocket = documented({
  operationId: "openLiveTotals",
  tag: "Sessions",
  summary: "Live totals (WebSocket)",
  description:
    "A WebSocket (`Upgrade: websocket`) of the session's totals: the summary at once, then again after every change (sales, voids, holds, transitions), at most every 500 ms. The credential is a ticket from `POST …/live/tickets`, offered in `Sec-WebSocket-Protocol` beside `consignment.live.v1` (never in the URL); a missing, spent or expired ticket is 401. Answers 101 Switching Protocols.",
  access: "public",
  headers: {
    Upgrade: { description: "`websocket`.", required: true },
    "Sec-WebSocket-Protocol": { description: "`consignment.live.v1, <ticket>`.", required: true },
  },
  responses: { 200: { description: "Switching Protocols (101): the socket; each message is the session's summary as JSON." } },
  errors: ["UNAUTHENTICATED", "NOT_FOUND"],
}, liveSocketHandler);

async function liveSocketHandler(c: AppContext) {
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  if ((c.req.header("Upgrade") ?? "").toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_FAILED", "this is a WebSocket: send Upgrade: websocket with a live ticket (POST …/live/tickets) as a subprotocol");
  }
  return sessionOf(c.env, eventId, sessionId).fetch(c.req.raw);
}
