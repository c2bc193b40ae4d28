import { createMiddleware } from "hono/factory";
import { AppError } from "../../lib/errors";
import type { AppEnv } from "./context";

/** The binding's window (wrangler.toml `[[ratelimits]]`, `period`): a refused caller waits this long at most. */
const PERIOD_SECONDS = 10;

/**
 * Each issued key (a register, a consignor) is limited by the Workers rate-limiting binding, per
 * key: far above what an honest register sends (a busy cashier makes a checkout every few
 * seconds; a register back online uploads 100 sales a call), so only a runaway client or a
 * leaked key is slowed: 429 `RATE_LIMITED` with `Retry-After`. The organizer's admin key is not
 * limited (imports and the pages of the dashboard).
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const actor = c.get("actor");
  if (actor.role !== "admin" && c.env.KEY_RATE_LIMITER) {
    const { success } = await c.env.KEY_RATE_LIMITER.limit({ key: actor.keyId });
    if (!success) {
      c.header("Retry-After", String(PERIOD_SECONDS));
      throw new AppError("RATE_LIMITED", `too many requests for this api key; try again in ${PERIOD_SECONDS} s`, { retryAfterSeconds: PERIOD_SECONDS });
    }
  }
  await next();
});
