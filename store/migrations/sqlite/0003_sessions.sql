-- Portal sign-in sessions. The token itself is never stored: token_hash is
-- its SHA-256 in hex, so a copy of the database cannot be used to sign in.
-- data is the session's JSON (principal and profile), read only by auth.
-- expires_at is Unix seconds, compared the same way on both databases.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	subject    TEXT NOT NULL,
	data       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_subject ON sessions (subject);
