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
	d := &x.docs[o]
	ids := slices.Clone(w.ids)
	for _, id := range d.rows {
		if !x.isRelationPair(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if slices.Equal(d.rows, ids) {
		return
	}
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
			i, j = i+1, j+1
		}
	}
	d.rows = ids
	x.gen++
}

// isRelationPair reports whether pair id is a relations.<type> row.
func (x *Index) isRelationPair(id int32) bool {
	k := x.pairs[id].key()
	return k >= 0 && strings.HasPrefix(x.keys[k].name, "relations.")
}
