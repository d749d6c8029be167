package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"callboard"
)

// entityColumns are the columns every entity query reads, in scanRaw's order.
const entityColumns = `uid, ref, body, edges, parents, location_key, hash, orphan, updated_at`

// upsertEntity is the head and tail of the multi-row entity upsert. A
// replaced entity takes the caller's uid, which is the stored one whenever
// the caller passes it back.
const (
	upsertEntityHead = `INSERT INTO entities (uid, ref, kind, namespace, name, body, edges, parents, location_key, hash, orphan, updated_at)`
	upsertEntityTail = ` ON CONFLICT (ref) DO UPDATE SET uid = excluded.uid, kind = excluded.kind,
		namespace = excluded.namespace, name = excluded.name, body = excluded.body, edges = excluded.edges,
		parents = excluded.parents, location_key = excluded.location_key, hash = excluded.hash,
		orphan = excluded.orphan, updated_at = excluded.updated_at`
	upsertEntityCols = 12
)

// PutEntities inserts or replaces entities by Ref in one transaction, with
// their edges and parents; an entity's previous edges and parents are
// replaced. Refs (the entity's, its edges' and its parents') are stored
// lowercased, and repeated edges or parents once; when one ref appears twice
// in entities, the last one wins. An empty Ref is taken from Entity; an
// empty UID keeps the stored entity's uid, or gets a new one. PutEntities
// sets UID and UpdatedAt on each element.
// Errors: Invalid for an entity without Entity or with a malformed ref;
// Conflict when a uid belongs to another ref; Internal otherwise.
func (db *DB) PutEntities(ctx context.Context, entities []*callboard.StoredEntity) error {
	if len(entities) == 0 {
		return nil
	}
	rows, enc, err := encodeEntities(entities)
	if err != nil {
		return err
	}
	defer enc.close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	written := 0
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		refs := make([]string, len(rows))
		for i := range rows {
			refs[i] = rows[i].ref
		}
		old, err := db.storedState(ctx, tx, refs)
		if err != nil {
			return err
		}
		for i := range rows {
			r := &rows[i]
			if r.uid == "" {
				r.uid = old[r.ref].uid
			}
			if r.uid == "" {
				r.uid = uuid.NewString()
			}
		}
		// Edges and parents first: meanwhile the bodies are being encoded.
		var ch changes
		ch.grow(rows, old)
		for i := range rows {
			r := &rows[i]
			ch.diff(r.ref, old[r.ref], r.edges, r.parents)
		}
		if err := db.apply(ctx, tx, &ch); err != nil {
			return err
		}
		written = len(rows) + ch.len()
		err = db.execRows(ctx, tx, upsertEntityHead, upsertEntityTail, upsertEntityCols, len(rows), enc.wait,
			func(args []any, i int) []any {
				r := &rows[i]
				args = append(args, r.uid, r.ref, r.kind, r.namespace, r.name, r.body, r.edgesJSON, r.parentsJSON,
					r.se.LocationKey, r.se.Hash, r.se.Orphan, now)
				r.body = "" // args holds it until it is written; then it is garbage
				return args
			})
		if err != nil {
			return err
		}
		return db.logChanges(ctx, tx, callboard.ChangeEntity, refs)
	})
	if err != nil && db.d.isUniqueErr(err) {
		return callboard.Errorf(callboard.Conflict, "put entities: a uid is already used by another entity")
	}
	if err != nil {
		return db.classify(err, "put entities")
	}
	db.wrote(written)
	for i := range rows {
		rows[i].se.UID = rows[i].uid
	}
	for _, se := range entities {
		se.UpdatedAt = now
	}
	return nil
}

// stored is what the database holds of an entity before a put or delete.
type stored struct {
	uid     string
	edges   []callboard.Edge
	parents []string
}

// storedState reads the uid, edges and parents of the stored entities among refs.
func (db *DB) storedState(ctx context.Context, tx *sql.Tx, refs []string) (map[string]stored, error) {
	old := map[string]stored{}
	var edges, parents sql.RawBytes
	var strs []string
	err := db.queryIn(ctx, tx, `SELECT ref, uid, edges, parents FROM entities WHERE ref`, "", refs, func(rs *sql.Rows) error {
		var ref string
		var st stored
		if err := rs.Scan(&ref, &st.uid, &edges, &parents); err != nil {
			return err
		}
		var err error
		if strs, err = appendStrings(strs[:0], edges); err != nil || len(strs)%3 != 0 {
			return fmt.Errorf("decode edges of %s: %v", ref, err)
		}
		st.edges = edgesOf(strs)
		if strs, err = appendStrings(strs[:0], parents); err != nil {
			return fmt.Errorf("decode parents of %s: %w", ref, err)
		}
		st.parents = slices.Clone(strs)
		old[ref] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stored entities: %w", err)
	}
	return old, nil
}

// edgeRow is a row of entity_edges; parentRow one of entity_parents.
type (
	edgeRow   struct{ source, typ, target, origin string }
	parentRow struct{ child, parent string }
)

// changes lists the edge and parent rows to delete and to insert.
type changes struct {
	delEdges, addEdges     []edgeRow
	delParents, addParents []parentRow
}

// len is the number of rows c changes.
func (c *changes) len() int {
	return len(c.delEdges) + len(c.addEdges) + len(c.delParents) + len(c.addParents)
}

// grow makes room in c for the rows that putting rows over old adds: all
// of them for a new entity, which is the bulk of a large put.
func (c *changes) grow(rows []entityRow, old map[string]stored) {
	var edges, parents int
	for i := range rows {
		if _, ok := old[rows[i].ref]; !ok {
			edges += len(rows[i].edges)
			parents += len(rows[i].parents)
		}
	}
	c.addEdges = slices.Grow(c.addEdges, edges)
	c.addParents = slices.Grow(c.addParents, parents)
}

// diff adds to c what turns the stored edges and parents of ref into the
// given ones. Unchanged rows are not rewritten.
func (c *changes) diff(ref string, old stored, edges []callboard.Edge, parents []string) {
	for _, e := range missing(old.edges, edges) {
		c.delEdges = append(c.delEdges, edgeRow{e.Source, e.Type, e.Target, ref})
	}
	for _, e := range missing(edges, old.edges) {
		c.addEdges = append(c.addEdges, edgeRow{e.Source, e.Type, e.Target, ref})
	}
	for _, p := range missing(old.parents, parents) {
		c.delParents = append(c.delParents, parentRow{ref, p})
	}
	for _, p := range missing(parents, old.parents) {
		c.addParents = append(c.addParents, parentRow{ref, p})
	}
}

// missing returns the elements of a that are not in b.
func missing[T comparable](a, b []T) []T {
	if len(b) == 0 {
		return a
	}
	var out []T
	if len(a)*len(b) <= 256 {
		for _, x := range a {
			if !slices.Contains(b, x) {
				out = append(out, x)
			}
		}
		return out
	}
	in := make(map[T]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// Edge and parent statements. Inserts ignore rows that exist already, so
// that rows left by a failed earlier write cannot block a put.
const (
	deleteEdgesHead   = `DELETE FROM entity_edges WHERE (source_ref, type, target_ref, originating_ref) IN (`
	insertEdgesHead   = `INSERT INTO entity_edges (source_ref, type, target_ref, originating_ref)`
	deleteParentsHead = `DELETE FROM entity_parents WHERE (child_ref, parent_ref) IN (`
	insertParentsHead = `INSERT INTO entity_parents (child_ref, parent_ref)`
	onConflictNothing = ` ON CONFLICT DO NOTHING`
)

// apply writes c: deletions first, then insertions, each in key order, which
// keeps B-tree writes local.
func (db *DB) apply(ctx context.Context, tx *sql.Tx, c *changes) error {
	for _, es := range [][]edgeRow{c.delEdges, c.addEdges} {
		slices.SortFunc(es, func(a, b edgeRow) int {
			return cmp.Or(strings.Compare(a.source, b.source), strings.Compare(a.typ, b.typ),
				strings.Compare(a.target, b.target), strings.Compare(a.origin, b.origin))
		})
	}
	for _, ps := range [][]parentRow{c.delParents, c.addParents} {
		slices.SortFunc(ps, func(a, b parentRow) int {
			return cmp.Or(strings.Compare(a.child, b.child), strings.Compare(a.parent, b.parent))
		})
	}
	edgeArgs := func(es []edgeRow) func([]any, int) []any {
		return func(args []any, i int) []any {
			return append(args, es[i].source, es[i].typ, es[i].target, es[i].origin)
		}
	}
	parentArgs := func(ps []parentRow) func([]any, int) []any {
		return func(args []any, i int) []any { return append(args, ps[i].child, ps[i].parent) }
	}
	if err := db.execRows(ctx, tx, deleteEdgesHead, ")", 4, len(c.delEdges), nil, edgeArgs(c.delEdges)); err != nil {
		return fmt.Errorf("delete edges: %w", err)
	}
	if err := db.execRows(ctx, tx, insertEdgesHead, onConflictNothing, 4, len(c.addEdges), nil, edgeArgs(c.addEdges)); err != nil {
		return fmt.Errorf("insert edges: %w", err)
	}
	if err := db.execRows(ctx, tx, deleteParentsHead, ")", 2, len(c.delParents), nil, parentArgs(c.delParents)); err != nil {
		return fmt.Errorf("delete parents: %w", err)
	}
	if err := db.execRows(ctx, tx, insertParentsHead, onConflictNothing, 2, len(c.addParents), nil, parentArgs(c.addParents)); err != nil {
		return fmt.Errorf("insert parents: %w", err)
	}
	return nil
}

// DeleteEntities removes entities by ref (case-insensitive), with the edges
// they emitted and their parents, in one transaction. Unknown refs are
// ignored. Errors: Internal.
func (db *DB) DeleteEntities(ctx context.Context, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	refs = lowerAll(refs)
	written := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := db.storedState(ctx, tx, refs)
		if err != nil {
			return err
		}
		var ch changes
		for ref, st := range old {
			ch.diff(ref, st, nil, nil)
		}
		if err := db.deleteIn(ctx, tx, `DELETE FROM entities WHERE ref`, refs); err != nil {
			return err
		}
		written = len(old) + ch.len()
		if err := db.apply(ctx, tx, &ch); err != nil {
			return err
		}
		gone := make([]string, 0, len(old))
		for ref := range old {
			gone = append(gone, ref)
		}
		slices.Sort(gone)
		return db.logChanges(ctx, tx, callboard.ChangeEntity, gone)
	})
	if err != nil {
		return db.classify(err, "delete entities")
	}
	db.wrote(written)
	return nil
}
