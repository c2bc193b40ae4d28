import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/** A request id a caller may choose (a POS correlating its own logs): short and plain, else ours. */
const CALLER_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Every request gets an id — the caller's `X-Request-Id` when it is a plain token, else a fresh
 * UUID — answered in `X-Request-Id` (500 bodies name it too), and one JSON log line when it ends:
 * the id, method, path, status, milliseconds, and the api key and event it concerned
 * (`LOG_REQUESTS = "false"` keeps only those of 5xx answers).
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const offered = c.req.header("X-Request-Id");
  const requestId = offered && CALLER_ID.test(offered) ? offered : crypto.randomUUID();
  c.set("requestId", requestId);
  // Set before the answer is made, so the answers made through the context (all of the API's,
  // errors too) carry it without a copy of the response; one made otherwise gets it after.
  c.header("X-Request-Id", requestId);
  const started = Date.now();
  try {
    await next();
  } finally {
    if (c.res.headers.get("X-Request-Id") !== requestId) c.header("X-Request-Id", requestId);
    const actor = c.get("actor");
    // Errors are logged always (onError); the line of every request unless LOG_REQUESTS is "false".
    if ((c.env.LOG_REQUESTS as string) !== "false" || c.res.status >= 500) console.log(
      JSON.stringify({
        msg: "request",
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Date.now() - started,
        keyId: actor?.keyId ?? null,
        eventId: /^\/v1\/events\/([^/]+)/.exec(c.req.path)?.[1] ?? null,
      }),
    );
  }
});
