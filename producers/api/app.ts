import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import { archive } from "./archive";
import { authenticate } from "./auth";
import { bodyLimits } from "./body-limits";
import { corsFor } from "./cors";
import { rateLimit } from "./rate-limit";
import { requestLog } from "./request-log";
import { tags } from "./tags";
import { commissions } from "./commissions";
import type { AppEnv } from "./context";
import { events } from "./events";
import { reports } from "./reports";
import { items } from "./items";
import { lists } from "./lists";
import { liveSocket, liveTickets } from "./live";
import { me } from "./me";
import { sessions } from "./sessions";
import { shopify } from "./shopify";
import { receiveWebhook } from "./shopify-webhooks";
import { referenceRoutes } from "./reference";
import { documented, json } from "./route-docs";
import { Health } from "../../schemas/responses";

export const app = new Hono<AppEnv>();

app.use("*", requestLog);
app.use("/v1/*", corsFor);
app.get("/health", documented({
  operationId: "getHealth",
  tag: "Service",
  summary: "Health",
  description: "Answers while the Worker runs.",
  access: "public",
  responses: { 200: json(Health, "`{\"ok\": true}`") },
}, (c) => c.json({ ok: true })));
// GET /openapi.json and GET /docs: the reference of every route registered here (no key).
referenceRoutes(app);

// Shopify's deliveries carry an HMAC, not a bearer key: answered here, before the key check.
app.post("/v1/shopify/webhooks", bodyLimits, receiveWebhook);
// The live totals' WebSocket carries a one-use ticket as a subprotocol instead (live.ts).
app.get("/v1/events/:eventId/sessions/:sessionId/live", liveSocket);
app.use("/v1/*", authenticate);
app.use("/v1/*", rateLimit);
app.use("/v1/*", bodyLimits);
app.route("/v1/events", lists);
app.route("/v1/events", events);
app.route("/v1/events", items);
app.route("/v1/events", sessions);
app.route("/v1/events", commissions);
app.route("/v1/events", reports);
app.route("/v1/events", tags);
app.route("/v1/events", shopify);
app.route("/v1/events", liveTickets);
app.route("/v1/archive", archive);
app.route("/v1/me", me);

/**
 * Not a route of the API: a GET or HEAD outside /v1 is a page of public/, answered by the pages
 * Worker (service binding PAGES, pages/wrangler.toml) on this same origin; anything else is the
 * API's 404 in the envelope.
 */
app.notFound((c) => {
  const page = (c.req.method === "GET" || c.req.method === "HEAD") && !c.req.path.startsWith("/v1/");
  if (page && c.env.PAGES) return c.env.PAGES.fetch(c.req.raw);
  return c.json({ error: new AppError("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`).toBody() }, 404);
});

/** The one place an error becomes an HTTP answer: the error envelope of the API (README). */
app.onError((error, c) => {
  const requestId = c.get("requestId") ?? null;
  if (error instanceof AppError) {
    if (error.code === "UNAUTHENTICATED") c.header("WWW-Authenticate", 'Bearer realm="consignment"');
    return c.json({ error: error.toBody() }, error.status as 400);
  }
  console.error(JSON.stringify({ msg: "unhandled error", requestId, method: c.req.method, path: c.req.path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  return c.json({ error: { code: "INTERNAL", message: `internal error; it has been logged as request ${requestId}`, details: { requestId } } }, 500);
});
