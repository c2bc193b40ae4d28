import { AppError } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import { ONLINE_SELLER } from "./online";
import type { ItemRow } from "./schema";

/** Why an item of a cart cannot be had. */
type Unavailable = "unknown" | "held" | "sold" | "sold_online";

/**
 * Reads the cart's items and checks each can be taken: available, or pending under `holdId` made
 * by the same api key (`keyId`), or pending under a hold whose time ran out. Throws
 * ITEM_UNAVAILABLE naming every item that cannot. Must run inside a transaction.
 */
export function claim(sql: Sql, ids: readonly string[], holdId: string | null, keyId: string, now: number): { rows: ItemRow[] } {
  const rows: ItemRow[] = [];
  const unavailable: Record<string, Unavailable> = {};
  for (const id of ids) {
    const item = sql.one<ItemRow & { sold_by: string | null }>(
      "SELECT id, consignor_id, title, price, tag_price, commission_rate, status, hold_id, hold_register, hold_key, hold_expires_at, sold_by FROM items WHERE id = ?",
      id,
    );
    if (!item) unavailable[id] = "unknown";
    else if (item.status === "sold") unavailable[id] = item.sold_by === ONLINE_SELLER ? "sold_online" : "sold";
    else if (item.status === "pending") {
      const ownHold = holdId !== null && item.hold_id === holdId && item.hold_key === keyId;
      const expired = (item.hold_expires_at ?? 0) <= now;
      if (ownHold || expired) rows.push(item);
      else unavailable[id] = "held";
    } else rows.push(item);
  }
  const refused = Object.keys(unavailable);
  if (refused.length > 0) {
    throw new AppError("ITEM_UNAVAILABLE", `${refused.length} item(s) cannot be sold: ${refused.join(", ")}`, {
      items: refused,
      reasons: unavailable,
    });
  }
  return { rows };
}
