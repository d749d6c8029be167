package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"callboard"
)

// migrations holds one folder of numbered SQL files per dialect. Both folders
// list the same file names; a migration may hold several statements.
//
//go:embed migrations
var migrations embed.FS

// migrate applies, in one transaction and in file name order, every
// migration of the dialect that schema_migrations does not list.
func (db *DB) migrate(ctx context.Context) error {
	dir := path.Join("migrations", db.d.name)
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "list migrations")
	}
	slices.Sort(names)
	known := make(map[string]bool, len(names))
	for _, n := range names {
		known[migrationVersion(n)] = true
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if db.d.migrateLock != "" {
			if _, err := tx.ExecContext(ctx, db.d.migrateLock); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, db.d.migrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		applied, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for v := range applied {
			if !known[v] {
				return callboard.Errorf(callboard.Internal,
					"database has migration %s, which this callboard does not know: is it older than the one that migrated it?", v)
			}
		}
		for _, n := range names {
			v := migrationVersion(n)
			if applied[v] {
				continue
			}
			body, err := migrations.ReadFile(n)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", v, err)
			}
			if fill := db.migrationFills()[v]; fill != nil {
				if err := fill(ctx, tx); err != nil {
					return fmt.Errorf("apply %s: %w", v, err)
				}
			}
			_, err = tx.ExecContext(ctx, db.d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
				v, time.Now().UTC())
			if err != nil {
				return fmt.Errorf("record %s: %w", v, err)
			}
		}
		return nil
	})
	return db.classify(err, "migrate "+db.d.name+" database")
}

// migrationFills are the steps of migrations that SQL alone cannot do, run
// in the migration's transaction after its SQL.
func (db *DB) migrationFills() map[string]func(context.Context, *sql.Tx) error {
	return map[string]func(context.Context, *sql.Tx) error{
		"0014_edge_origins": db.migrateEdges, // edges are rewritten, source hashes computed
	}
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// migrationVersion turns "migrations/sqlite/0001_init.sql" into "0001_init".
func migrationVersion(name string) string {
	return strings.TrimSuffix(path.Base(name), ".sql")
}
