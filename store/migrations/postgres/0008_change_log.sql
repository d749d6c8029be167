-- The change log (callboard.ChangeLog): one row per changed entity,
-- location, task state or docs build, written in the transaction of the
-- change, so that replicas apply what others wrote from the seq they have
-- seen. Writers take an advisory lock before inserting their rows and hold
-- it to commit, so seq follows commit order (store/changelog.go says why).
-- created_at is Unix milliseconds of the database's clock; rows older than
-- replication.changeLogRetention are pruned.
CREATE TABLE change_log (
	seq        BIGSERIAL PRIMARY KEY,
	kind       TEXT NOT NULL,
	key        TEXT NOT NULL,
	origin     TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL DEFAULT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)
);
CREATE INDEX change_log_by_time ON change_log (created_at);
