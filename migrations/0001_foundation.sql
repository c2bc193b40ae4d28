-- Foundation: events, the sessions registry, api keys, and the audit log of what the pipeline refused.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  event_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, id)
);

-- Register and consignor keys. Only the SHA-256 of a key is stored; the key is shown once.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('register', 'consignor')),
  event_id TEXT NOT NULL,
  consignor_id TEXT,
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at INTEGER,
  revoked_by TEXT
);
CREATE INDEX api_keys_by_event ON api_keys (event_id);

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  event_id TEXT,
  source TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  action TEXT NOT NULL,
  before TEXT,
  after TEXT
);
CREATE INDEX audit_log_by_event ON audit_log (event_id, at);
