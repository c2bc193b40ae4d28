import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./context";

/**
 * CORS for a POS or a page served from another origin: the origins in `CORS_ORIGINS` (comma-
 * separated, `*` for any; empty = same origin only). Registered before the key check, so a
 * browser's preflight (OPTIONS, no Authorization) is answered.
 */
export const corsFor: MiddlewareHandler<AppEnv> = (c, next) => {
  const allowed = (c.env.CORS_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  if (allowed.length === 0) return next();
  return cors({
    origin: (origin) => (allowed.includes("*") || allowed.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "Idempotent-Replayed", "Retry-After", "Content-Disposition"],
    maxAge: 600,
  })(c, next);
};
