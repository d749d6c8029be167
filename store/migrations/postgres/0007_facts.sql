-- Facts (callboard.FactStore): what plugins observed about entities, so
-- every replica answers what a job computed on one (the Kubernetes drift
-- scan). value is JSON text of the type named in type (bool, int, float,
-- string, time); equal values have equal text. at is Unix milliseconds.
CREATE TABLE facts (
	source TEXT NOT NULL,
	entity TEXT NOT NULL,
	key    TEXT NOT NULL,
	type   TEXT NOT NULL,
	value  TEXT NOT NULL,
	at     BIGINT NOT NULL,
	PRIMARY KEY (source, entity, key)
);
CREATE INDEX facts_by_value ON facts (source, key, type, value);
CREATE INDEX facts_by_entity ON facts (entity);
