package index

import (
	"cmp"
	"slices"
	"strings"
)

// FacetCount is one value of a facet and the number of documents having it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facets counts, for each requested facet key (such as "kind", "spec.type",
// "metadata.tags" or "relations.ownedBy", matched case-insensitively), the
// documents matching f per original-case value of that key. Null values are
// left out. Each list is sorted by count descending, then value ascending
// (Backstage leaves the order to the database). The result has an entry,
// possibly empty but never nil, for each facet string exactly as requested.
// A filter condition with an empty key matches nothing.
func (x *Index) Facets(facets []string, f Filter) map[string][]FacetCount {
	return x.FacetsWhere(facets, f, nil)
}

// FacetsWhere is Facets over the documents matching both f and p (nil
// matches everything).
func (x *Index) FacetsWhere(facets []string, f Filter, p *Predicate) map[string][]FacetCount {
	out := make(map[string][]FacetCount, len(facets))
	x.mu.RLock()
	defer x.mu.RUnlock()

	var m []int32
	all := false
	sc := getScratch()
	defer sc.release()
	if f.validate() == nil {
		m, _, all = x.matchCached(sc, f)
		if p != nil {
			m, all = x.and(sc, m, all, p)
		}
	}
	var b *bitset
	if !all && len(m) > 0 {
		b = getBits(len(x.docs))
		defer putBits(b)
		b.addAll(m)
	}
	var one [1]int32
	for _, facet := range facets {
		counts := []FacetCount{}
		k, ok := x.lookupKey(strings.ToLower(strings.TrimSpace(facet)))
		if ok && (all || len(m) > 0) {
			for _, id := range x.keys[k].pairs {
				p := x.pairs.at(id)
				if p.key() != k || x.keys[k].null == id {
					continue
				}
				n := 0
				if all {
					n = x.count(id)
				} else {
					n = b.countIn(x.docsOf(id, &one))
				}
				if n > 0 {
					counts = append(counts, FacetCount{Value: x.orig(id), Count: n})
				}
			}
		}
		slices.SortFunc(counts, func(a, b FacetCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return strings.Compare(a.Value, b.Value)
		})
		out[facet] = counts
	}
	return out
}
