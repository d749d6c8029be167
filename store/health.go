package store

import (
	"context"
	"io/fs"
	"path"
	"slices"
	"strings"

	"callboard"
)

// Ping checks that the database answers a query, on the pool reads use.
// Upstream "unreachable" when it does not; the cause is wrapped, for the
// log only (it may name the host and user).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "unreachable")
	}
	return nil
}

// Migrated checks that every migration this binary knows is applied: a
// replica of a newer version may not serve before its migrations ran.
// Upstream naming the missing versions, or "unreachable".
func (db *DB) Migrated(ctx context.Context) error {
	names, err := fs.Glob(migrations, path.Join("migrations", db.d.name)+"/*.sql")
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "list migrations")
	}
	rows, err := db.read.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return callboard.Wrap(callboard.Upstream, err, "cannot read schema_migrations")
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return callboard.Wrap(callboard.Upstream, err, "cannot read schema_migrations")
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "cannot read schema_migrations")
	}
	var missing []string
	for _, n := range names {
		if v := migrationVersion(n); !applied[v] {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return callboard.Errorf(callboard.Upstream, "not applied: %s", strings.Join(missing, ", "))
	}
	return nil
}
