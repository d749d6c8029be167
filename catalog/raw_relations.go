package catalog

import (
	"encoding/json"
	"slices"
	"strings"
)

// appendRelationsJSON appends the JSON array of the final relations of the
// entity with graph id id (what json.Marshal(g.relations(ref)) gives,
// byte for byte) without building Relation values. List responses write
// it for every entity they serve.
func (g *graph) appendRelationsJSON(dst []byte, id int32) []byte {
	list := g.out[id]
	// setEdges keeps the list sorted by type then target; sort a copy
	// should it not be.
	type item struct {
		rank   int
		target string
		r      rel
	}
	var buf [16]item
	items := buf[:0]
	if !slices.IsSortedFunc(list, g.compareRel) {
		var ranks [16]int
		for _, r := range list {
			items = append(items, item{rank: g.typeRank(r.typ, &ranks), target: g.refs[r.target], r: r})
		}
		slices.SortFunc(items, func(a, b item) int {
			if a.rank != b.rank {
				return a.rank - b.rank
			}
			return strings.Compare(a.target, b.target)
		})
	} else {
		for _, r := range list {
			items = append(items, item{target: g.refs[r.target], r: r})
		}
	}
	dst = append(dst, '[')
	for i, it := range items {
		r := it.r
		if i > 0 && r.typ == items[i-1].r.typ && r.target == items[i-1].r.target {
			continue
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":`...)
		dst = appendJSONString(dst, g.types[r.typ])
		dst = append(dst, `,"targetRef":`...)
		dst = appendJSONString(dst, it.target)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// compareRel orders relations by type, then target ref, as served.
func (g *graph) compareRel(a, b rel) int {
	if a.typ != b.typ {
		if c := strings.Compare(g.types[a.typ], g.types[b.typ]); c != 0 {
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

// typeRank returns the position of relation type t among all types in
// string order. ranks caches the answers for the first 16 type ids (0:
// not yet computed, else rank+1) for the duration of one call.
func (g *graph) typeRank(t int32, ranks *[16]int) int {
	if int(t) < len(ranks) && ranks[t] > 0 {
		return ranks[t] - 1
	}
	n := 0
	for _, s := range g.types {
		if s < g.types[t] {
			n++
		}
	}
	if int(t) < len(ranks) {
		ranks[t] = n + 1
	}
	return n
}

// appendJSONString appends s as json.Marshal encodes a string: refs and
// relation types are plain ASCII nearly always, which is copied as is.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
