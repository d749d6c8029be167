// Package strarena hands out strings cut from shared 64 KiB blocks: one
// allocation for hundreds of short strings instead of one each, without
// the size-class rounding of small allocations, and one heap object for
// the collector to mark instead of hundreds.
//
// A block stays alive while any of its strings does, so the strings of
// deleted records cost their bytes until their whole block is free: an
// arena suits strings that live as long as the structure holding them
// (the index's values, the catalog graph's refs and uids).
package strarena

import "unsafe"

// Block is the size of the shared blocks; longer strings than Block/8
// get an allocation of their own.
const Block = 64 << 10

// An Arena is not safe for concurrent use. The zero value is ready.
type Arena struct {
	block []byte
	used  int
}

// Alloc returns n bytes to fill before String makes them a string.
func (a *Arena) Alloc(n int) []byte {
	if n > Block/8 {
		return make([]byte, n)
	}
	if a.used+n > len(a.block) {
		a.block, a.used = make([]byte, Block), 0
	}
	b := a.block[a.used : a.used+n : a.used+n]
	a.used += n
	return b
}

// String returns b, from Alloc and filled, as a string without a copy;
// b must not change afterwards.
func String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Clone returns a copy of s from the arena.
func (a *Arena) Clone(s string) string {
	if s == "" {
		return ""
	}
	b := a.Alloc(len(s))
	copy(b, s)
	return String(b)
}

// CloneBytes returns b as a string from the arena.
func (a *Arena) CloneBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := a.Alloc(len(b))
	copy(s, b)
	return String(s)
}

// Concat returns s+t from the arena.
func (a *Arena) Concat(s, t string) string {
	if len(s)+len(t) == 0 {
		return ""
	}
	b := a.Alloc(len(s) + len(t))
	copy(b[copy(b, s):], t)
	return String(b)
}
