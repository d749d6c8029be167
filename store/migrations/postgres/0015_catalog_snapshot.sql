-- The catalog's snapshot (catalog.SnapshotStore): its graph and index in a
-- binary form, so that a restart need not decode every entity. seq is the
-- newest change-log seq the snapshot reflects; entity changes after it are
-- applied on top, and a snapshot the log cannot bring up to date is not
-- used. One row. created_at is Unix seconds.
CREATE TABLE catalog_snapshot (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	seq        BIGINT NOT NULL,
	data       BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);
