package index

import (
	"slices"
	"strings"

	"callboard"
)

// SetRelations replaces the relation rows of the document with uid and
// keeps its other rows. The catalog calls it when only edges that point at
// an entity changed, so the entity body need not be read again. An unknown
// uid is ignored.
func (x *Index) SetRelations(uid string, rels []callboard.Relation) {
	x.mu.Lock()
	defer x.mu.Unlock()
	o, ok := x.byUID[uid]
	if !ok {
		return
	}
	w := &x.walker
	w.ids, w.path = w.ids[:0], w.path[:0]
	r := w.push("relations")
	for _, rel := range rels {
		w.field(rel.Type, rel.TargetRef)
	}
	w.pop(r)
	w.resolve()
	d := &x.docs[o]
	ids := slices.Clone(w.ids)
	for _, id := range d.rows {
		if !x.isRelationPair(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	x.setRows(o, slices.Compact(ids))
}

// isRelationPair reports whether pair id is a relations.<type> row.
func (x *Index) isRelationPair(id int32) bool {
	k := x.pairs.at(id).key()
	return k >= 0 && strings.HasPrefix(x.keys[k].name, "relations.")
}
