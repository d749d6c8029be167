package index

import (
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"

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
	m, all := x.match(q.Filter)
	if q.Predicate != nil {
		m, all = x.and(m, all, q.Predicate)
	}
	if term := strings.ToLower(strings.TrimSpace(q.FullText.Term)); term != "" {
		m, all = x.fullText(term, textFields(q), m, all), false
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
	ords := x.page(x.sorted(orders), m, all, q.Offset, end)
	uids := make([]string, len(ords))
	for i, o := range ords {
		uids[i] = x.docs[o].uid
	}
	return Page{UIDs: uids, Total: total}, nil
}

// textFields returns the lowercased keys that q's full-text term searches.
func textFields(q Query) []string {
	fields := q.FullText.Fields
	if len(fields) == 0 {
		if len(q.Order) > 0 {
			fields = []string{q.Order[0].Field}
		} else {
			fields = []string{"metadata.uid"}
		}
	}
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// fullText returns the documents of m (or of all) that have a value
// containing term under one of fields.
func (x *Index) fullText(term string, fields []string, m []int32, all bool) []int32 {
	var keys []int32
	scan := 0 // pairs to test when scanning the fields' values
	for _, f := range fields {
		if k, ok := x.lookupKey(f); ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
			scan += len(x.keys[k].pairs)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	hit := func(id int32) bool {
		p := &x.pairs[id]
		k := p.key()
		return k >= 0 && slices.Contains(keys, k) && x.keys[k].null != id && strings.Contains(p.lower(), term)
	}
	if !all && len(m)*16 < scan {
		// Few candidates: test their own rows rather than every value.
		var out []int32
		for _, o := range m {
			if slices.ContainsFunc(x.docs[o].rows, hit) {
				out = append(out, o)
			}
		}
		return out
	}
	b := getBits(len(x.docs))
	defer putBits(b)
	var one [1]int32
	if scan*4 > len(x.pairs) {
		// Walking all pairs in id order reads memory mostly in sequence
		// (pairs and their strings were allocated together), which beats
		// the random access of following the keys' lists. Large scans
		// are split over the CPUs; each part only reads the index.
		parts := min(runtime.GOMAXPROCS(0), 1+len(x.pairs)/(64<<10), 8)
		hits := make([][]int32, parts)
		var wg sync.WaitGroup
		for i := range parts {
			lo, hi := len(x.pairs)*i/parts, len(x.pairs)*(i+1)/parts
			wg.Go(func() {
				for id := lo; id < hi; id++ {
					if hit(int32(id)) {
						hits[i] = append(hits[i], int32(id))
					}
				}
			})
		}
		wg.Wait()
		for _, ids := range hits {
			for _, id := range ids {
				b.addAll(x.docsOf(id, &one))
			}
		}
	} else {
		for _, k := range keys {
			for _, id := range x.keys[k].pairs {
				if hit(id) {
					b.addAll(x.docsOf(id, &one))
				}
			}
		}
	}
	if all {
		return b.list(nil)
	}
	return b.filter(m)
}

// page returns the ordinals at positions [from, to) of the documents of m (or
// of all documents) in order s.
func (x *Index) page(s *sortOrder, m []int32, all bool, from, to int) []int32 {
	if all {
		return slices.Clone(s.order[from:to])
	}
	// Either sort the matches by rank (m log m) or walk the full order
	// until enough matches are seen (about to·N/m steps): whichever is less.
	n := len(s.order)
	walk := (to*n)/len(m) + n/64
	if len(m)*(bits.Len(uint(len(m)))+1) < walk {
		ords := slices.Clone(m)
		slices.SortFunc(ords, func(a, b int32) int { return int(s.rank[a] - s.rank[b]) })
		return ords[from:to]
	}
	b := getBits(len(x.docs))
	defer putBits(b)
	b.addAll(m)
	out := make([]int32, 0, to-from)
	seen := 0
	for _, o := range s.order {
		if !b.has(o) {
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
func (x *Index) and(m []int32, all bool, p *Predicate) ([]int32, bool) {
	pm, pAll := x.eval(p)
	switch {
	case pAll:
		return m, all
	case all:
		return pm, false
	}
	return intersect(m, pm), false
}
