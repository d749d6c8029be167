package index

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// A sortOrder is every document in one order, cached until the next write.
type sortOrder struct {
	gen   uint64  // x.gen (x.uidGen for the uid order) when built
	order []int32 // live ordinals, in order
	rank  []int32 // by ordinal: position in order (stale for free ordinals)
}

// sortCache holds sort orders by their spec. Readers share x.mu, so the
// cache has a mutex of its own.
type sortCache struct {
	mu sync.Mutex
	m  map[string]*sortOrder
}

// maxSorts bounds the cached orders; each costs 8 bytes a document.
const maxSorts = 16

// sorted returns the order of all documents by orders, then uid. Call with
// x.mu held (for reading at least).
func (x *Index) sorted(orders []Order) *sortOrder {
	c := &x.sorts
	c.mu.Lock()
	defer c.mu.Unlock()
	return x.sortedLocked(orders)
}

func (x *Index) sortedLocked(orders []Order) *sortOrder {
	c := &x.sorts
	var spec strings.Builder
	for _, o := range orders {
		spec.WriteString(strings.ToLower(strings.TrimSpace(o.Field)))
		if o.Desc {
			spec.WriteString("\x00d\x00")
		} else {
			spec.WriteString("\x00a\x00")
		}
	}
	key := spec.String()
	// The uid order changes only when documents come or go, not when
	// their rows change: most writes replace documents and keep it.
	gen := x.gen
	if len(orders) == 0 {
		gen = x.uidGen
	}
	if s, ok := c.m[key]; ok && s.gen == gen {
		return s
	}
	if c.m == nil || len(c.m) >= maxSorts {
		// Drop everything if full.
		for k := range c.m {
			delete(c.m, k)
		}
		if c.m == nil {
			c.m = map[string]*sortOrder{}
		}
	}
	s := x.buildSort(orders)
	s.gen = gen
	c.m[key] = s
	return s
}

// buildSort computes the order of all documents by orders, then uid.
func (x *Index) buildSort(orders []Order) *sortOrder {
	ords := make([]int32, 0, len(x.byUID))
	for o := range x.docs {
		if x.docs[o].uid != "" {
			ords = append(ords, int32(o))
		}
	}
	if len(orders) == 0 {
		slices.SortFunc(ords, func(a, b int32) int { return strings.Compare(x.docs[a].uid, x.docs[b].uid) })
	} else {
		byUID := x.sortedLocked(nil).rank
		ranks := make([][]int32, len(orders))
		for i, o := range orders {
			if o.Field == refField {
				ranks[i] = x.refRanks()
				continue
			}
			ranks[i] = x.valueRanks(strings.ToLower(strings.TrimSpace(o.Field)))
		}
		slices.SortFunc(ords, func(a, b int32) int {
			for i, r := range ranks {
				ra, rb := r[a], r[b]
				switch {
				case ra == rb:
					continue
				case ra < 0:
					return 1 // missing last, in both directions
				case rb < 0:
					return -1
				case orders[i].Desc:
					return cmp.Compare(rb, ra)
				default:
					return cmp.Compare(ra, rb)
				}
			}
			return cmp.Compare(byUID[a], byUID[b])
		})
	}
	rank := make([]int32, len(x.docs))
	for i, o := range ords {
		rank[o] = int32(i)
	}
	return &sortOrder{order: ords, rank: rank}
}

// refField is the Order field of the entity ref (Query.ByRef); no search
// key can be named so, since keys come from JSON field names joined by dots
// and the API refuses control characters in them.
const refField = "\x00ref"

// refRanks returns, by ordinal, the rank of the document's lowercased
// canonical ref among all documents' refs (-1 for free ordinals).
func (x *Index) refRanks() []int32 {
	refs := make([]string, len(x.docs))
	ords := make([]int32, 0, len(x.byUID))
	for o := range x.docs {
		if x.docs[o].uid != "" {
			refs[o] = x.refOf(int32(o))
			ords = append(ords, int32(o))
		}
	}
	slices.SortFunc(ords, func(a, b int32) int { return strings.Compare(refs[a], refs[b]) })
	r := make([]int32, len(x.docs))
	for i := range r {
		r[i] = -1
	}
	for i, o := range ords {
		r[o] = int32(i)
	}
	return r
}

// valueRanks returns, by ordinal, the rank of the document's smallest
// lowercased value of key among all the key's values, or -1 when it has no
// (non-null) value.
func (x *Index) valueRanks(key string) []int32 {
	r := make([]int32, len(x.docs))
	for i := range r {
		r[i] = -1
	}
	k, ok := x.lookupKey(key)
	if !ok {
		return r
	}
	ids := make([]int32, 0, len(x.keys[k].pairs))
	for _, id := range x.keys[k].pairs {
		if x.pairs.at(id).key() == k && x.keys[k].null != id {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int32) int { return strings.Compare(x.lower(x.pairs.at(a)), x.lower(x.pairs.at(b))) })
	rank := int32(-1)
	var one [1]int32
	for i, id := range ids {
		if i == 0 || x.lower(x.pairs.at(id)) != x.lower(x.pairs.at(ids[i-1])) {
			rank++
		}
		for _, d := range x.docsOf(id, &one) {
			if r[d] < 0 || rank < r[d] {
				r[d] = rank
			}
		}
	}
	return r
}
