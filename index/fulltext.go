package index

import (
	"runtime"
	"slices"
	"strings"
	"sync"
)

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
func (x *Index) fullText(sc *scratch, term string, fields []string, m []int32, all bool) []int32 {
	return x.fullTextBy(sc, term, fields, m, all, true)
}

// fullTextBy is fullText; with grams unset it scans the values of every
// field instead of asking the n-gram index (tests compare the two).
func (x *Index) fullTextBy(sc *scratch, term string, fields []string, m []int32, all, grams bool) []int32 {
	var keys, scanKeys []int32
	var cands [][]int32 // per text key: pairs that may hold term
	cost, scan := 0, 0  // candidates to check; pairs to scan
	for _, f := range fields {
		k, ok := x.lookupKey(f)
		if !ok || slices.Contains(keys, k) {
			continue
		}
		keys = append(keys, k)
		if slot := x.textSlotOf(k); grams && slot != 0 && len(term) >= 2 {
			c := x.textCandidates(sc, slot, term)
			cands = append(cands, c)
			cost += len(c)
		} else {
			scanKeys = append(scanKeys, k)
			scan += len(x.keys[k].pairs)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	hitIn := func(keys []int32, id int32) bool {
		p := x.pairs.at(id)
		k := p.key()
		return k >= 0 && slices.Contains(keys, k) && x.keys[k].null != id && strings.Contains(x.lower(p), term)
	}
	if !all && len(m)*16 < cost+scan {
		// Few documents: test their own rows rather than every value.
		out := sc.ints(len(m))
		for _, o := range m {
			if slices.ContainsFunc(x.docs[o].rows, func(id int32) bool { return hitIn(keys, id) }) {
				out = append(out, o)
			}
		}
		return out
	}
	b := getBits(len(x.docs))
	defer putBits(b)
	var one [1]int32
	// The text index lists only live, non-null pairs of its key, so a
	// candidate needs only its value checked; and for a term of two or
	// three bytes without a zero byte, having its trigram is containing
	// it (see textIndex).
	exact := len(term) <= 3 && strings.IndexByte(term, 0) < 0
	for _, c := range cands {
		if !exact {
			c = x.textHits(c, term)
		}
		for _, id := range c {
			b.addAll(x.docsOf(id, &one))
		}
	}
	if scan*4 > x.pairs.len() {
		// Walking all pairs in id order reads memory mostly in sequence
		// (pairs and their strings were allocated together), which beats
		// the random access of following the keys' lists. Large scans
		// are split over the CPUs; each part only reads the index.
		parts := min(runtime.GOMAXPROCS(0), 1+x.pairs.len()/(64<<10), 8)
		hits := make([][]int32, parts)
		var wg sync.WaitGroup
		for i := range parts {
			lo, hi := x.pairs.len()*i/parts, x.pairs.len()*(i+1)/parts
			wg.Go(func() {
				for id := lo; id < hi; id++ {
					if hitIn(scanKeys, int32(id)) {
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
		for _, k := range scanKeys {
			for _, id := range x.keys[k].pairs {
				if hitIn(scanKeys, id) {
					b.addAll(x.docsOf(id, &one))
				}
			}
		}
	}
	if all {
		return b.list(sc.ints(b.count()))
	}
	return b.filter(sc, m)
}

// textHits returns the candidates whose value contains term, filtering
// cands (which textCandidates lent the query) in place. Long lists (a
// common word in a large catalog) are checked on every CPU, each part in
// its own stretch of cands; each part only reads the index.
func (x *Index) textHits(cands []int32, term string) []int32 {
	check := func(c []int32) int {
		n := 0
		for _, id := range c {
			if strings.Contains(x.lower(x.pairs.at(id)), term) {
				c[n] = id
				n++
			}
		}
		return n
	}
	parts := min(runtime.GOMAXPROCS(0), 1+len(cands)/(16<<10), 8)
	if parts == 1 {
		return cands[:check(cands)]
	}
	hits := make([]int, parts)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Go(func() { hits[i] = check(cands[len(cands)*i/parts : len(cands)*(i+1)/parts]) })
	}
	wg.Wait()
	n := 0
	for i, h := range hits {
		lo := len(cands) * i / parts
		n += copy(cands[n:], cands[lo:lo+h])
	}
	return cands[:n]
}
