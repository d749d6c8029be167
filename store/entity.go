package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
// their edges and parents, which replace the entity's previous ones. Refs
// (the entity's, its edges' and its parents') are stored lowercased, and
// repeated edges or parents once; when one ref appears twice in entities,
// the last one wins. An empty Ref is taken from Entity; an empty UID keeps
// the stored entity's uid, or gets a new one. PutEntities sets UID and
// UpdatedAt on each element.
// Errors: Invalid for an entity without Entity or with a malformed ref;
// Conflict when a uid belongs to another ref; Internal otherwise.
func (db *DB) PutEntities(ctx context.Context, entities []*callboard.StoredEntity) error {
	if len(entities) == 0 {
		return nil
	}
	rows, enc, err := encodeEntities(entities, db.d.compressBodies)
	if err != nil {
		return err
	}
	defer enc.close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	written := 0
	deferred := db.deferred.Load()
	if deferred != nil {
		deferred.mu.Lock()
		defer deferred.mu.Unlock()
		if db.deferred.Load() == nil { // rebuilt meanwhile
			deferred = nil
		}
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		refs := make([]string, len(rows))
		for i := range rows {
			refs[i] = rows[i].ref
		}
		old, err := db.storedState(ctx, tx, refs)
		if err != nil {
			return err
		}
		// Edge origins first: meanwhile the bodies are being encoded.
		var ch changes
		for i := range rows {
			r := &rows[i]
			st, ok := old[r.ref]
			if r.uid == "" {
				r.uid = st.uid
			}
			if r.uid == "" {
				r.uid = uuid.NewString()
			}
			if deferred == nil && (!ok || st.edges != r.edgesJSON) {
				ch.diff(r.ref, st, r.edges)
			}
		}
		if err := db.writeOrigins(ctx, tx, ch.del, ch.add); err != nil {
			return err
		}
		written = len(rows) + ch.len()
		err = db.insertRows(ctx, tx, upsertEntityHead, upsertEntityTail, upsertEntityCols, len(rows), enc.wait,
			func(args []any, i int) []any {
				r := &rows[i]
				args = append(args, r.uid, r.ref, r.kind, r.namespace, r.name, r.body, r.edgesJSON, r.parentsJSON,
					r.se.LocationKey, r.se.Hash, r.se.Orphan, now)
				r.body = nil // args holds it until it is written; then it is garbage
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
	if deferred != nil {
		deferred.put(rows)
	}
	for i := range rows {
		rows[i].se.UID = rows[i].uid
	}
	for _, se := range entities {
		se.UpdatedAt = now
	}
	return nil
}

// stored is what the database holds of an entity before a put or delete:
// its uid and its edges column.
type stored struct {
	uid, edges string
}

// storedState reads the uid and edges of the stored entities among refs.
func (db *DB) storedState(ctx context.Context, tx *sql.Tx, refs []string) (map[string]stored, error) {
	old := map[string]stored{}
	err := db.queryIn(ctx, tx, `SELECT ref, uid, edges FROM entities WHERE ref`, "", refs, func(rs *sql.Rows) error {
		var ref string
		var st stored
		if err := rs.Scan(&ref, &st.uid, &st.edges); err != nil {
			return err
		}
		old[ref] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stored entities: %w", err)
	}
	return old, nil
}

// changes lists the edge_origins rows to delete (source hashes by origin)
// and to insert.
type changes struct {
	del map[string][]int64
	add []originRow
}

// len is the number of rows c changes.
func (c *changes) len() int {
	n := len(c.add)
	for _, hs := range c.del {
		n += len(hs)
	}
	return n
}

// diff adds to c what turns the edge origins of ref's stored edges, old,
// into those of edges. Unchanged rows are not rewritten. A stored edges
// column that does not decode counts as empty: the inserts ignore rows
// that exist.
func (c *changes) diff(ref string, old stored, edges []callboard.Edge) {
	var before []int64
	if old.edges != "" {
		if edges, _, err := parseEdges(ref, []byte(old.edges), nil); err == nil {
			before = foreignSources(ref, edges)
		}
	}
	after := foreignSources(ref, edges)
	if gone := missing(before, after); len(gone) > 0 {
		if c.del == nil {
			c.del = map[string][]int64{}
		}
		c.del[ref] = gone
	}
	for _, h := range missing(after, before) {
		c.add = append(c.add, originRow{h, ref})
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

// DeleteEntities removes entities by ref (case-insensitive), with the edges
// they emitted, in one transaction. Unknown refs are
// ignored. Errors: Internal.
func (db *DB) DeleteEntities(ctx context.Context, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	refs = lowerAll(refs)
	written := 0
	deferred := db.deferred.Load()
	if deferred != nil {
		deferred.mu.Lock()
		defer deferred.mu.Unlock()
		if db.deferred.Load() == nil {
			deferred = nil
		}
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := db.storedState(ctx, tx, refs)
		if err != nil {
			return err
		}
		var ch changes
		if deferred == nil {
			for ref, st := range old {
				ch.diff(ref, st, nil)
			}
		}
		if err := db.deleteIn(ctx, tx, `DELETE FROM entities WHERE ref`, refs); err != nil {
			return err
		}
		written = len(old) + ch.len()
		if err := db.writeOrigins(ctx, tx, ch.del, ch.add); err != nil {
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
	if deferred != nil {
		deferred.delete(refs)
	}
	db.wrote(written)
	return nil
}
