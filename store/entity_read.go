package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"callboard"
)

// Entity returns the entity with the given ref (case-insensitive).
// Errors: NotFound, Internal.
func (db *DB) Entity(ctx context.Context, ref string) (*callboard.StoredEntity, error) {
	ref = strings.ToLower(ref)
	st, err := db.readStmt(ctx, stmtKey{head: `SELECT ` + entityColumns + ` FROM entities WHERE ref = ?`})
	if err != nil {
		return nil, db.classify(err, "entity "+ref)
	}
	rows, err := st.QueryContext(ctx, ref)
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

// AppendEntityBodies appends to buf the JSON bodies of the entities with
// the given uids and returns buf and the bodies, in the order given, zero
// where missing. Their JSON are slices of buf (or of the arrays it had
// before it grew): a caller that reuses buf allocates nothing per entity
// but the refs. Up to 512 uids take one query. Errors: Internal.
func (db *DB) AppendEntityBodies(ctx context.Context, buf []byte, uids []string) ([]byte, []callboard.EntityBody, error) {
	out := make([]callboard.EntityBody, len(uids))
	if len(uids) == 0 {
		return buf, out, nil
	}
	// Rows come in the database's order: find each uid's places in uids
	// by binary search over the positions sorted by uid.
	byUID := make([]int32, len(uids))
	for i := range byUID {
		byUID[i] = int32(i)
	}
	slices.SortFunc(byUID, func(a, b int32) int { return strings.Compare(uids[a], uids[b]) })
	// RawBytes: the driver's copies, not another one each.
	var rawUID, body sql.RawBytes
	var ref string
	err := db.queryIn(ctx, db.read, `SELECT uid, ref, body FROM entities WHERE uid`, "", uids, func(rows *sql.Rows) error {
		if err := rows.Scan(&rawUID, &ref, &body); err != nil {
			return err
		}
		start := len(buf)
		var err error
		if buf, err = appendExpanded(buf, body); err != nil {
			return err
		}
		b := callboard.EntityBody{Ref: ref, JSON: buf[start:len(buf):len(buf)]}
		// uid is only compared, before the next row overwrites rawUID.
		uid := unsafe.String(unsafe.SliceData(rawUID), len(rawUID))
		at, _ := slices.BinarySearchFunc(byUID, uid, func(p int32, uid string) int { return strings.Compare(uids[p], uid) })
		for ; at < len(byUID) && uids[byUID[at]] == uid; at++ {
			out[byUID[at]] = b
		}
		return nil
	})
	if err != nil {
		return buf, nil, db.classify(err, "entity bodies")
	}
	return buf, out, nil
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

// decode fills r.se from the body (expanded if need be) and JSON columns.
func (r *rawEntity) decode() error {
	se := r.se
	body, err := expandBody(r.body)
	if err != nil {
		return fmt.Errorf("decode entity %s: %w", se.Ref, err)
	}
	r.body = body
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
	edges, strs, err := parseEdges(se.Ref, r.edges, nil)
	if err != nil {
		return err
	}
	se.Edges = edges
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
