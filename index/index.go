// Package index is the catalog's in-memory query engine. It keeps, for every
// entity, the search rows that Backstage's catalog writes to its search
// table (a (key, value) pair per leaf of the entity, lowercased) and answers
// filters, ordering, paging, full-text search and facets from them.
//
// Keys and values are interned; each distinct (key, value) holds a sorted
// posting list of int32 document ordinals, and ordinals of deleted entities
// are reused. Sort orders are computed on first use and cached until the next
// write. An Index is safe for concurrent use: many readers, one writer.
package index

import (
	"hash/maphash"
	"slices"
	"sync"

	"callboard"
	"callboard/internal/strarena"
)

// Index is an in-memory search index over catalog entities. The zero value
// is not usable; call New.
type Index struct {
	mu sync.RWMutex

	docs   []doc            // by ordinal; uid "" marks a free ordinal
	free   []int32          // free ordinals, reused by Put
	byUID  map[string]int32 // uid -> ordinal; refs are found from the rows
	keys   []keyInfo        // by key id
	keyIDs map[string]int32 // lowercased key -> key id
	pairs  pairList         // by pair id (pairlist.go)
	origs  map[int32]string // original values that pairs cannot hold (flagSide)
	table  pairTable        // (key, lower value) -> pair ids

	freePairs []int32   // pair ids retired by compaction, reused first
	multi     [][]int32 // posting lists of pairs with two or more documents
	freeMulti []int32   // free slots of multi

	gen     uint64     // write generation; caches built at another gen are stale
	uidGen  uint64     // changes when documents are added or removed
	walker  walker     // scratch for Put, used under the write lock
	sorts   sortCache  // cached sort orders
	matches matchCache // cached filter matches
	text    textIndex  // n-gram postings of the full-text keys (text.go)

	values valueArena     // pair values (arena.go)
	strs   strarena.Arena // key names and side originals
}

// A doc is the index's record of one entity: enough to identify it and to
// remove its rows again.
type doc struct {
	uid  string  // shares its bytes with the metadata.uid pair
	rows []int32 // sorted distinct pair ids of the entity's search rows
}

// New returns an empty index.
func New() *Index {
	x := &Index{
		byUID:  map[string]int32{},
		keyIDs: map[string]int32{},
		origs:  map[int32]string{},
	}
	x.table.seed = maphash.MakeSeed()
	x.walker.x = x
	return x
}

// Put adds or replaces the document of e, identified by e.Metadata.UID. A
// document with the same canonical ref but another uid is removed. e must
// carry its final Relations; the index keeps only its search rows, uid and
// ref, never e itself. Entities without a uid are ignored.
func (x *Index) Put(e *callboard.Entity) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.put(e)
}

// PutMany is Put for several entities under one lock acquisition. Later
// entities win over earlier ones with the same uid or ref.
func (x *Index) PutMany(es []*callboard.Entity) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range es {
		x.put(e)
	}
}

// Delete removes the document with the given uid; an unknown uid is ignored.
func (x *Index) Delete(uid string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if o, ok := x.byUID[uid]; ok {
		x.remove(o)
	}
}

// Len returns the number of documents.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byUID)
}

// UIDByRef returns the uid of the entity with the given ref, which is matched
// case-insensitively against canonical "kind:namespace/name" refs.
func (x *Index) UIDByRef(ref string) (string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	o, ok := x.byRef(ref)
	if !ok {
		return "", false
	}
	return x.docs[o].uid, true
}

// RefByUID returns the canonical ref of the entity with the given uid.
func (x *Index) RefByUID(uid string) (string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	o, ok := x.byUID[uid]
	if !ok {
		return "", false
	}
	return x.refOf(o), true
}

func (x *Index) put(e *callboard.Entity) {
	uid := e.Metadata.UID
	if uid == "" {
		return
	}
	if o, ok := x.byRef(e.Ref().String()); ok && x.docs[o].uid != uid {
		x.remove(o)
	}

	w := &x.walker
	w.ids = w.ids[:0]
	w.rows(e)
	w.resolve()
	ids := w.ids
	slices.Sort(ids)
	ids = slices.Compact(ids)

	o, ok := x.byUID[uid]
	if !ok {
		o = x.alloc()
		d := &x.docs[o]
		d.uid = x.internedUID(uid)
		d.rows = slices.Clone(ids)
		for _, id := range ids {
			x.addDoc(id, o)
		}
		x.byUID[d.uid] = o
		x.gen++
		x.uidGen++
		return
	}

	x.setRows(o, ids)
}

// setRows replaces the rows of document o with the sorted, distinct ids,
// touching only the posting lists of rows that changed.
func (x *Index) setRows(o int32, ids []int32) {
	d := &x.docs[o]
	if slices.Equal(d.rows, ids) {
		return // nothing searchable changed; caches stay valid
	}
	// Both lists are sorted: walk them together and touch only what changed.
	old := d.rows
	i, j := 0, 0
	for i < len(old) || j < len(ids) {
		switch {
		case j == len(ids) || (i < len(old) && old[i] < ids[j]):
			x.removeDoc(old[i], o)
			i++
		case i == len(old) || ids[j] < old[i]:
			x.addDoc(ids[j], o)
			j++
		default:
			i++
			j++
		}
	}
	if cap(old) >= len(ids) && cap(old) <= 2*len(ids) {
		d.rows = append(old[:0], ids...)
	} else {
		d.rows = slices.Clone(ids)
	}
	x.gen++
}

// alloc returns a free ordinal, reusing deleted ones first.
func (x *Index) alloc() int32 {
	if n := len(x.free); n > 0 {
		o := x.free[n-1]
		x.free = x.free[:n-1]
		return o
	}
	x.docs = append(x.docs, doc{})
	return int32(len(x.docs) - 1)
}

// remove deletes document o and frees its ordinal.
func (x *Index) remove(o int32) {
	d := &x.docs[o]
	for _, id := range d.rows {
		x.removeDoc(id, o)
	}
	delete(x.byUID, d.uid)
	*d = doc{}
	x.free = append(x.free, o)
	x.gen++
	x.uidGen++
}
