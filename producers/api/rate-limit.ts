import { createMiddleware } from "hono/factory";
import { AppError } from "../../lib/errors";
import type { AppEnv } from "./context";

/** The binding's limit and window (wrangler.toml `[[ratelimits]]`: `limit`, `period`). */
const KEY_LIMIT = 600;
const PERIOD_SECONDS = 10;
/**
 * Requests of one key this isolate lets through in a window without asking the binding: ten
 * times what a busy register sends (a scan a second and a checkout every few seconds).
 */
export const LOCAL_ALLOWANCE = 60;
const MAX_KEYS = 10_000;

/** This isolate's count of each key's requests in the current window. */
const windows = new Map<string, { window: number; count: number }>();

/** Counts one request of `keyId` here; returns its number in the current window. */
function countHere(keyId: string, now: number): number {
  const window = Math.floor(now / (PERIOD_SECONDS * 1000));
  let entry = windows.get(keyId);
  if (!entry || entry.window !== window) {
    if (windows.size >= MAX_KEYS) for (const [key, e] of windows) if (e.window !== window) windows.delete(key);
    entry = { window, count: 0 };
    windows.set(keyId, entry);
  }
  return ++entry.count;
}

/**
 * Each issued key (a register, a consignor) is limited per key: far above what an honest
 * register sends (a busy cashier makes a checkout every few seconds; a register back online
 * uploads 100 sales a call), so only a runaway client or a leaked key is slowed: 429
 * `RATE_LIMITED` with `Retry-After`. The organizer's admin key is not limited (imports and the
 * pages of the dashboard).
 *
 * Two tiers. This isolate counts each key's requests in fixed windows: the first LOCAL_ALLOWANCE
 * of a window pass without more ado, so an honest register's requests cost nothing here; past
 * them each request is also counted by the Workers rate-limiting binding (shared by the isolates
 * of a location), which refuses past KEY_LIMIT; and a key past KEY_LIMIT in this isolate alone is
 * refused here without asking. A key spread over many isolates may so pass up to LOCAL_ALLOWANCE
 * more per isolate and window than the binding's limit. (Locally the binding is simulated by a
 * Durable Object, one round trip per call: about 1.3 ms of CPU per checkout on the bench machine.)
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const actor = c.get("actor");
  if (actor.role !== "admin" && c.env.KEY_RATE_LIMITER) {
    const count = countHere(actor.keyId, Date.now());
    if (count > KEY_LIMIT || (count > LOCAL_ALLOWANCE && !(await c.env.KEY_RATE_LIMITER.limit({ key: actor.keyId })).success)) {
      c.header("Retry-After", String(PERIOD_SECONDS));
      throw new AppError("RATE_LIMITED", `too many requests for this api key; try again in ${PERIOD_SECONDS} s`, { retryAfterSeconds: PERIOD_SECONDS });
    }
  }
  await next();
});
