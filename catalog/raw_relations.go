package catalog

import (
	"callboard"
	"encoding/json"
	"slices"
	"strings"
)

// appendRelationsJSON appends the JSON array of the final relations of the
// entity with graph id id (what json.Marshal(g.relations(ref)) gives,
// byte for byte) without building Relation values. List responses write
// it for every entity they serve. It relies on setEdges keeping g.out
// sorted by type then target (sortOut): even checking that order cost as
// much as sorting, the compares chasing g.types and g.refs.
func (g *graph) appendRelationsJSON(dst []byte, id int32) []byte {
	if len(g.other[id]) > 0 {
		// Relations another entity emitted (rare): the general path.
		b, _ := json.Marshal(g.relations(g.refs[id]))
		return append(dst, b...)
	}
	var list []rel
	if int(id) < len(g.out) {
		list = g.out[id]
	}
	dst = append(dst, '[')
	for i, r := range list {
		if i > 0 && r.typeID() == list[i-1].typeID() && r.target == list[i-1].target {
			continue // the same relation from another originator
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, g.typeJSON[r.typeID()]...)
		dst = callboard.AppendJSONString(dst, g.refs[r.target])
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// relationPrefix is how a served relation of type t begins, up to its
// target ref.
func relationPrefix(t string) string {
	b := callboard.AppendJSONString([]byte(`{"type":`), t)
	return string(append(b, `,"targetRef":`...))
}

// relationCount is how many relations graph node id has, repeats included.
func (g *graph) relationCount(id int32) int {
	n := len(g.other[id])
	if int(id) < len(g.out) {
		n += len(g.out[id])
	}
	return n
}

// compareRel orders relations by type, then target ref, as served.
func (g *graph) compareRel(a, b rel) int {
	if at, bt := a.typeID(), b.typeID(); at != bt {
		if c := strings.Compare(g.types[at], g.types[bt]); c != 0 {
			return c
		}
	}
	if a.target == b.target {
		return 0
	}
	return strings.Compare(g.refs[a.target], g.refs[b.target])
}

// sortOut restores the order of g.out[src] after setEdges appended edges
// to its end: each out-of-order edge is moved back into place, which for
// the few edges one write adds costs far less than sorting each list every
// time it is served.
func (g *graph) sortOut(src int32) {
	if int(src) >= len(g.out) {
		return
	}
	list := g.out[src]
	for i := 1; i < len(list); i++ {
		if g.compareRel(list[i], list[i-1]) >= 0 {
			continue
		}
		r := list[i]
		j, _ := slices.BinarySearchFunc(list[:i], r, func(e, t rel) int {
			if g.compareRel(e, t) <= 0 {
				return -1 // equal ones stay first: insert after them
			}
			return 1
		})
		copy(list[j+1:i+1], list[j:i])
		list[j] = r
	}
}
