package index

import (
	"math"
	"unsafe"

	"callboard/internal/varcodec"
)

// A valueArena holds the pairs' values in 64 KiB blocks, addressed by a
// 32-bit offset (block<<16 | position), so that a pair holds no pointer
// and the collector never scans x.pairs. Blocks are only appended to and
// never freed: like a strarena.Arena's, the values of dead pairs cost their
// bytes. A value longer than a block (never, for the index's values of at
// most 200 UTF-16 units) gets a block of its own.
type valueArena struct {
	blocks [][]byte
}

const valueBlock = 1 << 16

// reserve returns the offset of n new bytes and the bytes, to fill.
func (a *valueArena) reserve(n int) (uint32, []byte) {
	last := len(a.blocks) - 1
	if last < 0 || n > valueBlock-len(a.blocks[last]) {
		a.blocks = append(a.blocks, make([]byte, 0, max(valueBlock, n)))
		last++
		if n > valueBlock {
			// A block of its own: position 0, and the next value starts
			// a new block (this one counts as full).
			b := a.blocks[last][:n]
			a.blocks[last] = b
			a.blocks = append(a.blocks, make([]byte, 0, valueBlock))
			return uint32(last) << 16, b
		}
	}
	b := a.blocks[last]
	pos := len(b)
	a.blocks[last] = b[:pos+n]
	return uint32(last)<<16 | uint32(pos), b[pos : pos+n : pos+n]
}

// add stores s+t and returns its offset and length.
func (a *valueArena) add(s, t string) (uint32, uint32) {
	n := len(s) + len(t)
	if n == 0 {
		return 0, 0
	}
	off, b := a.reserve(n)
	copy(b[copy(b, s):], t)
	return off, uint32(n)
}

// read stores a string of d and returns its offset and length.
func (a *valueArena) read(d *varcodec.Decoder) (uint32, uint32) {
	n := d.Count(math.MaxInt32)
	if d.Err != nil || n == 0 {
		return 0, 0
	}
	off, b := a.reserve(n)
	d.Read(b)
	return off, uint32(n)
}

// str returns the n bytes at off as a string, without a copy.
func (a *valueArena) str(off, n uint32) string {
	if n == 0 {
		return ""
	}
	b := a.blocks[off>>16]
	return unsafe.String(&b[off&0xffff], n)
}

// first returns the first of the n bytes at off, 0 when n is 0: resolve
// reads it to bring the value into the cache.
func (a *valueArena) first(off, n uint32) byte {
	if n == 0 {
		return 0
	}
	return a.blocks[off>>16][off&0xffff]
}

// A rowArena hands out documents' row lists cut from shared blocks; the
// snapshot's restore uses it. (Not Put: a first ingest puts most documents
// again once their relations are known, which left the first lists dead
// in pinned blocks: 11.4 MB of blocks at 100k against 9.5 MB of lists.)
type rowArena struct {
	block []int32
}

func (a *rowArena) take(n int) []int32 {
	if n > 4096 {
		return make([]int32, n)
	}
	if n > len(a.block) {
		a.block = make([]int32, 64<<10)
	}
	s := a.block[:n:n]
	a.block = a.block[n:]
	return s
}
