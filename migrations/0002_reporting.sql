-- Reporting and archive: what the Durable Objects hold hot, kept cold in D1. Rows are written with
-- INSERT OR IGNORE keyed by their natural ids, so an archive run that repeats a step adds nothing.

ALTER TABLE sessions ADD COLUMN archived_at INTEGER;
ALTER TABLE audit_log ADD COLUMN session_id TEXT;
CREATE INDEX audit_log_by_session ON audit_log (event_id, session_id);

CREATE TABLE transactions (
  event_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  register_id TEXT NOT NULL,
  shopper_code TEXT NOT NULL,
  hold_id TEXT,
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  commission_total INTEGER NOT NULL,
  item_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  voided_at INTEGER,
  void_reason TEXT,
  void_actor TEXT,
  PRIMARY KEY (event_id, id)
);
CREATE INDEX transactions_by_session ON transactions (event_id, session_id);

CREATE TABLE transaction_items (
  event_id TEXT NOT NULL,
  tx_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  consignor_id TEXT NOT NULL,
  title TEXT NOT NULL,
  price INTEGER NOT NULL,
  commission_rate INTEGER NOT NULL,
  commission INTEGER NOT NULL,
  PRIMARY KEY (event_id, tx_id, position)
);
CREATE INDEX transaction_items_by_consignor ON transaction_items (event_id, consignor_id);

CREATE TABLE calculations (
  event_id TEXT NOT NULL,
  tx_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error_code TEXT,
  error TEXT,
  sale_total INTEGER NOT NULL,
  base_amount INTEGER,
  bonus_amount INTEGER,
  total_amount INTEGER,
  voided_at INTEGER,
  occurred_at INTEGER NOT NULL,
  completed_at INTEGER,
  PRIMARY KEY (event_id, tx_id)
);
CREATE INDEX calculations_by_session ON calculations (event_id, session_id);

CREATE TABLE ledger_entries (
  event_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  consignor_id TEXT NOT NULL,
  tx_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,
  batch_id TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, seq)
);
CREATE INDEX ledger_entries_by_consignor ON ledger_entries (event_id, consignor_id);
CREATE INDEX ledger_entries_by_session ON ledger_entries (event_id, session_id);

-- The latest metadata of each live session and ledger, written by their alarms when it changed.
CREATE TABLE session_snapshots (
  event_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  status TEXT NOT NULL,
  total_sales INTEGER NOT NULL,
  total_commissions INTEGER NOT NULL,
  item_count INTEGER NOT NULL,
  sold_count INTEGER NOT NULL,
  transaction_count INTEGER NOT NULL,
  void_count INTEGER NOT NULL,
  active_holds INTEGER NOT NULL,
  last_transaction_at INTEGER,
  taken_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, session_id)
);

CREATE TABLE ledger_snapshots (
  event_id TEXT PRIMARY KEY,
  total_calculations INTEGER NOT NULL,
  error_count INTEGER NOT NULL,
  last_calculation INTEGER,
  pending INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  errored INTEGER NOT NULL,
  total_sales INTEGER NOT NULL,
  consignor_total INTEGER NOT NULL,
  house_share INTEGER NOT NULL,
  consignors TEXT NOT NULL,
  taken_at INTEGER NOT NULL
);
