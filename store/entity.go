package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
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

// Entity returns the entity with the given ref (case-insensitive).
// Errors: NotFound, Internal.
func (db *DB) Entity(ctx context.Context, ref string) (*callboard.StoredEntity, error) {
	ref = strings.ToLower(ref)
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT `+entityColumns+` FROM entities WHERE ref = ?`), ref)
	if err != nil {
		return nil, db.classify(err, "entity "+ref)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, db.classify(err, "entity "+ref)
		}
		return nil, db.classify(sql.ErrNoRows, "entity "+ref)
	}
	r, err := scanRaw(rows)
	if err == nil {
		err = r.decode()
	}
	if err != nil {
		return nil, db.classify(err, "entity "+ref)
	}
	return r.se, nil
}

// EntitiesByUID returns the entities with the given uids, in the order given;
// a missing uid yields a nil element. Up to 512 uids take one query.
// Errors: Internal.
func (db *DB) EntitiesByUID(ctx context.Context, uids []string) ([]*callboard.StoredEntity, error) {
	out := make([]*callboard.StoredEntity, len(uids))
	if len(uids) == 0 {
		return out, nil
	}
	var raws []rawEntity
	err := db.queryIn(ctx, db.read, `SELECT `+entityColumns+` FROM entities WHERE uid`, "", uids, func(rows *sql.Rows) error {
		r, err := scanRaw(rows)
		raws = append(raws, r)
		return err
	})
	if err != nil {
		return nil, db.classify(err, "entities by uid")
	}
	if err := decodeAll(raws); err != nil {
		return nil, db.classify(err, "entities by uid")
	}
	found := make(map[string]*callboard.StoredEntity, len(raws))
	for _, r := range raws {
		found[r.se.UID] = r.se
	}
	for i, uid := range uids {
		out[i] = found[uid]
	}
	return out, nil
}

// EntitiesByRef returns the entities with the given refs (case-insensitive),
// in the order given; a missing ref yields a nil element. Up to 512 refs
// take one query. Errors: Internal.
func (db *DB) EntitiesByRef(ctx context.Context, refs []string) ([]*callboard.StoredEntity, error) {
	out := make([]*callboard.StoredEntity, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	var raws []rawEntity
	err := db.queryIn(ctx, db.read, `SELECT `+entityColumns+` FROM entities WHERE ref`, "", lowerAll(refs), func(rows *sql.Rows) error {
		r, err := scanRaw(rows)
		raws = append(raws, r)
		return err
	})
	if err != nil {
		return nil, db.classify(err, "entities by ref")
	}
	if err := decodeAll(raws); err != nil {
		return nil, db.classify(err, "entities by ref")
	}
	found := make(map[string]*callboard.StoredEntity, len(raws))
	for _, r := range raws {
		found[r.se.Ref] = r.se
	}
	for i, ref := range refs {
		out[i] = found[strings.ToLower(ref)]
	}
	return out, nil
}

// EntityBodies returns the JSON bodies of the entities with the given uids,
// in the order given, nil where missing. Up to 512 uids take one query.
// Errors: Internal.
func (db *DB) EntityBodies(ctx context.Context, uids []string) ([][]byte, error) {
	out := make([][]byte, len(uids))
	if len(uids) == 0 {
		return out, nil
	}
	found := make(map[string][]byte, len(uids))
	err := db.queryIn(ctx, db.read, `SELECT uid, body FROM entities WHERE uid`, "", uids, func(rows *sql.Rows) error {
		var uid string
		var body []byte
		err := rows.Scan(&uid, &body)
		found[uid] = body
		return err
	})
	if err != nil {
		return nil, db.classify(err, "entity bodies")
	}
	for i, uid := range uids {
		out[i] = found[uid]
	}
	return out, nil
}

// scanBatch is the number of rows ScanEntities hands to a decoder at once.
const scanBatch = 64

// ScanEntities calls fn for every stored entity, in no particular order,
// stopping at the first error fn returns, which it returns unchanged. Rows
// are streamed, not loaded first, and decoded on every CPU; fn is called
// from the calling goroutine, one entity at a time. fn may call other
// methods of db, except on a ":memory:" SQLite database, whose single
// connection the scan holds. Errors: whatever fn returns; Internal.
func (db *DB) ScanEntities(ctx context.Context, fn func(*callboard.StoredEntity) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := db.read.QueryContext(ctx, `SELECT `+entityColumns+` FROM entities`)
	if err != nil {
		return db.classify(err, "scan entities")
	}
	defer rows.Close() // after the reader below has returned: see drain

	type batch struct {
		raws []rawEntity
		err  error
	}
	workers := runtime.GOMAXPROCS(0)
	todo, done := make(chan *batch, 2*workers), make(chan *batch, 2*workers)
	var readErr error
	go func() { // the reader: rows to batches
		defer close(todo)
		b := &batch{}
		send := func() bool {
			select {
			case todo <- b:
				b = &batch{raws: make([]rawEntity, 0, scanBatch)}
				return true
			case <-ctx.Done():
				return false
			}
		}
		for rows.Next() {
			r, err := scanRaw(rows)
			if err != nil {
				readErr = err
				return
			}
			if b.raws = append(b.raws, r); len(b.raws) == scanBatch && !send() {
				return
			}
		}
		if readErr = rows.Err(); readErr == nil && len(b.raws) > 0 {
			send()
		}
	}()
	var wg sync.WaitGroup
	for range workers { // the decoders
		wg.Go(func() {
			for b := range todo {
				b.err = decodeAll(b.raws)
				select {
				case done <- b:
				case <-ctx.Done():
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	// drain stops the pipeline and waits for it: done is closed once the
	// reader and the decoders have returned.
	drain := func() {
		cancel()
		for range done {
		}
	}
	for b := range done {
		if b.err != nil {
			drain()
			return db.classify(b.err, "scan entities")
		}
		for _, r := range b.raws {
			if err := fn(r.se); err != nil {
				drain()
				return err
			}
		}
	}
	return db.classify(readErr, "scan entities")
}

// EdgesFrom returns every distinct stored edge whose Source is one of refs
// (case-insensitive), whichever entity emitted it, sorted by source, type
// and target. Errors: Internal.
func (db *DB) EdgesFrom(ctx context.Context, refs []string) ([]callboard.Edge, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	var edges []callboard.Edge
	err := db.queryIn(ctx, db.read, `SELECT DISTINCT source_ref, type, target_ref FROM entity_edges WHERE source_ref`, "",
		lowerAll(refs), func(rows *sql.Rows) error {
			var e callboard.Edge
			if err := rows.Scan(&e.Source, &e.Type, &e.Target); err != nil {
				return err
			}
			edges = append(edges, e)
			return nil
		})
	if err != nil {
		return nil, db.classify(err, "edges")
	}
	slices.SortFunc(edges, compareEdges)
	return slices.Compact(edges), nil
}

func compareEdges(a, b callboard.Edge) int {
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return strings.Compare(a.Target, b.Target)
}

// rawEntity is an entity row, read but not yet decoded: se has every field
// but Entity, Edges and Parents.
type rawEntity struct {
	se                   *callboard.StoredEntity
	body, edges, parents []byte
}

// scanRaw reads the current row of rows, which selected entityColumns.
func scanRaw(rows *sql.Rows) (rawEntity, error) {
	r := rawEntity{se: &callboard.StoredEntity{}}
	se := r.se
	err := rows.Scan(&se.UID, &se.Ref, &r.body, &r.edges, &r.parents, &se.LocationKey, &se.Hash, &se.Orphan, &se.UpdatedAt)
	se.UpdatedAt = se.UpdatedAt.UTC()
	return r, err
}

// decode fills r.se from the JSON columns.
func (r *rawEntity) decode() error {
	se := r.se
	// Decoding into plain values and building the entity from them is
	// twice as fast as decoding into Entity, whose metadata decoder splits
	// the object first: this is most of a restart's load.
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		return fmt.Errorf("decode entity %s: %w", se.Ref, err)
	}
	if e, ok := callboard.EntityFromValue(m); ok {
		se.Entity = e
	} else {
		se.Entity = new(callboard.Entity)
		if err := json.Unmarshal(r.body, se.Entity); err != nil {
			return fmt.Errorf("decode entity %s: %w", se.Ref, err)
		}
	}
	strs, err := appendStrings(nil, r.edges)
	if err != nil || len(strs)%3 != 0 {
		return fmt.Errorf("decode edges of %s: %v", se.Ref, err)
	}
	se.Edges = edgesOf(strs)
	if strs, err = appendStrings(strs[:0], r.parents); err != nil {
		return fmt.Errorf("decode parents of %s: %w", se.Ref, err)
	}
	if len(strs) > 0 {
		se.Parents = slices.Clone(strs)
	}
	r.body, r.edges, r.parents = nil, nil, nil
	return nil
}

// decodeAll decodes raws, on every CPU when there are enough of them.
func decodeAll(raws []rawEntity) error {
	workers := min(runtime.GOMAXPROCS(0), len(raws)/8)
	if workers <= 1 {
		for i := range raws {
			if err := raws[i].decode(); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(raws) && errs[w] == nil; i += workers {
				errs[w] = raws[i].decode()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// edgesOf turns [source, type, target, source, …] into edges; nil for none.
func edgesOf(strs []string) []callboard.Edge {
	if len(strs) == 0 {
		return nil
	}
	edges := make([]callboard.Edge, len(strs)/3)
	for i := range edges {
		edges[i] = callboard.Edge{Source: strs[3*i], Type: strs[3*i+1], Target: strs[3*i+2]}
	}
	return edges
}

// lowerAll returns refs lowercased, reusing refs when nothing changes.
func lowerAll(refs []string) []string {
	var out []string
	for i, r := range refs {
		l := strings.ToLower(r)
		if l != r && out == nil {
			out = slices.Clone(refs)
		}
		if out != nil {
			out[i] = l
		}
	}
	if out == nil {
		return refs
	}
	return out
}
