package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// A first ingest into an empty SQLite database writes edge_origins last,
// in one pass: its keys are random, so each commit of a bulk load would
// rewrite most of its pages again (gigabytes at a million entities),
// while a table filled in key order at the end is written once.

// deferredOrigins holds, while edge_origins is deferred, the foreign
// sources of each entity put since, as the last put of it stored them:
// a few bytes an entity, written in key order by the rebuild instead of
// read back from the entities' rows, which at a million entities means
// reading every body.
type deferredOrigins struct {
	mu      sync.Mutex // held by each write across its transaction: puts apply in commit order
	sources map[string][]int64
}

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
	db.deferred.CompareAndSwap(nil, &deferredOrigins{sources: map[string][]int64{}})
	return true, nil
}

// RebuildEdgeOrigins writes the edge_origins rows of the entities put
// since DeferEdgeOrigins (or, with nothing deferred, of every stored
// entity) and ends the deferral. Errors: Internal.
func (db *DB) RebuildEdgeOrigins(ctx context.Context) error {
	d := db.deferred.Load()
	if d != nil {
		d.mu.Lock()
		defer d.mu.Unlock()
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var add []originRow
		if d != nil {
			// Rows there are of writes before the deferral: kept.
			n := 0
			for _, hashes := range d.sources {
				n += len(hashes)
			}
			add = make([]originRow, 0, n) // 3 million rows at 1M entities
			for ref, hashes := range d.sources {
				for _, h := range hashes {
					add = append(add, originRow{h, ref})
				}
			}
		} else {
			if _, err := tx.ExecContext(ctx, `DELETE FROM edge_origins`); err != nil {
				return err
			}
			var err error
			if add, err = storedOrigins(ctx, tx); err != nil {
				return err
			}
		}
		return db.writeOrigins(ctx, tx, nil, add)
	})
	if err != nil {
		return db.classify(err, "rebuild edge origins")
	}
	// Writes wait for d.mu, held until now: none runs between the
	// rebuild and the end of the deferral.
	db.deferred.Store(nil)
	return nil
}

// put records the foreign sources of rows, just stored.
func (d *deferredOrigins) put(rows []entityRow) {
	for i := range rows {
		d.sources[rows[i].ref] = foreignSources(rows[i].ref, rows[i].edges)
	}
}

// delete forgets refs, just deleted.
func (d *deferredOrigins) delete(refs []string) {
	for _, ref := range refs {
		delete(d.sources, ref)
	}
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
