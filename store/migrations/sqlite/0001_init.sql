-- The catalog: entities, the edges processing emitted for them, the
-- locations that emitted them, and registered locations. Refs are canonical
-- lowercased strings ("component:default/x"); times are UTC.

-- One row per entity. body is the JSON of the processed entity; edges
-- ([[source, type, target], ...]) and parents ([ref, ...]) are JSON copies of
-- what entity_edges and entity_parents hold for it, so that reading an entity
-- is one row. None of the JSON is queried in SQL.
CREATE TABLE entities (
	uid          TEXT PRIMARY KEY,
	ref          TEXT NOT NULL UNIQUE,
	kind         TEXT NOT NULL,
	namespace    TEXT NOT NULL,
	name         TEXT NOT NULL,
	body         TEXT NOT NULL,
	edges        TEXT NOT NULL,
	parents      TEXT NOT NULL,
	location_key TEXT NOT NULL,
	hash         TEXT NOT NULL,
	orphan       INTEGER NOT NULL,
	updated_at   TIMESTAMP NOT NULL
);

-- Edges by source, for graph queries, with the entity whose processing
-- emitted them (originating_ref), which is not always their source: processing
-- emits both directions. There is no index on originating_ref: the emitting
-- entity's edges column lists its rows, and puts only write the difference.
CREATE TABLE entity_edges (
	source_ref      TEXT NOT NULL,
	type            TEXT NOT NULL,
	target_ref      TEXT NOT NULL,
	originating_ref TEXT NOT NULL,
	PRIMARY KEY (source_ref, type, target_ref, originating_ref)
) WITHOUT ROWID;

-- The Location entities that emitted each entity.
CREATE TABLE entity_parents (
	child_ref  TEXT NOT NULL,
	parent_ref TEXT NOT NULL,
	PRIMARY KEY (child_ref, parent_ref)
) WITHOUT ROWID;
CREATE INDEX entity_parents_parent_ref ON entity_parents (parent_ref);

-- Registered locations; seq keeps creation order.
CREATE TABLE locations (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT NOT NULL UNIQUE,
	type       TEXT NOT NULL,
	target     TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (type, target)
);
