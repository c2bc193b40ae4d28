import { createMiddleware } from "hono/factory";
import { sha256Hex, safeEqual } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import type { Role } from "../../schemas/common";
import type { Actor } from "../../schemas/domain";
import type { AppContext, AppEnv } from "./context";

export const BOOTSTRAP_ADMIN_KEY_ID = "admin:bootstrap";

/**
 * Keys looked up in D1 are remembered in this isolate for a short while so a busy register does
 * not cost a D1 query per checkout. A revocation takes effect at once in the isolate that served
 * it and within KEY_CACHE_MS everywhere else.
 */
const KEY_CACHE_MS = 30_000;
const KEY_CACHE_MAX = 10_000;
const keyCache = new Map<string, { actor: Actor; until: number }>();

export function forgetKey(keyId: string) {
  for (const [key, entry] of keyCache) if (entry.actor.keyId === keyId) keyCache.delete(key);
}

type KeyRow = { id: string; role: "register" | "consignor"; event_id: string; consignor_id: string | null };

async function lookup(env: Env, presented: string): Promise<Actor | null> {
  const now = Date.now();
  // Keyed by the key as presented (it lives only in this isolate's memory), so a hit costs no hash.
  // Only issued keys are cached, so the bootstrap key is never answered from here.
  const cached = keyCache.get(presented);
  if (cached && cached.until > now) return cached.actor;
  if (env.ADMIN_API_KEY && safeEqual(presented, env.ADMIN_API_KEY)) return { keyId: BOOTSTRAP_ADMIN_KEY_ID, role: "admin" };
  const row = await env.DB.prepare("SELECT id, role, event_id, consignor_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
    .bind(await sha256Hex(presented))
    .first<KeyRow>();
  if (!row) {
    keyCache.delete(presented);
    return null;
  }
  const actor: Actor = { keyId: row.id, role: row.role, eventId: row.event_id, ...(row.consignor_id ? { consignorId: row.consignor_id } : {}) };
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(presented, { actor, until: now + KEY_CACHE_MS });
  return actor;
}

/** Every /v1 route: a Bearer key that is the bootstrap admin key or a live issued key. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AppError("UNAUTHENTICATED", "send Authorization: Bearer <api key>");
  const actor = await lookup(c.env, match[1]!);
  if (!actor) throw new AppError("UNAUTHENTICATED", "unknown or revoked api key");
  c.set("actor", actor);
  await next();
});

/**
 * Refuses the request unless the caller has one of `roles`; event-scoped keys must also belong to
 * the event in the path, and consignor keys, where `consignorId` is given, to that consignor.
 */
export function authorize(c: AppContext, roles: readonly Role[], scope: { eventId?: string; consignorId?: string } = {}): Actor {
  const actor = c.get("actor");
  if (actor.role === "system" || !roles.includes(actor.role)) {
    throw new AppError("FORBIDDEN", `this route needs a key with role ${roles.join(" or ")}`, { role: actor.role });
  }
  if (actor.role === "admin") return actor;
  if (scope.eventId !== undefined && actor.eventId !== scope.eventId) {
    throw new AppError("FORBIDDEN", "this key belongs to another event");
  }
  if (actor.role === "consignor" && scope.consignorId !== undefined && actor.consignorId !== scope.consignorId) {
    throw new AppError("FORBIDDEN", "this key belongs to another consignor");
  }
  return actor;
}
