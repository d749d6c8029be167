package index

import "sync"

// A scratch lends one query the document sets it builds (intersections,
// unions, full-text hits), from buffers kept across queries. At 1,000,000
// entities one kind+type intersection is a megabyte; as garbage at
// hundreds of queries a second it made the collector mark the 2 GB live
// heap every few seconds, half of the query CPU. Sets from a scratch are
// valid until release: Query copies what it returns.
type scratch struct {
	free, used [][]int32
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// maxScratch bounds the buffers a released scratch keeps.
const maxScratch = 8

func getScratch() *scratch { return scratches.Get().(*scratch) }

// ints returns an empty set with room for n ordinals. A nil scratch
// allocates.
func (s *scratch) ints(n int) []int32 {
	if s == nil {
		return make([]int32, 0, n)
	}
	best := -1
	for i, b := range s.free {
		if cap(b) >= n && (best < 0 || cap(b) < cap(s.free[best])) {
			best = i
		}
	}
	var b []int32
	if best >= 0 {
		b = s.free[best][:0]
		s.free[best] = s.free[len(s.free)-1]
		s.free = s.free[:len(s.free)-1]
	} else {
		b = make([]int32, 0, max(n, 1024))
	}
	s.used = append(s.used, b)
	return b
}

// release returns every set lent since getScratch to the pool.
func (s *scratch) release() {
	for _, b := range s.used {
		if len(s.free) < maxScratch {
			s.free = append(s.free, b[:0])
		}
	}
	clear(s.used)
	s.used = s.used[:0]
	scratches.Put(s)
}
