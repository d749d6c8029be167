-- The change log (callboard.ChangeLog): one row per changed entity,
-- location, task state or docs build, written in the transaction of the
-- change, so that replicas apply what others wrote from the seq they have
-- seen. SQLite has one writer at a time, so seq follows commit order.
-- created_at is Unix milliseconds of the database's clock; rows older than
-- replication.changeLogRetention are pruned.
CREATE TABLE change_log (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT NOT NULL,
	key        TEXT NOT NULL,
	origin     TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);
CREATE INDEX change_log_by_time ON change_log (created_at);
