-- The consignor fees of each event (the ledger's `fee` entries, which belong to no sale) in the
-- nightly archive, as the pseudo-session `fees`: the version last copied (a fee set again adds an
-- entry and copies them again), when, and why it stays unpruned.
CREATE TABLE fee_archives (
  event_id TEXT PRIMARY KEY,
  archived_version TEXT NOT NULL,
  archive_note TEXT,
  archived_at INTEGER NOT NULL
);
