package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPostingList adds and removes ids at random, near and far apart (one-
// to five-byte gaps), and checks the list against a plain set after each.
func TestPostingList(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var l postingList
	var want []int32
	for step := range 8000 {
		var id int32
		switch r.IntN(3) {
		case 0:
			id = r.Int32N(300)
		case 1:
			id = r.Int32N(1 << 20)
		default:
			id = r.Int32N(1<<31 - 1)
		}
		i, found := slices.BinarySearch(want, id)
		if r.IntN(3) == 0 && len(want) > 0 {
			// Remove one that is there, or one that is not.
			if r.IntN(2) == 0 {
				i = r.IntN(len(want))
				id, found = want[i], true
			}
			if got := l.remove(id); got != found {
				t.Fatalf("step %d: remove(%d) = %v, want %v", step, id, got, found)
			}
			if found {
				want = slices.Delete(want, i, i+1)
			}
		} else {
			if got := l.add(id); got == found {
				t.Fatalf("step %d: add(%d) = %v, want %v", step, id, got, !found)
			}
			if !found {
				want = slices.Insert(want, i, id)
			}
		}
		got := l.appendTo(nil)
		if !slices.Equal(got, want) || int(l.n) != len(want) || (len(want) > 0 && l.last != want[len(want)-1]) {
			t.Fatalf("step %d: list %v (n %d, last %d), want %v", step, got, l.n, l.last, want)
		}
		if step%97 == 0 {
			m := make([]int32, 0, 64)
			for range 64 {
				m = append(m, r.Int32N(1<<20))
			}
			slices.Sort(m)
			m = slices.Compact(m)
			var inter []int32
			for _, v := range m {
				if _, ok := slices.BinarySearch(want, v); ok {
					inter = append(inter, v)
				}
			}
			if got := l.keepIn(slices.Clone(m)); !slices.Equal(got, inter) && len(got)+len(inter) > 0 {
				t.Fatalf("step %d: keepIn = %v, want %v", step, got, inter)
			}
		}
	}
}
