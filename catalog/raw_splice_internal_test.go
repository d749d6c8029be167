package catalog

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestSpliceArena serves bodies through small and exhausted arenas,
// including relations longer than splice reserves room for, and checks
// each object is intact after all are written.
func TestSpliceArena(t *testing.T) {
	s := &Service{g: newGraph()}
	g := s.g
	for i := range 30 {
		src := g.id(fmt.Sprintf("component:default/c%d", i))
		var edges []cedge
		for j := range i % 7 {
			edges = append(edges, cedge{src: src, typ: g.typeID("dependsOn"),
				dst: g.id(fmt.Sprintf("component:default/a-very-long-target-name-to-outgrow-the-reserve-%d-%d", i, j))})
		}
		origin := src // as descriptors emit them; every third from elsewhere
		if i%3 == 0 {
			origin = g.id("location:default/l")
		}
		g.setEdges(origin, nil, edges)
	}
	for _, size := range []int{0, 100, 1 << 16} {
		arena := make([]byte, 0, size)
		var got []json.RawMessage
		var want []string
		for i := range 30 {
			ref := fmt.Sprintf("component:default/c%d", i)
			id, known := g.ids[ref]
			body := []byte(fmt.Sprintf(`{"kind":"Component","metadata":{"name":"c%d"}} `, i))
			if i%5 == 0 {
				body, known = []byte(`{}`), false
			}
			var raw json.RawMessage
			raw, arena = s.splice(arena, body, id, known)
			got = append(got, raw)
			rels := []byte("[]")
			if known {
				rels, _ = json.Marshal(g.relations(ref))
			}
			w := string(body[:len(body)-2]) + `,"relations":` + string(rels) + "}"
			if i%5 == 0 {
				w = `{"relations":[]}`
			}
			want = append(want, w)
		}
		for i := range got {
			if string(got[i]) != want[i] {
				t.Errorf("arena %d, entity %d: %s, want %s", size, i, got[i], want[i])
			}
		}
	}
}
