-- The archive keeps up with rows that change after they were archived, and verifies content.
-- sessions.archived_version: the ledger's version of the session's calculations and entries last
-- copied (a later change copies them again); archived_at stays "pruned from the session object".
ALTER TABLE sessions ADD COLUMN archived_version TEXT;
-- Why the last run archived the session but did not prune it (NULL once pruned).
ALTER TABLE sessions ADD COLUMN archive_note TEXT;
-- The session object's own sequence number of each archived audit row, to read them back in order.
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
CREATE INDEX audit_log_by_session_seq ON audit_log (event_id, session_id, source, seq);
