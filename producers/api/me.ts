import { Hono } from "hono";
import type { AppEnv } from "./context";

/** Who the key is: a page signed in with a key learns its role, event and consignor from here. */
export const me = new Hono<AppEnv>();

me.get("/", (c) => {
  const actor = c.get("actor");
  return c.json({ keyId: actor.keyId, role: actor.role, eventId: actor.eventId ?? null, consignorId: actor.consignorId ?? null });
});
