package store

import (
	"context"
	"strings"
	"time"
)

// Sessions: rows of the portal's sign-in sessions (migration 0003). The
// methods take the token's hash (SHA-256, or HMAC-SHA256 keyed by
// auth.session.secret: package auth decides), never the token, and treat
// the data as opaque: package auth owns its format. They satisfy
// auth.SessionStore.

// PutSession stores a session that ends at expires. Errors: Conflict when
// the hash exists, Internal.
func (db *DB) PutSession(ctx context.Context, hash, subject string, data []byte, expires time.Time) error {
	_, err := db.write.ExecContext(ctx,
		db.d.rebind(`INSERT INTO sessions (token_hash, subject, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		hash, subject, string(data), time.Now().Unix(), expires.Unix())
	if err != nil {
		return db.classify(err, "session")
	}
	db.wrote(1)
	return nil
}

// Session returns the data of the session with hash unless it has ended
// by now. Errors: NotFound (unknown or ended), Internal.
func (db *DB) Session(ctx context.Context, hash string, now time.Time) ([]byte, error) {
	var data string
	// The read pool: in WAL mode it sees every committed session, and
	// lookups (one per request) do not queue behind the single writer.
	err := db.read.QueryRowContext(ctx,
		db.d.rebind(`SELECT data FROM sessions WHERE token_hash = ? AND expires_at > ?`), hash, now.Unix()).Scan(&data)
	if err != nil {
		return nil, db.classify(err, "session")
	}
	return []byte(data), nil
}

// DeleteSession removes the session with hash; removing one that does not
// exist is not an error. Errors: Internal.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := db.write.ExecContext(ctx, db.d.rebind(`DELETE FROM sessions WHERE token_hash = ?`), hash)
	return db.classify(err, "session")
}

// DeleteSessionsBefore removes the sessions that ended by now and returns
// how many. Errors: Internal.
func (db *DB) DeleteSessionsBefore(ctx context.Context, now time.Time) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.Unix())
}

// DeleteAllSessions removes every session and returns how many: everyone
// signs in again (callboard sessions revoke --all). Errors: Internal.
func (db *DB) DeleteAllSessions(ctx context.Context) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM sessions`)
}

// DeleteUserSessions removes the sessions of subject (an entity ref such
// as user:default/jane, compared case-insensitively) and returns how many.
// Errors: Internal.
func (db *DB) DeleteUserSessions(ctx context.Context, subject string) (int64, error) {
	return db.deleteSessions(ctx, `DELETE FROM sessions WHERE lower(subject) = ?`, strings.ToLower(subject))
}

func (db *DB) deleteSessions(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := db.write.ExecContext(ctx, db.d.rebind(query), args...)
	if err != nil {
		return 0, db.classify(err, "sessions")
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		db.wrote(int(n))
	}
	return n, nil
}
