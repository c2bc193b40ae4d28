import { unwrap } from "../../lib/errors";
import { sessionObjectName } from "../../lib/ids";
import type { EventRecord } from "../../schemas/domain";

export const inventoryOf = (env: Env, eventId: string) => env.INVENTORY.getByName(eventId);
export const ledgerOf = (env: Env, eventId: string) => env.COMMISSION_LEDGER.getByName(eventId);
export const sessionOf = (env: Env, eventId: string, sessionId: string) => env.SALE_SESSION.getByName(sessionObjectName(eventId, sessionId));

/** 404 unless the event exists (its Inventory object is the event's record of truth). */
export async function requireEvent(env: Env, eventId: string): Promise<EventRecord> {
  return unwrap(await inventoryOf(env, eventId).getEvent());
}
