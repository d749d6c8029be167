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
	gen uint64
	m   []int32 // read-only: queries alias it
}

const (
	// minCachedMatch is the smallest match worth keeping: smaller ones
	// cost little to compute again.
	minCachedMatch = 4096
	// maxCachedOrdinals bounds the cache: 16 MB of ordinals.
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
// generation. The set it returns may be shared: callers only read it.
// Call with x.mu held (for reading at least).
func (x *Index) matchCached(sc *scratch, f Filter) (m []int32, all bool) {
	if len(f) == 0 {
		return nil, true
	}
	key := filterKey(f)
	c := &x.matches
	c.mu.Lock()
	hit, ok := c.m[key]
	c.mu.Unlock()
	if ok && hit.gen == x.gen {
		return hit.m, false
	}
	m, all = x.match(sc, f)
	if all || len(m) < minCachedMatch || len(m) > maxCachedOrdinals {
		return m, all
	}
	kept := append([]int32(nil), m...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.size+len(kept) > maxCachedOrdinals {
		c.m, c.size = map[string]cachedMatch{}, 0
	}
	if old, ok := c.m[key]; ok {
		c.size -= len(old.m)
	}
	c.m[key] = cachedMatch{gen: x.gen, m: kept}
	c.size += len(kept)
	return kept, false
}
