-- IDP metrics (callboard.IDPStore). active_users holds, for the months
-- not yet closed, one row per distinct signed-in user: a hash of the
-- user's ref, never what they read; CloseIDPMonths folds a month into
-- active_user_counts and drops its rows. idp_snapshots holds one JSON
-- snapshot of the metrics per UTC day (YYYY-MM-DD).
CREATE TABLE active_users (
	month     TEXT NOT NULL,
	user_hash TEXT NOT NULL,
	PRIMARY KEY (month, user_hash)
);
CREATE TABLE active_user_counts (
	month TEXT PRIMARY KEY,
	users BIGINT NOT NULL
);
CREATE TABLE idp_snapshots (
	day  TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	at   BIGINT NOT NULL
);
-- Data quality (callboard.SourceReadStore): when each catalog file
-- ("type:target", the managed-by-location of its entities) was last read
-- without failing, in Unix milliseconds.
CREATE TABLE source_reads (
	location TEXT PRIMARY KEY,
	read_at  BIGINT NOT NULL
);
