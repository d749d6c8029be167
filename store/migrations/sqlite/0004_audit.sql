-- The audit log: one row per write through the API or portal (and policy
-- reloads), newest rows have the highest id. at_us is the time in Unix
-- microseconds, compared the same way on both databases. details is a JSON
-- object; secrets are never put in it.
CREATE TABLE audit_events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at_us      BIGINT NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	target     TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	request_id TEXT NOT NULL,
	details    TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at_us);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_target ON audit_events (target, id);
