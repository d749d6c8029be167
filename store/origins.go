package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"callboard"
)

// Edges are stored once, in each entity's edges column: the edges its
// processing emitted. An entity's relations also come from edges that
// others emitted with it as the source ("group ownerOf component" is
// emitted by the component), so edge_origins (migration 0014) names, for
// each source, the other entities whose edges start at it.

// sourceHash is the key of a source ref in edge_origins: the 64-bit FNV-1a
// hash of the lowercased ref. Collisions only make EdgesFrom read an
// entity more; it keeps the edges whose source matches. It must never
// change: stored rows hold it.
func sourceHash(ref string) int64 {
	const offset, prime = 14695981039346656037, 1099511628211 // FNV-1a's
	h := uint64(offset)
	for i := 0; i < len(ref); i++ {
		h ^= uint64(ref[i])
		h *= prime
	}
	return int64(h)
}

// originRow is a row of edge_origins.
type originRow struct {
	source int64
	origin string
}

func compareOrigins(a, b originRow) int {
	if a.source != b.source {
		return cmp.Compare(a.source, b.source)
	}
	return strings.Compare(a.origin, b.origin)
}

// foreignSources returns the hashes of the sources of edges, origin's
// edges, that are not origin itself, sorted and without repeats.
func foreignSources(origin string, edges []callboard.Edge) []int64 {
	var out []int64
	for _, e := range edges {
		if e.Source != origin {
			out = append(out, sourceHash(e.Source))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Origin statements. Inserts ignore rows that exist already, so that rows
// left by a failed earlier write cannot block a put. Deletes go by origin,
// with the source hashes as an IN list: PostgreSQL types list parameters
// from the column, which it does not do for a VALUES list.
const (
	insertOriginsHead = `INSERT INTO edge_origins (source_hash, origin_ref)`
	deleteOriginsHead = `DELETE FROM edge_origins WHERE origin_ref = ? AND source_hash`
	onConflictNothing = ` ON CONFLICT DO NOTHING`
)

// writeOrigins deletes del and inserts add, in key order, which keeps
// B-tree writes local.
func (db *DB) writeOrigins(ctx context.Context, tx *sql.Tx, del map[string][]int64, add []originRow) error {
	refs := make([]string, 0, len(del))
	for ref := range del {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	for _, ref := range refs {
		hashes := del[ref]
		for lo := 0; lo < len(hashes); lo += maxIn {
			chunk := hashes[lo:min(lo+maxIn, len(hashes))]
			cond, args := inCond(db.d, chunk)
			if _, err := tx.ExecContext(ctx, db.d.rebind(deleteOriginsHead+cond), append([]any{ref}, args...)...); err != nil {
				return fmt.Errorf("delete edge origins: %w", err)
			}
		}
	}
	slices.SortFunc(add, compareOrigins)
	err := db.insertRows(ctx, tx, insertOriginsHead, onConflictNothing, 2, len(add), nil, func(args []any, i int) []any {
		return append(args, add[i].source, add[i].origin)
	})
	if err != nil {
		return fmt.Errorf("insert edge origins: %w", err)
	}
	return nil
}

// EdgesFrom returns every distinct stored edge whose Source is one of refs
// (case-insensitive), whichever entity emitted it, sorted by source, type
// and target. Errors: Internal.
func (db *DB) EdgesFrom(ctx context.Context, refs []string) ([]callboard.Edge, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	refs = lowerAll(refs)
	want := make(map[string]bool, len(refs))
	hashes := make([]int64, 0, len(refs))
	for _, r := range refs {
		if !want[r] {
			want[r] = true
			hashes = append(hashes, sourceHash(r))
		}
	}
	emitters := slices.Clone(refs) // each source emits edges of its own
	err := queryIn(ctx, db, db.read, `SELECT DISTINCT origin_ref FROM edge_origins WHERE source_hash`, "", hashes,
		func(rows *sql.Rows) error {
			var ref string
			err := rows.Scan(&ref)
			emitters = append(emitters, ref)
			return err
		})
	if err != nil {
		return nil, db.classify(err, "edges")
	}
	slices.Sort(emitters)
	emitters = slices.Compact(emitters)
	var edges []callboard.Edge
	var strs []string
	err = db.queryIn(ctx, db.read, `SELECT ref, edges FROM entities WHERE ref`, "", emitters, func(rows *sql.Rows) error {
		var ref string
		var raw sql.RawBytes
		if err := rows.Scan(&ref, &raw); err != nil {
			return err
		}
		es, scratch, err := parseEdges(ref, raw, strs)
		strs = scratch
		if err != nil {
			return err
		}
		for _, e := range es {
			if want[e.Source] {
				edges = append(edges, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, db.classify(err, "edges")
	}
	slices.SortFunc(edges, compareEdges)
	return slices.Compact(edges), nil
}

// migrateEdges, the Go step of migration 0014, rewrites every edges
// column from the flat form that 0001 defined ([source, type, target, …])
// to the form of edges.go, and fills edge_origins.
func (db *DB) migrateEdges(ctx context.Context, tx *sql.Tx) error {
	type row struct{ ref, edges string }
	var rewrite []row
	var add []originRow
	rows, err := tx.QueryContext(ctx, `SELECT ref, edges FROM entities`)
	if err != nil {
		return err
	}
	var strs []string
	var buf []byte
	for rows.Next() {
		var ref string
		var raw []byte
		if err := rows.Scan(&ref, &raw); err != nil {
			rows.Close()
			return err
		}
		if strs, err = appendStrings(strs[:0], raw); err != nil || len(strs)%3 != 0 {
			rows.Close()
			return fmt.Errorf("decode edges of %s: %v", ref, err)
		}
		edges := make([]callboard.Edge, len(strs)/3)
		for i := range edges {
			edges[i] = callboard.Edge{Source: strs[3*i], Type: strs[3*i+1], Target: strs[3*i+2]}
		}
		buf = appendEdges(buf[:0], ref, edges)
		rewrite = append(rewrite, row{ref, string(buf)})
		for _, h := range foreignSources(ref, edges) {
			add = append(add, originRow{h, ref})
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Many rows a statement: a million round trips would take minutes on
	// PostgreSQL. Both databases name the columns of VALUES column1, ….
	err = db.execRows(ctx, tx, `UPDATE entities SET edges = v.column2 FROM (`, `) AS v WHERE entities.ref = v.column1`,
		2, len(rewrite), nil, func(args []any, i int) []any { return append(args, rewrite[i].ref, rewrite[i].edges) })
	if err != nil {
		return fmt.Errorf("rewrite edges: %w", err)
	}
	return db.writeOrigins(ctx, tx, nil, add)
}
