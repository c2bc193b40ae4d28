-- The online channel of each event (its pseudo-session `online`, whose sales the Inventory holds) in
-- the nightly archive: the version last copied (the Inventory's of its sales, then the ledger's of
-- their calculations and entries; a later change copies them again), when, and why it stays unpruned.
CREATE TABLE online_archives (
  event_id TEXT PRIMARY KEY,
  archived_version TEXT NOT NULL,
  archive_note TEXT,
  archived_at INTEGER NOT NULL
);
