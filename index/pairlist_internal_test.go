package index

import "testing"

// TestPairListAcrossBlocks: ids stay put across block boundaries.
func TestPairListAcrossBlocks(t *testing.T) {
	var l pairList
	const n = 3*pairBlock + 17
	for i := range n {
		if id := l.add(pair{off: uint32(i)}); id != int32(i) {
			t.Fatalf("add %d returned id %d", i, id)
		}
	}
	if l.len() != n || len(l.blocks) != 4 {
		t.Fatalf("len %d, %d blocks", l.len(), len(l.blocks))
	}
	for i := range int32(n) {
		if p := l.at(i); p.off != uint32(i) {
			t.Fatalf("at(%d).off = %d", i, p.off)
		}
	}
	if m := makePairList(n); m.len() != n || len(m.blocks) != 4 {
		t.Fatalf("makePairList: len %d, %d blocks", m.len(), len(m.blocks))
	}
	if m := makePairList(2 * pairBlock); len(m.blocks) != 2 {
		t.Fatalf("makePairList of two full blocks: %d blocks", len(m.blocks))
	}
}
