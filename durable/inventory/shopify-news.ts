import { salePriceOf } from "../../lib/money";
import { audit } from "../../lib/audit";
import { moneyString } from "../../lib/shopify/mapping";
import type { Sql } from "../../lib/sql";
import type { Actor } from "../../schemas/domain";
import type { ShopifyProductState } from "../../schemas/shopify";
import { HELD_SQL } from "./holds";
import type { ItemRow } from "./schema";

/**
 * What Shopify tells us about products and quantities (webhooks `products/update`,
 * `products/delete`, `inventory_levels/update`), judged by the conflict rules: the sale owns
 * an item's title, price, status and quantity, so a change made on Shopify's side is recorded as a
 * conflict with both values and ours is pushed back; a product deleted while its item can still
 * sell is listed again. News older than what Shopify last acknowledged from us is stale and
 * ignored. Inside a transaction.
 */

export interface ProductNews {
  /** Numeric product id, as webhooks give it. */
  productId: string;
  title: string;
  /** Shopify's status, lower case in webhooks ("active", "draft", "archived"). */
  status: string;
  updatedAt: number;
  variants: { sku: string; price: number }[];
}

const productGid = (id: string) => `gid://shopify/Product/${id}`;
const inventoryItemGid = (id: string) => `gid://shopify/InventoryItem/${id}`;

/** Puts an item in the outbox again (a new change number), so ours is pushed. */
export function markForPush(sql: Sql, itemId: string, now: number, delayed = false): void {
  sql.run("UPDATE shopify SET seq = seq + 1 WHERE id = 1");
  sql.run(
    `INSERT INTO shopify_outbox (item_id, seq, created_at, sent_at) VALUES (?, (SELECT seq FROM shopify WHERE id = 1), ?, ?)
       ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq, sent_at = excluded.sent_at, conflict = 0`,
    itemId,
    now,
    delayed ? now : null,
  );
}

/** A conflict the rules settled on their own (ours pushed back, the item listed again): listed, and resolved. */
function conflict(sql: Sql, itemId: string, kind: string, ours: object, theirs: object, action: string, actor: Actor, now: number) {
  sql.run(
    "INSERT INTO shopify_conflicts (item_id, kind, ours, theirs, action, at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    itemId,
    kind,
    JSON.stringify(ours),
    JSON.stringify(theirs),
    action,
    now,
    now,
  );
  sql.run("UPDATE sync_metadata SET conflict_count = conflict_count + 1 WHERE id = 1");
  audit(sql, actor, now, { entity: "item", entityId: itemId, action: `shopify-${kind}`, before: ours, after: theirs });
}

/**
 * News that happened before Shopify last acknowledged a change from us is stale: our change came
 * after it (the echo of our own push is such news too). `at` is the delivery's
 * X-Shopify-Triggered-At (milliseconds) when known.
 */
const stale = (row: Pick<ItemRow, "last_synced">, at: number) => at < (row.last_synced ?? 0);

/** The price Shopify should show: the running session's (discounted when it has a discount and the item allows it). */
function shopifyPrice(sql: Sql, row: Pick<ItemRow, "price" | "discount_allowed">): number {
  const discount = sql.one<{ priced_discount: number }>("SELECT priced_discount FROM shopify WHERE id = 1")?.priced_discount ?? 0;
  return row.discount_allowed === 1 ? salePriceOf(row.price, discount) : row.price;
}

const enabled = (sql: Sql) => sql.one<{ enabled: number }>("SELECT enabled FROM shopify WHERE id = 1")?.enabled === 1;

/** Rule 2 for title, price and status: an edit on Shopify is recorded and ours pushed back. */
export function productUpdated(sql: Sql, news: ProductNews, actor: Actor, now: number): { conflicts: number } {
  if (!enabled(sql)) return { conflicts: 0 };
  const row = sql.one<ItemRow>("SELECT * FROM items WHERE shopify_id = ?", productGid(news.productId));
  if (!row || stale(row, news.updatedAt)) return { conflicts: 0 };
  const price = news.variants[0]?.price;
  const ours = { title: row.title, price: moneyString(shopifyPrice(sql, row)), status: "active" };
  const theirs = { title: news.title, price: price === undefined ? null : moneyString(price), status: news.status.toLowerCase() };
  const differs = ours.title !== theirs.title || ours.price !== theirs.price || ours.status !== theirs.status;
  if (!differs) return { conflicts: 0 };
  conflict(sql, row.id, "shopify_edit", ours, theirs, "our title, price and status were pushed back to Shopify", actor, now);
  sql.run("UPDATE items SET shopify_pushed_version = NULL WHERE id = ?", row.id);
  markForPush(sql, row.id, now);
  return { conflicts: 1 };
}

/** Rule 3: a product deleted on Shopify while its item can still sell is listed again. */
export function productDeleted(sql: Sql, productId: string, actor: Actor, now: number): { relisted: boolean } {
  if (!enabled(sql)) return { relisted: false };
  const row = sql.one<ItemRow & { held: number }>(`SELECT i.*, ${HELD_SQL("i")} AS held FROM items i WHERE i.shopify_id = ?`, productGid(productId));
  if (!row) return { relisted: false };
  sql.run(
    "UPDATE items SET shopify_id = NULL, shopify_variant_id = NULL, shopify_inventory_item_id = NULL, shopify_pushed_version = NULL, shopify_quantity = NULL WHERE id = ?",
    row.id,
  );
  const sellable = (row.status === "modifiable" || row.status === "locked") && !row.held;
  if (!sellable) return { relisted: false };
  conflict(sql, row.id, "product_deleted", { productId: productGid(productId), sellable: true }, { deleted: true }, "the item was listed again", actor, now);
  markForPush(sql, row.id, now);
  return { relisted: true };
}

/**
 * Rule 2 for the quantity. Shopify showing more than we allow (an item it must not sell) is a
 * conflict, pushed back at once. Showing less may be an order whose webhook is still on its way,
 * so ours goes back only after the outbox's resend delay, by when the order has usually arrived.
 */
export function quantityChanged(sql: Sql, inventoryItemId: string, available: number, updatedAt: number, actor: Actor, now: number): { conflicts: number } {
  if (!enabled(sql)) return { conflicts: 0 };
  const row = sql.one<ItemRow & { held: number }>(`SELECT i.*, ${HELD_SQL("i")} AS held FROM items i WHERE i.shopify_inventory_item_id = ?`, inventoryItemGid(inventoryItemId));
  if (!row || stale(row, updatedAt)) return { conflicts: 0 };
  const desired = (row.status === "modifiable" || row.status === "locked") && !row.held ? 1 : 0;
  sql.run("UPDATE items SET shopify_quantity = ? WHERE id = ?", available, row.id);
  if (available === desired) return { conflicts: 0 };
  if (available > desired) {
    conflict(sql, row.id, "quantity_edit", { quantity: desired }, { quantity: available }, "our quantity was pushed back to Shopify", actor, now);
    markForPush(sql, row.id, now);
    return { conflicts: 1 };
  }
  markForPush(sql, row.id, now, true);
  return { conflicts: 0 };
}

/** Items with a change still on its way to Shopify: the drift check leaves them to the push. */
const pending = (sql: Sql, itemId: string) => sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM shopify_outbox WHERE item_id = ?", itemId)!.n > 0;

/**
 * The drift check, for a page of what Shopify holds: every listed item of the event is compared
 * field by field and by quantity with ours, under rules 2 and 3, as if the news had come by webhook
 * now. Inside a transaction.
 */
export function driftCheck(sql: Sql, states: readonly ShopifyProductState[], actor: Actor, now: number): { checked: number; conflicts: number } {
  let checked = 0;
  let conflicts = 0;
  for (const state of states) {
    const row = sql.one<{ id: string }>("SELECT id FROM items WHERE shopify_id = ?", productGid(state.productId));
    if (!row || pending(sql, row.id)) continue;
    checked++;
    conflicts += productUpdated(sql, { productId: state.productId, title: state.title, status: state.status, updatedAt: now, variants: [{ sku: state.sku, price: state.price }] }, actor, now).conflicts;
    conflicts += quantityChanged(sql, state.inventoryItemId, state.quantity, now, actor, now).conflicts;
  }
  return { checked, conflicts };
}

/** The drift check's last step: a listed item whose product Shopify no longer has is listed again (rule 3). */
export function driftMissing(sql: Sql, presentProductIds: readonly string[], actor: Actor, now: number): { relisted: number } {
  const present = new Set(presentProductIds.map(productGid));
  let relisted = 0;
  for (const row of sql.all<{ id: string; shopify_id: string }>("SELECT id, shopify_id FROM items WHERE shopify_id IS NOT NULL")) {
    if (present.has(row.shopify_id) || pending(sql, row.id)) continue;
    if (productDeleted(sql, row.shopify_id.split("/").pop()!, actor, now).relisted) relisted++;
  }
  return { relisted };
}
