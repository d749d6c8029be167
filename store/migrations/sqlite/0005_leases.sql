-- Leases (callboard.LeaseStore): a row per scheduled job (a provider's
-- refresh) naming the replica that runs it and until when. expires_at is
-- Unix milliseconds of the database's own clock, so replicas whose clocks
-- differ agree on expiry.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
