package store

import (
	"context"
	"database/sql"
	"fmt"
)

// A first ingest into an empty SQLite database writes edge_origins last,
// in one pass: its keys are random, so each commit of a bulk load would
// rewrite most of its pages again (gigabytes at a million entities),
// while a table filled in key order at the end is written once.

// DeferEdgeOrigins stops PutEntities and DeleteEntities from writing
// edge_origins until RebuildEdgeOrigins, when the database is SQLite and
// holds no entity; it reports whether it did. Meanwhile EdgesFrom misses
// the edges other entities emitted. A process that ends before the
// rebuild leaves edge_origins empty, and Open rebuilds it.
func (db *DB) DeferEdgeOrigins(ctx context.Context) (bool, error) {
	if db.d.name != "sqlite" {
		return false, nil
	}
	var found bool
	if err := db.write.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM entities)`).Scan(&found); err != nil {
		return false, db.classify(err, "defer edge origins")
	}
	if found {
		return false, nil
	}
	db.originsDeferred.Store(true)
	return true, nil
}

// RebuildEdgeOrigins fills edge_origins from the stored edges and ends
// DeferEdgeOrigins. Errors: Internal.
func (db *DB) RebuildEdgeOrigins(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM edge_origins`); err != nil {
			return err
		}
		add, err := storedOrigins(ctx, tx)
		if err != nil {
			return err
		}
		if err := db.writeOrigins(ctx, tx, nil, add); err != nil {
			return err
		}
		// Within the transaction, which holds the only write connection:
		// no put runs between the rebuild and the end of the deferral.
		db.originsDeferred.Store(false)
		return nil
	})
	if err != nil {
		db.originsDeferred.Store(true)
		return db.classify(err, "rebuild edge origins")
	}
	return nil
}

// storedOrigins returns the edge_origins rows of every stored entity.
func storedOrigins(ctx context.Context, tx *sql.Tx) ([]originRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT ref, edges FROM entities`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var add []originRow
	var strs []string
	for rows.Next() {
		var ref string
		var raw sql.RawBytes
		if err := rows.Scan(&ref, &raw); err != nil {
			return nil, err
		}
		edges, scratch, err := parseEdges(ref, raw, strs)
		strs = scratch
		if err != nil {
			return nil, fmt.Errorf("decode edges of %s: %w", ref, err)
		}
		for _, h := range foreignSources(ref, edges) {
			add = append(add, originRow{h, ref})
		}
	}
	return add, rows.Err()
}

// repairOrigins rebuilds edge_origins when a first ingest ended before
// its rebuild: entities are stored, and no origin at all.
func (db *DB) repairOrigins(ctx context.Context) error {
	if db.d.name != "sqlite" {
		return nil
	}
	var origins, entities bool
	err := db.write.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM edge_origins), EXISTS (SELECT 1 FROM entities)`).Scan(&origins, &entities)
	if err != nil {
		return db.classify(err, "check edge origins")
	}
	if origins || !entities {
		return nil
	}
	return db.RebuildEdgeOrigins(ctx)
}
