import { Hono } from "hono";
import type { z } from "zod";
import { Me } from "../../schemas/responses";
import { authorize } from "./auth";
import type { AppEnv } from "./context";
import { documented, json } from "./route-docs";

/** Who the key is: a page signed in with a key learns its role, event and consignor from here. */
export const me = new Hono<AppEnv>();

me.get("/", documented({
  operationId: "getMe",
  tag: "Service",
  summary: "Who this key is",
  description: "The key's id, role, event and consignor: a page signed in with a key learns here what it may do.",
  access: ["admin", "register", "consignor"],
  responses: { 200: json(Me, "The key.") },
}, (c) => {
  const actor = authorize(c, ["admin", "register", "consignor"]);
  return c.json({ keyId: actor.keyId, role: actor.role, eventId: actor.eventId ?? null, consignorId: actor.consignorId ?? null } satisfies z.infer<typeof Me>);
}));
