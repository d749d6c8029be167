package index

import (
	"slices"
)

// textKeys are the search keys whose values the n-gram index covers: the
// fields that catalog searches look in and that have about one distinct
// value per entity, so that scanning them would cost time in proportion to
// the catalog. Full-text search over other keys scans their values; those
// with few distinct values (tags, owners, types) are cheap to scan.
var textKeys = []string{"metadata.name", "metadata.title", "metadata.description", "spec.profile.displayname"}

// A textIndex maps the byte trigrams of the lowercased values of textKeys to
// the sorted ids of the pairs having them. A value's trigrams are the
// 3-byte windows of the value followed by two zero bytes, so that each
// position of the value starts one: a term of three or more bytes is in a
// value only if all its trigrams are, and a two-byte term only if one of the
// 256 trigrams it begins is. Bytes, not runes, keep Chinese and other
// scripts without word boundaries working (a CJK character is three bytes,
// so one character is one trigram) and agree exactly with strings.Contains.
// Candidates are always checked against the value.
//
// The index is kept up to date as pairs are created and retired
// (Index.newPair, Index.killPair), under the write lock; queries read it
// under the read lock.
type textIndex struct {
	grams   map[uint32]postingList // slot<<24 | trigram -> pair ids
	scratch []uint32               // distinct grams of one value, for add and drop
}

// textSlot returns 1 + the position of key name in textKeys, or 0 when the
// key is not indexed.
func textSlot(name string) uint32 {
	for i, k := range textKeys {
		if k == name {
			return uint32(i + 1)
		}
	}
	return 0
}

// textSlotOf returns the text slot of key id k.
func (x *Index) textSlotOf(k int32) uint32 {
	if k < 0 || int(k) >= len(x.keys) {
		return 0
	}
	return textSlot(x.keys[k].name)
}

// trigrams returns the distinct trigrams of value v (with its two-byte zero
// padding), tagged with slot, in dst.
func trigrams(dst []uint32, slot uint32, v string) []uint32 {
	dst = dst[:0]
	n := len(v)
	at := func(i int) uint32 {
		if i < n {
			return uint32(v[i])
		}
		return 0
	}
	for i := range n {
		dst = append(dst, slot<<24|at(i)<<16|at(i+1)<<8|at(i+2))
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}

// textAdd indexes pair id if its key is a text key. Call with x.mu held for
// writing, after the pair is stored.
func (x *Index) textAdd(id int32) {
	p := x.pairs.at(id)
	slot := x.textSlotOf(p.key())
	if slot == 0 || x.lower(p) == "" {
		return
	}
	t := &x.text
	if t.grams == nil {
		t.grams = map[uint32]postingList{}
	}
	t.scratch = trigrams(t.scratch, slot, x.lower(p))
	for _, g := range t.scratch {
		l := t.grams[g]
		if l.add(id) {
			t.grams[g] = l
		}
	}
}

// textDrop removes pair id from the n-gram index. Call with x.mu held for
// writing, before the pair's value is cleared.
func (x *Index) textDrop(id int32) {
	p := x.pairs.at(id)
	slot := x.textSlotOf(p.key())
	if slot == 0 || x.lower(p) == "" {
		return
	}
	t := &x.text
	t.scratch = trigrams(t.scratch, slot, x.lower(p))
	for _, g := range t.scratch {
		l := t.grams[g]
		switch {
		case !l.remove(id):
		case l.n == 0:
			delete(t.grams, g)
		default:
			t.grams[g] = l
		}
	}
}

// textCandidates returns the pairs of key k (a text key in slot) that may
// contain the lowercased term, which is at least two bytes long; a nil
// result means none can. For a term of three or more bytes it is the
// intersection of the term's trigram lists; for two bytes, the lists of the
// trigrams the term begins, concatenated (an id may repeat).
func (x *Index) textCandidates(sc *scratch, slot uint32, term string) []int32 {
	t := &x.text
	if len(term) == 2 {
		base := slot<<24 | uint32(term[0])<<16 | uint32(term[1])<<8
		var lists [256]postingList
		n := 0
		for c := range uint32(256) {
			if l, ok := t.grams[base|c]; ok {
				lists[c] = l
				n += int(l.n)
			}
		}
		out := sc.ints(n)
		for _, l := range lists {
			out = l.appendTo(out)
		}
		return out
	}
	var buf [32]postingList
	lists := buf[:0]
	var gs [64]uint32
	grams := gs[:0]
	for i := 0; i+3 <= len(term); i++ {
		grams = append(grams, slot<<24|uint32(term[i])<<16|uint32(term[i+1])<<8|uint32(term[i+2]))
	}
	slices.Sort(grams)
	for _, g := range slices.Compact(grams) {
		l, ok := t.grams[g]
		if !ok {
			return nil
		}
		lists = append(lists, l)
	}
	slices.SortFunc(lists, func(a, b postingList) int { return int(a.n - b.n) })
	m := lists[0].appendTo(sc.ints(int(lists[0].n)))
	// Intersect while it pays: checking a candidate against its value
	// costs as much as decoding dozens of ids of a longer list.
	for _, l := range lists[1:] {
		if len(m) < 32 || int(l.n) > 64*len(m) {
			break
		}
		if m = l.keepIn(m); len(m) == 0 {
			return nil
		}
	}
	return m
}
