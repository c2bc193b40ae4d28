import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../../lib/errors";
import type { AppEnv } from "./context";

const MiB = 1024 * 1024;
/** What any `/v1` body may hold: far more than a checkout or a settings change needs. */
export const DEFAULT_BODY_LIMIT = 1 * MiB;

/**
 * Routes that need more: a bulk item import (5,000 items) and an offline upload (100 sales of up
 * to 200 items each). Matched on the method and the path's shape.
 */
const LARGER: { method: string; path: RegExp; maxSize: number; what: string }[] = [
  { method: "PUT", path: /^\/v1\/events\/[^/]+\/items$/, maxSize: 8 * MiB, what: "send at most 5,000 items per call" },
  { method: "POST", path: /^\/v1\/events\/[^/]+\/sessions\/[^/]+\/transactions\/batch$/, maxSize: 4 * MiB, what: "upload at most 100 sales per call" },
];

function limited(maxSize: number, what: string): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `the body is larger than ${maxSize} bytes: ${what}`, { maxBytes: maxSize });
    },
  });
}

const byRoute = LARGER.map((route) => ({ ...route, middleware: limited(route.maxSize, route.what) }));
const fallback = limited(DEFAULT_BODY_LIMIT, "send less in one call");

/**
 * The body limit of every `/v1` route, enforced before anything reads the body: a declared
 * Content-Length over the limit is refused at once, and a streamed body is counted as it arrives
 * and refused the moment it passes the limit, so one huge upload cannot take the memory other
 * registers' checkouts need.
 */
export const bodyLimits: MiddlewareHandler<AppEnv> = (c, next) => {
  const route = byRoute.find((r) => r.method === c.req.method && r.path.test(c.req.path));
  return (route?.middleware ?? fallback)(c, next);
};
