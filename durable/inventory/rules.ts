import { AppError } from "../../lib/errors";
import type { Sql } from "../../lib/sql";
import type { ItemInput } from "../../schemas/api";
import type { Actor, ItemRules } from "../../schemas/domain";
import { requireEvent } from "./event";
import type { ItemRow } from "./schema";

// A consignor's own item entry: only their own items, within the organizer's rules. Admins are not
// held to the rules (an organizer may tag an item at any price).

/** Refuses a consignor's upsert that touches another consignor's item or breaks a rule. */
export function checkConsignorEntry(sql: Sql, actor: Actor, items: readonly ItemInput[], current: ReadonlyMap<string, ItemRow>): void {
  for (const item of items) {
    const before = item.id === undefined ? undefined : current.get(item.id);
    if (item.consignorId !== actor.consignorId || (before && before.consignor_id !== actor.consignorId)) {
      throw new AppError("FORBIDDEN", `item ${item.id ?? "(new)"} belongs to another consignor`);
    }
  }
  const rules = requireEvent(sql).itemRules;
  for (const item of items) checkPrice(rules, item.price, item.id ?? "(new)");
  if (rules.maxItemsPerConsignor !== null) {
    const adding = items.filter((i) => i.id === undefined || !current.has(i.id)).length;
    const have = countOwn(sql, actor.consignorId!);
    if (have + adding > rules.maxItemsPerConsignor) {
      throw new AppError("ITEM_RULE_VIOLATED", `at most ${rules.maxItemsPerConsignor} items per consignor; you have ${have}, and this adds ${adding}`, {
        rule: "maxItemsPerConsignor",
        limit: rules.maxItemsPerConsignor,
        have,
        adding,
      });
    }
  }
}

/** Refuses a consignor's patch of another consignor's item, a move to another consignor, or a price off the rules. */
export function checkConsignorPatch(sql: Sql, actor: Actor, row: ItemRow, patch: { consignorId?: string; price?: number; status?: string }): void {
  if (row.consignor_id !== actor.consignorId || (patch.consignorId !== undefined && patch.consignorId !== actor.consignorId)) {
    throw new AppError("FORBIDDEN", `item ${row.id} belongs to another consignor`);
  }
  if (patch.status !== undefined) throw new AppError("FORBIDDEN", "only an organizer moves an item out of the sale");
  if (patch.price !== undefined) checkPrice(requireEvent(sql).itemRules, patch.price, row.id);
}

function checkPrice(rules: ItemRules, price: number, itemId: string) {
  if (rules.minPrice !== null && price < rules.minPrice) {
    throw new AppError("ITEM_RULE_VIOLATED", `item ${itemId}: the lowest price is ${rules.minPrice} cents`, { rule: "minPrice", limit: rules.minPrice, itemId, price });
  }
  if (rules.priceStep !== null && price % rules.priceStep !== 0) {
    throw new AppError("ITEM_RULE_VIOLATED", `item ${itemId}: prices go in steps of ${rules.priceStep} cents`, { rule: "priceStep", limit: rules.priceStep, itemId, price });
  }
}

/** A consignor's items that count against the limit: all but those withdrawn (deleted). */
function countOwn(sql: Sql, consignorId: string): number {
  return sql.one<{ n: number }>(
    "SELECT COUNT(*) AS n FROM items WHERE consignor_id = ? AND (transfer_reason IS NULL OR transfer_reason != 'withdrawn')",
    consignorId,
  )!.n;
}
