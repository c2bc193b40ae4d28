import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./context";

/**
 * CORS for a POS or a page served from another origin: the origins in `CORS_ORIGINS` (comma-
 * separated, `*` for any; empty = same origin only). Registered before the key check, so a
 * browser's preflight (OPTIONS, no Authorization) is answered.
 */
export const corsFor: MiddlewareHandler<AppEnv> = (c, next) => {
  const middleware = corsOf(c.env.CORS_ORIGINS ?? "");
  return middleware ? middleware(c, next) : next();
};

/** The CORS middleware of a `CORS_ORIGINS` value (null: none), made once per value. */
let made: { setting: string; middleware: MiddlewareHandler | null } | null = null;
function corsOf(setting: string): MiddlewareHandler | null {
  if (made?.setting === setting) return made.middleware;
  const allowed = setting
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  const middleware =
    allowed.length === 0
      ? null
      : cors({
          origin: (origin) => (allowed.includes("*") || allowed.includes(origin) ? origin : null),
          allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
          allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
          exposeHeaders: ["X-Request-Id", "Idempotent-Replayed", "Retry-After", "Content-Disposition"],
          maxAge: 600,
        });
  made = { setting, middleware };
  return middleware;
}
