import { AUDIT_TABLE } from "../../lib/audit";
import type { HoldView, SessionStatus } from "../../schemas/domain";

export const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE session (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      event_id TEXT NOT NULL, session_id TEXT NOT NULL, name TEXT NOT NULL,
      status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER NOT NULL,
      created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER,
      total_sales INTEGER NOT NULL DEFAULT 0, total_commissions INTEGER NOT NULL DEFAULT 0,
      item_count INTEGER NOT NULL DEFAULT 0, sold_count INTEGER NOT NULL DEFAULT 0,
      tx_count INTEGER NOT NULL DEFAULT 0, void_count INTEGER NOT NULL DEFAULT 0,
      active_holds INTEGER NOT NULL DEFAULT 0, last_tx_at INTEGER, load_cursor TEXT
    )`,
    `CREATE TABLE items (
      id TEXT PRIMARY KEY, consignor_id TEXT NOT NULL, title TEXT NOT NULL, category TEXT NOT NULL,
      size TEXT NOT NULL, price INTEGER NOT NULL, commission_rate INTEGER NOT NULL,
      status TEXT NOT NULL, hold_id TEXT, hold_register TEXT, hold_expires_at INTEGER, tx_id TEXT
    ) WITHOUT ROWID`,
    `CREATE INDEX items_by_hold ON items (hold_id) WHERE hold_id IS NOT NULL`,
    `CREATE INDEX items_sold ON items (status, id)`,
    `CREATE TABLE holds (
      id TEXT PRIMARY KEY, register_id TEXT NOT NULL, items TEXT NOT NULL, status TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, ended_at INTEGER
    ) WITHOUT ROWID`,
    `CREATE INDEX holds_expiring ON holds (expires_at) WHERE status = 'active'`,
    `CREATE TABLE transactions (
      id TEXT PRIMARY KEY, register_id TEXT NOT NULL, shopper_code TEXT NOT NULL, hold_id TEXT,
      status TEXT NOT NULL, total INTEGER NOT NULL, commission_total INTEGER NOT NULL,
      item_count INTEGER NOT NULL, created_at INTEGER NOT NULL, actor TEXT NOT NULL,
      voided_at INTEGER, void_reason TEXT, void_actor TEXT
    ) WITHOUT ROWID`,
    `CREATE TABLE transaction_items (
      tx_id TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, consignor_id TEXT NOT NULL,
      title TEXT NOT NULL, price INTEGER NOT NULL, commission_rate INTEGER NOT NULL, commission INTEGER NOT NULL,
      PRIMARY KEY (tx_id, position)
    ) WITHOUT ROWID`,
    `CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, created_at INTEGER NOT NULL)`,
    AUDIT_TABLE,
  ],
  // The metadata last written to D1's session_snapshots, to write again only when it changed.
  [`ALTER TABLE session ADD COLUMN snapshot TEXT`],
  // Archived sessions keep their item statuses (with when each sold) but not their transactions.
  [`ALTER TABLE session ADD COLUMN archived_at INTEGER`, `ALTER TABLE items ADD COLUMN sold_at INTEGER`],
  [
    // Transaction ids are the event's: those of the sessions that ran before this one (loaded at
    // start), and this session's own after their rows were pruned (with what they were, so a late
    // replay is still recognised).
    `CREATE TABLE foreign_tx (id TEXT PRIMARY KEY, session_id TEXT NOT NULL) WITHOUT ROWID`,
    `CREATE TABLE pruned_tx (id TEXT PRIMARY KEY, cart TEXT NOT NULL) WITHOUT ROWID`,
    // A hold belongs to the api key that made it; register_id is the register's own label.
    `ALTER TABLE holds ADD COLUMN key_id TEXT`,
    `ALTER TABLE items ADD COLUMN hold_key TEXT`,
  ],
  // The counters follow the transactions written: SQLite moves them in the same statement as the
  // sale's insert, so a checkout needs no statement of its own for them.
  [
    `CREATE TRIGGER session_counts_on_sale AFTER INSERT ON transactions BEGIN
       UPDATE session SET total_sales = total_sales + NEW.total, total_commissions = total_commissions + NEW.commission_total,
         sold_count = sold_count + NEW.item_count, tx_count = tx_count + 1, last_tx_at = NEW.created_at WHERE id = 1;
     END`,
    // Every sale of an item is audited by SQLite in the statement that makes it: who (the api key
    // that sold it), when, the status before, the transaction.
    `ALTER TABLE items ADD COLUMN sold_by TEXT`,
    `CREATE TRIGGER item_sold_audit AFTER UPDATE OF status ON items WHEN NEW.status = 'sold' AND OLD.status != 'sold' BEGIN
       INSERT INTO audit (at, actor, entity, entity_id, action, before, after)
       VALUES (NEW.sold_at, NEW.sold_by, 'item', NEW.id, 'sell', json_object('status', OLD.status), json_object('status', 'sold', 'transactionId', NEW.tx_id));
     END`,
    // Sold items by id (for the Inventory's settling) in a partial index: a sale adds one entry
    // instead of moving one from the available part of a (status, id) index to the sold part.
    `DROP INDEX items_sold`,
    `CREATE INDEX items_sold ON items (id) WHERE status = 'sold'`,
  ],
  // Fewer B-trees written per sale (each is a page at a random place for a random transaction id
  // or tag, and pages are what a commit costs). A transaction's lines live in its own row, as a
  // JSON array in cart order ([item_id, consignor_id, title, price, commission_rate, commission]
  // each); `transaction_items` stays, as a view with the table's columns. Sold items are found by
  // a walk of the items in id order (listSold), so a sale adds no index entry.
  [
    `ALTER TABLE transactions ADD COLUMN lines TEXT NOT NULL DEFAULT '[]'`,
    `UPDATE transactions SET lines = (
       SELECT json_group_array(json_array(i.item_id, i.consignor_id, i.title, i.price, i.commission_rate, i.commission) ORDER BY i.position)
       FROM transaction_items i WHERE i.tx_id = transactions.id)
     WHERE EXISTS (SELECT 1 FROM transaction_items i WHERE i.tx_id = transactions.id)`,
    `DROP TABLE transaction_items`,
    `CREATE VIEW transaction_items (tx_id, position, item_id, consignor_id, title, price, commission_rate, commission) AS
       SELECT t.id, l.key, l.value ->> 0, l.value ->> 1, l.value ->> 2, l.value ->> 3, l.value ->> 4, l.value ->> 5
       FROM transactions t, json_each(t.lines) l`,
    `DROP INDEX items_sold`,
  ],
  // Discount sessions: the session's discount, each item's tag price beside the price it sells at
  // here, and each line's tag price as a seventh element of its JSON (absent in older rows: the
  // tag price was the price).
  [
    `ALTER TABLE session ADD COLUMN discount INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE items ADD COLUMN tag_price INTEGER`,
    `DROP VIEW transaction_items`,
    `CREATE VIEW transaction_items (tx_id, position, item_id, consignor_id, title, price, commission_rate, commission, tag_price) AS
       SELECT t.id, l.key, l.value ->> 0, l.value ->> 1, l.value ->> 2, l.value ->> 3, l.value ->> 4, l.value ->> 5, COALESCE(l.value ->> 6, l.value ->> 3)
       FROM transactions t, json_each(t.lines) l`,
  ],
  // The organizer's list newest first. Sales are written in time order, so each adds its entry at
  // the end of this index (the page a commit writes anyway for the sales just before it).
  [`CREATE INDEX transactions_by_time ON transactions (created_at, id)`],
  // Sales made offline and uploaded after the session completed, between the Inventory's claim of
  // their items and their record here (late-sales.ts): kept so the alarm finishes one the object
  // stopped in the middle of.
  [`CREATE TABLE late_sales (tx_id TEXT PRIMARY KEY, input TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`],
];

/** The columns of a transaction row besides its lines, in table order (what the archive copies). */
export const TRANSACTION_COLUMNS =
  "id, register_id, shopper_code, hold_id, status, total, commission_total, item_count, created_at, actor, voided_at, void_reason, void_actor";

export type SessionRow = {
  event_id: string;
  session_id: string;
  name: string;
  status: SessionStatus;
  start_time: number;
  end_time: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  total_sales: number;
  total_commissions: number;
  item_count: number;
  sold_count: number;
  tx_count: number;
  void_count: number;
  active_holds: number;
  last_tx_at: number | null;
  load_cursor: string | null;
  snapshot: string | null;
  archived_at: number | null;
  /** Basis points off the tag price of the items that allow it; 0 = full price. */
  discount: number;
};

export type ItemRow = {
  id: string;
  consignor_id: string;
  title: string;
  /** What it sells for in this session. */
  price: number;
  /** The price on its tag (null in sessions loaded before discounts: the price). */
  tag_price: number | null;
  commission_rate: number;
  status: "available" | "pending" | "sold";
  hold_id: string | null;
  hold_register: string | null;
  hold_key: string | null;
  hold_expires_at: number | null;
};

export type TransactionRow = {
  id: string;
  register_id: string;
  shopper_code: string;
  hold_id: string | null;
  status: "completed" | "voided";
  total: number;
  commission_total: number;
  created_at: number;
  voided_at: number | null;
  void_reason: string | null;
};

/** A transaction as stored: its row and its lines (JSON, see `linesOf`). */
export type StoredTransaction = TransactionRow & { lines: string };

export type TransactionItemRow = {
  item_id: string;
  consignor_id: string;
  title: string;
  /** The price it sold at. */
  price: number;
  commission_rate: number;
  commission: number;
  /** The price on its tag (the same as `price` outside a discount session). */
  tag_price: number;
};

/** A line as stored in `transactions.lines` (rows written before discounts have no tag price). */
type StoredLine = [item_id: string, consignor_id: string, title: string, price: number, commission_rate: number, commission: number, tag_price?: number];

/** The lines of a transaction, in cart order. */
export function linesOf(row: { lines: string }): TransactionItemRow[] {
  return (JSON.parse(row.lines) as StoredLine[]).map(([item_id, consignor_id, title, price, commission_rate, commission, tag_price]) => ({
    item_id,
    consignor_id,
    title,
    price,
    commission_rate,
    commission,
    tag_price: tag_price ?? price,
  }));
}

/** The lines of a transaction as `transactions.lines` stores them. */
export function storedLines(lines: readonly TransactionItemRow[]): string {
  return JSON.stringify(lines.map((l): StoredLine => [l.item_id, l.consignor_id, l.title, l.price, l.commission_rate, l.commission, l.tag_price]));
}

export type HoldRow = {
  id: string;
  register_id: string;
  items: string;
  status: HoldView["status"];
  created_at: number;
  expires_at: number;
  key_id: string | null;
};
