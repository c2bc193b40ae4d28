import { AUDIT_TABLE } from "../../lib/audit";
import type { Sql } from "../../lib/sql";
import type { InventoryStatus, SessionStatus } from "../../schemas/domain";

export const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE event (id INTEGER PRIMARY KEY CHECK (id = 1), event_id TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL)`,
    `CREATE TABLE items (
      id TEXT PRIMARY KEY, consignor_id TEXT NOT NULL, title TEXT NOT NULL, category TEXT NOT NULL,
      size TEXT NOT NULL, price INTEGER NOT NULL, data TEXT NOT NULL DEFAULT '{}',
      status TEXT NOT NULL, shopify_id TEXT, last_synced INTEGER, last_modified INTEGER NOT NULL,
      version INTEGER NOT NULL, sold_tx_id TEXT, sold_session_id TEXT
    ) WITHOUT ROWID`,
    `CREATE INDEX items_by_status ON items (status, id)`,
    `CREATE TABLE sync_metadata (
      id INTEGER PRIMARY KEY CHECK (id = 1), last_sync_time INTEGER, sync_count INTEGER NOT NULL DEFAULT 0,
      conflict_count INTEGER NOT NULL DEFAULT 0, last_successful_sync INTEGER
    )`,
    `INSERT INTO sync_metadata (id) VALUES (1)`,
    `CREATE TABLE sessions (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, position INTEGER NOT NULL,
      settled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    // Every sale this object has heard of, and every void. An item's status follows from them, not
    // from the order messages arrive in: it is sold while a sale of it stands that was not voided.
    `CREATE TABLE sales (
      item_id TEXT NOT NULL, tx_id TEXT NOT NULL, session_id TEXT NOT NULL, occurred_at INTEGER NOT NULL,
      PRIMARY KEY (item_id, tx_id)
    ) WITHOUT ROWID`,
    `CREATE TABLE voided (tx_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
    AUDIT_TABLE,
  ],
  // A transaction id belongs to the session its sale was heard under; a void voids the sale of the
  // session it names (one heard before its sale waits here under that session).
  [
    `CREATE INDEX sales_by_tx ON sales (tx_id, session_id)`,
    `CREATE TABLE voided_by_session (tx_id TEXT NOT NULL, session_id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (tx_id, session_id)) WITHOUT ROWID`,
    `INSERT INTO voided_by_session (tx_id, session_id, at)
       SELECT v.tx_id, COALESCE((SELECT s.session_id FROM sales s WHERE s.tx_id = v.tx_id LIMIT 1), ''), v.at FROM voided v`,
    `DROP TABLE voided`,
    `ALTER TABLE voided_by_session RENAME TO voided`,
  ],
  // Shopify (the online channel): what Shopify knows of each item, the event's opt-in, and the
  // outbox of changes Shopify has not yet acknowledged. The triggers write the outbox in the same
  // SQL transaction as the change, whichever code path made it.
  [
    `ALTER TABLE items ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0`,
    `UPDATE items SET data_version = version`,
    `ALTER TABLE items ADD COLUMN shopify_variant_id TEXT`,
    `ALTER TABLE items ADD COLUMN shopify_inventory_item_id TEXT`,
    `ALTER TABLE items ADD COLUMN shopify_pushed_version INTEGER`,
    `ALTER TABLE items ADD COLUMN shopify_quantity INTEGER`,
    `CREATE TABLE shopify (
      id INTEGER PRIMARY KEY CHECK (id = 1), enabled INTEGER NOT NULL DEFAULT 0, changed_at INTEGER,
      location_id TEXT, seq INTEGER NOT NULL DEFAULT 0, stopped INTEGER NOT NULL DEFAULT 0,
      last_error TEXT, last_error_at INTEGER, reconcile_instance TEXT, reconcile_started_at INTEGER
    )`,
    `INSERT INTO shopify (id) VALUES (1)`,
    `CREATE TABLE shopify_outbox (
      item_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, created_at INTEGER NOT NULL,
      sent_at INTEGER, conflict INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID`,
    `CREATE INDEX shopify_outbox_unsent ON shopify_outbox (sent_at, item_id)`,
    `CREATE TABLE shopify_conflicts (
      id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, kind TEXT NOT NULL, ours TEXT NOT NULL,
      theirs TEXT NOT NULL, action TEXT NOT NULL, at INTEGER NOT NULL, resolved_at INTEGER
    )`,
    `CREATE TRIGGER shopify_item_created AFTER INSERT ON items
       WHEN (SELECT enabled FROM shopify WHERE id = 1) = 1
       BEGIN
         UPDATE shopify SET seq = seq + 1 WHERE id = 1;
         INSERT INTO shopify_outbox (item_id, seq, created_at) VALUES (NEW.id, (SELECT seq FROM shopify WHERE id = 1), NEW.last_modified)
           ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq, sent_at = NULL;
       END`,
    `CREATE TRIGGER shopify_item_changed AFTER UPDATE OF status, data_version ON items
       WHEN (SELECT enabled FROM shopify WHERE id = 1) = 1
         AND (NEW.data_version != OLD.data_version
              OR (NEW.status IN ('modifiable', 'locked')) != (OLD.status IN ('modifiable', 'locked')))
       BEGIN
         UPDATE shopify SET seq = seq + 1 WHERE id = 1;
         INSERT INTO shopify_outbox (item_id, seq, created_at) VALUES (NEW.id, (SELECT seq FROM shopify WHERE id = 1), NEW.last_modified)
           ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq, sent_at = NULL;
       END`,
  ],
  // Items held at a register (a cart not yet paid): the online channel does not offer them.
  [
    `CREATE TABLE item_holds (
      session_id TEXT NOT NULL, hold_id TEXT NOT NULL, item_id TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL,
      PRIMARY KEY (session_id, hold_id, item_id)
    ) WITHOUT ROWID`,
    `CREATE INDEX item_holds_placed ON item_holds (item_id) WHERE state = 'placed'`,
    `CREATE TRIGGER shopify_hold_placed AFTER INSERT ON item_holds
       WHEN NEW.state = 'placed' AND (SELECT enabled FROM shopify WHERE id = 1) = 1 AND EXISTS (SELECT 1 FROM items WHERE id = NEW.item_id)
       BEGIN
         UPDATE shopify SET seq = seq + 1 WHERE id = 1;
         INSERT INTO shopify_outbox (item_id, seq, created_at) VALUES (NEW.item_id, (SELECT seq FROM shopify WHERE id = 1), NEW.at)
           ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq, sent_at = NULL;
       END`,
    `CREATE TRIGGER shopify_hold_ended AFTER UPDATE OF state ON item_holds
       WHEN NEW.state != OLD.state AND (SELECT enabled FROM shopify WHERE id = 1) = 1 AND EXISTS (SELECT 1 FROM items WHERE id = NEW.item_id)
       BEGIN
         UPDATE shopify SET seq = seq + 1 WHERE id = 1;
         INSERT INTO shopify_outbox (item_id, seq, created_at) VALUES (NEW.item_id, (SELECT seq FROM shopify WHERE id = 1), NEW.at)
           ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq, sent_at = NULL;
       END`,
  ],
  // Online sales (Shopify orders): each order line the sale took or refused, and the outbox of the
  // transaction messages this object sends for them (the same queue as the sessions' sales).
  [
    `CREATE TABLE online_sales (
      tx_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, order_name TEXT NOT NULL, line_id TEXT NOT NULL, item_id TEXT NOT NULL,
      price INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT, message TEXT, created_at INTEGER NOT NULL, voided_at INTEGER
    ) WITHOUT ROWID`,
    `CREATE INDEX online_sales_by_order ON online_sales (order_id, line_id)`,
    `CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  ],
  // The inbound reconcile's cursor: orders updated since then are read again.
  [`ALTER TABLE shopify ADD COLUMN orders_cursor INTEGER`],
  // Shopify's news names products and inventory items by their ids.
  [
    `CREATE INDEX items_by_shopify_product ON items (shopify_id) WHERE shopify_id IS NOT NULL`,
    `CREATE INDEX items_by_shopify_inventory_item ON items (shopify_inventory_item_id) WHERE shopify_inventory_item_id IS NOT NULL`,
  ],
  // The sale as organizers run it: the tag's discount and donate marks, why an item left the sale,
  // each session's discount, the event's close and the limits of consignors' own item entry, and
  // each consignor's last assigned item number (never reused, so an id is never given twice).
  [
    `ALTER TABLE items ADD COLUMN discount_allowed INTEGER NOT NULL DEFAULT 1`,
    `ALTER TABLE items ADD COLUMN donate INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE items ADD COLUMN transfer_reason TEXT`,
    `CREATE INDEX items_by_consignor ON items (consignor_id, id)`,
    `ALTER TABLE sessions ADD COLUMN discount INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE event ADD COLUMN closed_at INTEGER`,
    `ALTER TABLE event ADD COLUMN max_items_per_consignor INTEGER`,
    `ALTER TABLE event ADD COLUMN min_price INTEGER`,
    `ALTER TABLE event ADD COLUMN price_step INTEGER`,
    `CREATE TABLE consignor_item_numbers (consignor_id TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID`,
    // The discount Shopify's prices were last set for (the running session's; 0 between sessions).
    `ALTER TABLE shopify ADD COLUMN priced_discount INTEGER NOT NULL DEFAULT 0`,
  ],
  // The nightly archive copies online sales: why each was voided, and their audit trail (the
  // changes made by the online channel's actor, ONLINE_ACTOR in online.ts) by sequence.
  [
    `ALTER TABLE online_sales ADD COLUMN void_reason TEXT`,
    `CREATE INDEX audit_of_online_sales ON audit (seq) WHERE actor = 'system:shopify-orders'`,
  ],
  // Item entry repeated after a lost answer (item-requests.ts): each request id, whose it was, a hash
  // of what it sent, and what it was answered.
  [
    `CREATE TABLE item_requests (request_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, body_hash TEXT NOT NULL, answer TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`,
  ],
  // Each session's place in the order sessions started (late-sales.ts: an ended session takes a
  // sale made offline only while none started after it). Sessions that started before this
  // version: their creation order.
  [
    `ALTER TABLE sessions ADD COLUMN started_seq INTEGER`,
    `UPDATE sessions SET started_seq = position WHERE status != 'initial'`,
  ],
];

export type ItemRow = {
  id: string;
  consignor_id: string;
  title: string;
  category: string;
  size: string;
  price: number;
  data: string;
  status: InventoryStatus;
  shopify_id: string | null;
  last_synced: number | null;
  last_modified: number;
  version: number;
  sold_tx_id: string | null;
  sold_session_id: string | null;
  /** The item's version when its data (title, price…) last changed. */
  data_version: number;
  shopify_variant_id: string | null;
  shopify_inventory_item_id: string | null;
  /** The data version Shopify last acknowledged. */
  shopify_pushed_version: number | null;
  /** The available quantity Shopify last confirmed. */
  shopify_quantity: number | null;
  discount_allowed: number;
  donate: number;
  /** Why the item left the sale: `donated`, `pickup` (the event closed), `withdrawn`, or null (an admin's transfer). */
  transfer_reason: TransferReason | null;
};

export type TransferReason = "donated" | "pickup" | "withdrawn" | "transfer";

export type SessionRow = {
  id: string;
  name: string;
  status: SessionStatus | "starting";
  position: number;
  settled: number;
  discount: number;
  /** Its place in the order sessions started (null: never started). */
  started_seq: number | null;
};

// Reads by key that several concerns share.

export function itemRow(sql: Sql, id: string): ItemRow | null {
  return sql.one<ItemRow>("SELECT * FROM items WHERE id = ?", id);
}

export function runningSession(sql: Sql): SessionRow | null {
  return sql.one<SessionRow>("SELECT * FROM sessions WHERE status IN ('starting', 'active') ORDER BY position LIMIT 1");
}

/** The ended session whose sales are not yet all known here, if any. */
export function unsettledSession(sql: Sql): SessionRow | null {
  return sql.one<SessionRow>("SELECT * FROM sessions WHERE status = 'completed' AND settled = 0 ORDER BY position LIMIT 1");
}
