package index

import (
	"math/bits"
	"slices"
	"sync"
)

// Document sets are sorted []int32 of ordinals. A set may alias a posting
// list, so set operations never modify their inputs and return fresh slices
// (or one of their inputs unchanged).

// intersect returns a ∩ b, in a set from sc.
func intersect(sc *scratch, a, b []int32) []int32 {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) == 0 {
		return nil
	}
	out := sc.ints(len(a))
	if len(b) > 16*len(a) {
		// Few against many: binary search, each from where the last ended.
		lo := 0
		for _, v := range a {
			i, found := slices.BinarySearch(b[lo:], v)
			lo += i
			if found {
				out = append(out, v)
			}
			if lo == len(b) {
				break
			}
		}
		return out
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// union returns the union of lists, in a set from sc (or one of lists);
// n bounds the ordinals (len(x.docs)).
func union(sc *scratch, lists [][]int32, n int) []int32 {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	if total < n/32 {
		out := sc.ints(total)
		for _, l := range lists {
			out = append(out, l...)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	b := getBits(n)
	defer putBits(b)
	for _, l := range lists {
		b.addAll(l)
	}
	return b.list(sc.ints(min(total, n)))
}

// A bitset is a set of ordinals, one bit each.
type bitset []uint64

var bitsetPool sync.Pool // of *bitset

// getBits returns an empty bitset for ordinals below n. Return it with
// putBits.
func getBits(n int) *bitset {
	words := (n + 63) / 64
	if p, ok := bitsetPool.Get().(*bitset); ok && cap(*p) >= words {
		*p = (*p)[:words]
		clear(*p)
		return p
	}
	b := make(bitset, words)
	return &b
}

func putBits(b *bitset) { bitsetPool.Put(b) }

func (b bitset) add(v int32)      { b[v>>6] |= 1 << (uint(v) & 63) }
func (b bitset) has(v int32) bool { return b[v>>6]&(1<<(uint(v)&63)) != 0 }
func (b bitset) addAll(l []int32) {
	for _, v := range l {
		b.add(v)
	}
}
func (b bitset) countIn(l []int32) int {
	n := 0
	for _, v := range l {
		if b.has(v) {
			n++
		}
	}
	return n
}

// count returns the number of members.
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// list appends the members of b to dst in ascending order.
func (b bitset) list(dst []int32) []int32 {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			dst = append(dst, int32(i*64+t))
			w &= w - 1
		}
	}
	return dst
}

// filter returns the members of l that are in b, in a set from sc.
func (b bitset) filter(sc *scratch, l []int32) []int32 {
	out := sc.ints(len(l))
	for _, v := range l {
		if b.has(v) {
			out = append(out, v)
		}
	}
	return out
}
