import { AUDIT_TABLE } from "../../lib/audit";
import type { Tier } from "../../lib/money";
import type { Sql } from "../../lib/sql";
import type { PricedLine } from "./pricing";

/** The ledger's tables, one step per schema version (run by `Sql.migrate` in the constructor). */
export const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE rates (
      id INTEGER PRIMARY KEY CHECK (id = 1), base INTEGER NOT NULL, volunteer_bonus INTEGER NOT NULL,
      super_bonus INTEGER NOT NULL, updated_at INTEGER NOT NULL
    )`,
    `CREATE TABLE consignors (id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID`,
    AUDIT_TABLE,
  ],
  [
    // One calculation per transaction id: pending → completed | error, error → pending (retry).
    `CREATE TABLE calculations (
      tx_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, register_id TEXT NOT NULL, occurred_at INTEGER NOT NULL,
      status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, round INTEGER NOT NULL DEFAULT 0,
      error_code TEXT, error TEXT, sale_total INTEGER NOT NULL,
      base_amount INTEGER, bonus_amount INTEGER, total_amount INTEGER,
      voided_at INTEGER, void_reason TEXT, message TEXT NOT NULL,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, completed_at INTEGER
    ) WITHOUT ROWID`,
    `CREATE INDEX calculations_by_status ON calculations (status, tx_id)`,
    `CREATE TABLE calculation_items (
      tx_id TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, consignor_id TEXT NOT NULL,
      price INTEGER NOT NULL, rate INTEGER NOT NULL, base_commission INTEGER NOT NULL, commission INTEGER NOT NULL,
      PRIMARY KEY (tx_id, position)
    ) WITHOUT ROWID`,
    `CREATE INDEX calculation_items_by_consignor ON calculation_items (consignor_id, tx_id)`,
    // A void that arrived before its sale was calculated waits here and is applied the moment it is.
    `CREATE TABLE held_voids (tx_id TEXT PRIMARY KEY, reason TEXT NOT NULL, occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL) WITHOUT ROWID`,
    // What each consignor is owed, in cents: sales, their exact reversals, and adjustments.
    `CREATE TABLE entries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, consignor_id TEXT NOT NULL, tx_id TEXT NOT NULL, kind TEXT NOT NULL,
      amount INTEGER NOT NULL, batch_id TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL
    )`,
    `CREATE UNIQUE INDEX entries_once ON entries (tx_id, consignor_id, kind, batch_id)`,
    `CREATE INDEX entries_by_consignor ON entries (consignor_id, seq)`,
    `CREATE TABLE ledger_meta (
      id INTEGER PRIMARY KEY CHECK (id = 1), total_calculations INTEGER NOT NULL DEFAULT 0,
      error_count INTEGER NOT NULL DEFAULT 0, last_calculation INTEGER, standing_sales INTEGER NOT NULL DEFAULT 0
    )`,
    `INSERT INTO ledger_meta (id) VALUES (1)`,
    `CREATE TABLE adjustment_batches (
      id TEXT PRIMARY KEY, reason TEXT NOT NULL, consignor_id TEXT, cursor TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL, entries INTEGER NOT NULL DEFAULT 0, amount INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL, finished_at INTEGER
    ) WITHOUT ROWID`,
  ],
  // The summary last written to D1's ledger_snapshots, to write again only when it changed.
  [`ALTER TABLE ledger_meta ADD COLUMN snapshot TEXT`],
  // A held void waits for a sale of the session it names, and only that one.
  [`ALTER TABLE held_voids ADD COLUMN session_id TEXT`],
  // Fewer B-trees written per sale (each a page at a random place for a random transaction id,
  // and pages are what a commit costs): a calculation's lines live in its row, as a JSON array in
  // cart order ([item_id, consignor_id, price, rate, base_commission, commission] each), and
  // `calculation_items` stays, as a view with the table's columns. A consignor's sales are found
  // through their sale entries (entries_by_consignor), so lines need no index of their own.
  [
    `ALTER TABLE calculations ADD COLUMN lines TEXT NOT NULL DEFAULT '[]'`,
    `UPDATE calculations SET lines = (
       SELECT json_group_array(json_array(i.item_id, i.consignor_id, i.price, i.rate, i.base_commission, i.commission) ORDER BY i.position)
       FROM calculation_items i WHERE i.tx_id = calculations.tx_id)
     WHERE EXISTS (SELECT 1 FROM calculation_items i WHERE i.tx_id = calculations.tx_id)`,
    `DROP TABLE calculation_items`,
    `CREATE VIEW calculation_items (tx_id, position, item_id, consignor_id, price, rate, base_commission, commission) AS
       SELECT c.tx_id, l.key, l.value ->> 0, l.value ->> 1, l.value ->> 2, l.value ->> 3, l.value ->> 4, l.value ->> 5
       FROM calculations c, json_each(c.lines) l`,
  ],
  // Calculations by status without a page at a random place per sale: completed ones by when
  // they completed (each batch's land together at the end), the rest (pending, error: few) by
  // status and id.
  [
    `DROP INDEX calculations_by_status`,
    `CREATE INDEX calculations_completed ON calculations (completed_at) WHERE status = 'completed'`,
    `CREATE INDEX calculations_unfinished ON calculations (status, tx_id) WHERE status != 'completed'`,
  ],
  // Discount sessions: each line's tag price as a seventh element of its JSON (absent in older
  // rows: the tag price was the price). Fees: the event's consignor fee and each consignor's override.
  [
    `DROP VIEW calculation_items`,
    `CREATE VIEW calculation_items (tx_id, position, item_id, consignor_id, price, rate, base_commission, commission, tag_price) AS
       SELECT c.tx_id, l.key, l.value ->> 0, l.value ->> 1, l.value ->> 2, l.value ->> 3, l.value ->> 4, l.value ->> 5, COALESCE(l.value ->> 6, l.value ->> 2)
       FROM calculations c, json_each(c.lines) l`,
    `ALTER TABLE ledger_meta ADD COLUMN consignor_fee INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE consignors ADD COLUMN fee INTEGER`,
  ],
];

export type RatesRow = { base: number; volunteer_bonus: number; super_bonus: number; updated_at: number };
export type ConsignorRow = { id: string; name: string; tier: Tier; updated_at: number; fee: number | null };
export type CalculationStatus = "pending" | "completed" | "error";
export type CalculationRow = {
  tx_id: string;
  session_id: string;
  register_id: string;
  occurred_at: number;
  status: CalculationStatus;
  attempts: number;
  round: number;
  error_code: string | null;
  error: string | null;
  sale_total: number;
  base_amount: number | null;
  bonus_amount: number | null;
  total_amount: number | null;
  voided_at: number | null;
  void_reason: string | null;
  message: string;
  /** The priced lines (JSON, see `linesOf`); none until completed. */
  lines: string;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
};
export type CalculationItemRow = {
  item_id: string;
  consignor_id: string;
  price: number;
  rate: number;
  base_commission: number;
  commission: number;
  /** The price on the item's tag (the same as `price` outside a discount session). */
  tag_price: number;
};

/** A line as stored in `calculations.lines` (rows written before discounts have no tag price). */
type StoredLine = [item_id: string, consignor_id: string, price: number, rate: number, base_commission: number, commission: number, tag_price?: number];

/** A calculation's lines, in cart order. */
export function linesOf(calc: { lines: string }): CalculationItemRow[] {
  return (JSON.parse(calc.lines) as StoredLine[]).map(([item_id, consignor_id, price, rate, base_commission, commission, tag_price]) => ({
    item_id,
    consignor_id,
    price,
    rate,
    base_commission,
    commission,
    tag_price: tag_price ?? price,
  }));
}

/** Priced lines as `calculations.lines` stores them. */
export function storedLines(lines: readonly PricedLine[]): string {
  return JSON.stringify(lines.map((l): StoredLine => [l.itemId, l.consignorId, l.price, l.rate, l.baseCommission, l.commission, l.tagPrice]));
}

/** One calculation as stored, or null when the ledger has none for `txId`. */
export function calculation(sql: Sql, txId: string): CalculationRow | null {
  return sql.one<CalculationRow>("SELECT * FROM calculations WHERE tx_id = ?", txId);
}
