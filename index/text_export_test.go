package index

import (
	"fmt"
	"slices"
)

// CheckText reports the first way the n-gram index of x differs from the
// pairs it covers: an id listed under a gram its value lacks, a dead or
// unsorted id, or a live value missing from one of its grams' lists.
func CheckText(x *Index) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := 0
	for g, pl := range x.text.grams {
		l := pl.appendTo(nil)
		if len(l) == 0 || int(pl.n) != len(l) || l[len(l)-1] != pl.last ||
			!slices.IsSorted(l) || len(slices.Compact(slices.Clone(l))) != len(l) {
			return fmt.Errorf("gram %06x: list %v (n %d, last %d) empty, unsorted or repeating", g, l, pl.n, pl.last)
		}
		for _, id := range l {
			p := x.pairs.at(id)
			slot := x.textSlotOf(p.key())
			if slot == 0 || !slices.Contains(trigrams(nil, slot, x.lower(p)), g) {
				return fmt.Errorf("gram %06x lists pair %d (%q, key %d) which lacks it", g, id, x.lower(p), p.key())
			}
		}
		n += len(l)
	}
	want := 0
	for id := range int32(x.pairs.len()) {
		p := x.pairs.at(id)
		slot := x.textSlotOf(p.key())
		if slot == 0 || x.lower(p) == "" {
			continue
		}
		for _, g := range trigrams(nil, slot, x.lower(p)) {
			pl := x.text.grams[g]
			if _, found := slices.BinarySearch(pl.appendTo(nil), int32(id)); !found {
				return fmt.Errorf("pair %d (%q) missing from gram %06x", id, x.lower(p), g)
			}
			want++
		}
	}
	if n != want {
		return fmt.Errorf("%d ids listed, %d expected", n, want)
	}
	return nil
}

// FullTextScan is the documents' uids that match term in fields, found by
// scanning every value (grams unset) or through the n-gram index, sorted by
// ordinal.
func FullTextScan(x *Index, term string, fields []string, grams bool) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []string
	for _, o := range x.fullTextBy(nil, term, fields, nil, true, grams) {
		out = append(out, x.docs[o].uid)
	}
	return out
}
