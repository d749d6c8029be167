-- Scorecard results (callboard.ScorecardStore): each entity's current
-- result on each scorecard, its checks as JSON (and the IDs of the failing
-- ones, space-separated with a space at each end, for roll-ups and filters
-- that need not decode them), and one row per entity and day (the day's
-- last result) for trend charts. at is Unix milliseconds, day is
-- YYYY-MM-DD in UTC.
CREATE TABLE scorecard_results (
	scorecard TEXT NOT NULL,
	entity    TEXT NOT NULL,
	level     TEXT NOT NULL,
	passed    INTEGER NOT NULL,
	total     INTEGER NOT NULL,
	checks    TEXT NOT NULL,
	failing   TEXT NOT NULL,
	at        BIGINT NOT NULL,
	PRIMARY KEY (scorecard, entity)
);
CREATE INDEX scorecard_results_by_entity ON scorecard_results (entity);
CREATE TABLE scorecard_history (
	scorecard TEXT NOT NULL,
	day       TEXT NOT NULL,
	entity    TEXT NOT NULL,
	level     TEXT NOT NULL,
	passed    INTEGER NOT NULL,
	total     INTEGER NOT NULL,
	PRIMARY KEY (scorecard, day, entity)
);
