package store

import (
	"context"
	"strings"
	"time"

	"callboard"
)

// Stars: rows of the stars table (migration 0009), one per user and
// starred entity.

var _ callboard.StarStore = (*DB)(nil)

// Star marks entity starred by user. Errors: Invalid, Internal.
func (db *DB) Star(ctx context.Context, user, entity string) error {
	user, entity = strings.ToLower(strings.TrimSpace(user)), strings.ToLower(strings.TrimSpace(entity))
	if user == "" || entity == "" {
		return callboard.Errorf(callboard.Invalid, "a star needs a user and an entity, got %q and %q", user, entity)
	}
	res, err := db.write.ExecContext(ctx,
		db.d.rebind(`INSERT INTO stars (user_ref, entity_ref, at) VALUES (?, ?, ?) ON CONFLICT (user_ref, entity_ref) DO NOTHING`),
		user, entity, time.Now().Unix())
	if err != nil {
		return db.classify(err, "star")
	}
	if n, _ := res.RowsAffected(); n > 0 {
		db.wrote(int(n))
	}
	return nil
}

// Unstar removes user's star on entity. Errors: Internal.
func (db *DB) Unstar(ctx context.Context, user, entity string) error {
	_, err := db.write.ExecContext(ctx, db.d.rebind(`DELETE FROM stars WHERE user_ref = ? AND entity_ref = ?`),
		strings.ToLower(strings.TrimSpace(user)), strings.ToLower(strings.TrimSpace(entity)))
	return db.classify(err, "star")
}

// Starred returns the refs user starred, sorted. Errors: Internal.
func (db *DB) Starred(ctx context.Context, user string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT entity_ref FROM stars WHERE user_ref = ? ORDER BY entity_ref`),
		strings.ToLower(strings.TrimSpace(user)))
	if err != nil {
		return nil, db.classify(err, "stars")
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return nil, db.classify(err, "stars")
		}
		out = append(out, ref)
	}
	return out, db.classify(rows.Err(), "stars")
}
