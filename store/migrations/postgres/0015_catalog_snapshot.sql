-- The catalog's snapshot (catalog.SnapshotStore): its graph and index in a
-- binary form, so that a restart need not decode every entity. It is
-- stored in parts of up to 1 MiB, written and read in order, so that
-- neither side holds it whole, and each part is written in a transaction
-- of its own, so that a save never holds the write lock for long. A save
-- writes a new gen and commits it by adding its marker (part -1) and
-- deleting older gens; readers read the newest gen that has a marker. seq
-- is the newest change-log seq the snapshot reflects: entity changes after
-- it are applied on top, and a snapshot the log cannot bring up to date is
-- not used.
CREATE TABLE catalog_snapshot (
	gen  BIGINT NOT NULL,
	part INTEGER NOT NULL,
	seq  BIGINT NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (gen, part)
);
