package index

import (
	"strings"
	"sync"
)

// A matchCache holds the documents of recent filters until the next
// write, as sortCache holds orders. A catalog page sends the same kind and
// type filter on every visit, and at a million entities intersecting its
// posting lists (a million ordinals) was a third of such a query's CPU.
// Readers share x.mu, so the cache has a mutex of its own.
type matchCache struct {
	mu   sync.Mutex
	m    map[string]cachedMatch
	size int // ordinals held
}

type cachedMatch struct {
	gen  uint64
	m    []int32 // read-only: queries alias it
	bits bitset  // m as a set, read-only: a page walks an order through it
}

const (
	// minCachedMatch is the smallest match worth keeping: smaller ones
	// cost little to compute again.
	minCachedMatch = 4096
	// maxCachedOrdinals bounds the cache: 16 MB of ordinals and sets
	// (a set counts as the ordinals its words would hold).
	maxCachedOrdinals = 4 << 20
)

// filterKey is f as a cache key: keys and values lowercased, in order.
func filterKey(f Filter) string {
	var b strings.Builder
	for _, set := range f {
		b.WriteByte(0)
		for _, c := range set {
			b.WriteByte(1)
			b.WriteString(strings.ToLower(strings.TrimSpace(c.Key)))
			if c.Values == nil {
				b.WriteByte(2)
			}
			for _, v := range c.Values {
				b.WriteByte(3)
				b.WriteString(strings.ToLower(v))
			}
		}
	}
	return b.String()
}

// matchCached is match, from the cache when f was matched at this write
// generation, with the match as a set when the match is cached (nil
// otherwise). What it returns may be shared: callers only read it. Call
// with x.mu held (for reading at least).
func (x *Index) matchCached(sc *scratch, f Filter) (m []int32, bits bitset, all bool) {
	if len(f) == 0 {
		return nil, nil, true
	}
	key := filterKey(f)
	c := &x.matches
	c.mu.Lock()
	hit, ok := c.m[key]
	c.mu.Unlock()
	if ok && hit.gen == x.gen {
		return hit.m, hit.bits, false
	}
	m, all = x.match(sc, f)
	if all || len(m) < minCachedMatch || len(m) > maxCachedOrdinals {
		return m, nil, all
	}
	// The set saves each page of a large match from setting its bits
	// (a third of a million-entity kind and type query's index time).
	kept := cachedMatch{gen: x.gen, m: append([]int32(nil), m...), bits: make(bitset, (len(x.docs)+63)/64)}
	kept.bits.addAll(kept.m)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.size+kept.size() > maxCachedOrdinals {
		c.m, c.size = map[string]cachedMatch{}, 0
	}
	if old, ok := c.m[key]; ok {
		c.size -= old.size()
	}
	c.m[key] = kept
	c.size += kept.size()
	return kept.m, kept.bits, false
}

// size is what c holds, in ordinals.
func (c cachedMatch) size() int { return len(c.m) + 2*len(c.bits) }
