-- Scorecard results (callboard.ScorecardStore): each entity's current
-- result on each scorecard, its checks as JSON, and one row per entity and
-- day (the day's last result) for trend charts. at is Unix milliseconds,
-- day is YYYY-MM-DD in UTC.
CREATE TABLE scorecard_results (
	scorecard TEXT NOT NULL,
	entity    TEXT NOT NULL,
	level     TEXT NOT NULL,
	passed    INTEGER NOT NULL,
	total     INTEGER NOT NULL,
	checks    TEXT NOT NULL,
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
