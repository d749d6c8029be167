-- Edges and parents are stored once, in the JSON columns of entities
-- (0001). entity_edges held a second copy of every edge, by source, for
-- EdgesFrom; edge_origins replaces it with an index that only names, for
-- a source, the other entities whose edges start at it (processing emits
-- both directions of a relation: a component emits "group ownerOf
-- component"). EdgesFrom reads their edges columns. The source is a 64-bit
-- FNV-1a hash of its ref (store/origins.go): random keys rewrite every page
-- they touch at each commit of a bulk load, so the index is kept narrow.
-- entity_parents was never read. The store's Go step of this migration
-- (migrate.go) rewrites each edges column relative to its entity
-- (store/edges.go: a third of the flat form's size) and fills edge_origins.
CREATE TABLE edge_origins (
	source_hash BIGINT NOT NULL,
	origin_ref  TEXT NOT NULL,
	PRIMARY KEY (source_hash, origin_ref)
) WITHOUT ROWID;
DROP TABLE entity_edges;
DROP TABLE entity_parents;
