package index

import (
	"math/bits"
	"slices"
	"strings"

	"callboard"
)

// Query is a list query: filter, full-text search, order and page.
type Query struct {
	Filter    Filter
	Predicate *Predicate // nil matches everything; ANDed with Filter
	Order     []Order    // nil: by uid ascending, Backstage's default (by-query)
	// ByRef, with no Order, sorts by entity ref ascending instead of uid:
	// Backstage's default for GET /entities (final_entities.entity_ref).
	ByRef    bool
	FullText FullText
	Offset   int
	Limit    int // 0: no limit
}

// Order sorts by the lowercased value of one search key, such as
// "metadata.name". Documents without a value for the key come last in both
// directions; a document with several values sorts by its smallest. Ties are
// broken by the next Order, then by uid ascending.
type Order struct {
	Field string
	Desc  bool
}

// FullText keeps the documents having a row whose key is one of Fields and
// whose lowercased value contains Term. An empty (or all-space) Term is
// ignored. Empty Fields means the first Order field, or else "metadata.uid",
// as in Backstage.
type FullText struct {
	Term   string
	Fields []string
}

// Page is one page of query results.
type Page struct {
	UIDs  []string // uids of the documents on the page, in order
	Total int      // matching documents, before Offset and Limit
}

// Query returns the page of documents that q selects. It returns an Invalid
// error for a negative Offset or Limit, an empty Order field or a filter
// condition with an empty key.
func (x *Index) Query(q Query) (Page, error) {
	if q.Offset < 0 {
		return Page{}, callboard.Errorf(callboard.Invalid, "Invalid offset, must be zero or greater")
	}
	if q.Limit < 0 {
		return Page{}, callboard.Errorf(callboard.Invalid, "Invalid limit, must be zero or greater")
	}
	for _, o := range q.Order {
		if strings.TrimSpace(o.Field) == "" {
			return Page{}, callboard.Errorf(callboard.Invalid, "Invalid order field, must not be empty")
		}
	}
	if err := q.Filter.validate(); err != nil {
		return Page{}, err
	}

	x.mu.RLock()
	defer x.mu.RUnlock()
	sc := getScratch()
	defer sc.release()
	m, set, all := x.matchCached(sc, q.Filter)
	if q.Predicate != nil {
		m, all = x.and(sc, m, all, q.Predicate)
		set = nil
	}
	if term := strings.ToLower(strings.TrimSpace(q.FullText.Term)); term != "" {
		m, all = x.fullText(sc, term, textFields(q), m, all), false
		set = nil
	}
	total := len(m)
	if all {
		total = len(x.byUID)
	}
	end := total
	if q.Limit > 0 && q.Offset+q.Limit < total {
		end = q.Offset + q.Limit
	}
	if q.Offset >= end {
		return Page{UIDs: []string{}, Total: total}, nil
	}
	orders := q.Order
	if len(orders) == 0 && q.ByRef {
		orders = []Order{{Field: refField}}
	}
	ords := x.page(sc, x.sorted(orders), m, set, all, q.Offset, end)
	uids := make([]string, len(ords))
	for i, o := range ords {
		uids[i] = x.docs[o].uid
	}
	return Page{UIDs: uids, Total: total}, nil
}

// page returns the ordinals at positions [from, to) of the documents of m (or
// of all documents) in order s, in a set from sc. set, if not nil, is m
// as a set.
func (x *Index) page(sc *scratch, s *sortOrder, m []int32, set bitset, all bool, from, to int) []int32 {
	if all {
		return s.order[from:to]
	}
	// Either sort the matches by rank (m log m) or walk the full order
	// until enough matches are seen (about to·N/m steps): whichever is less.
	n := len(s.order)
	walk := (to*n)/len(m) + n/64
	if len(m)*(bits.Len(uint(len(m)))+1) < walk {
		ords := append(sc.ints(len(m)), m...)
		slices.SortFunc(ords, func(a, b int32) int { return int(s.rank[a] - s.rank[b]) })
		return ords[from:to]
	}
	if set == nil {
		b := getBits(len(x.docs))
		defer putBits(b)
		b.addAll(m)
		set = *b
	}
	out := sc.ints(to - from)
	seen := 0
	for _, o := range s.order {
		if !set.has(o) {
			continue
		}
		if seen >= from {
			out = append(out, o)
			if len(out) == to-from {
				break
			}
		}
		seen++
	}
	return out
}

// and narrows a match (m, all) to the documents p also selects.
func (x *Index) and(sc *scratch, m []int32, all bool, p *Predicate) ([]int32, bool) {
	pm, pAll := x.eval(sc, p)
	switch {
	case pAll:
		return m, all
	case all:
		return pm, false
	}
	return intersect(sc, m, pm), false
}
