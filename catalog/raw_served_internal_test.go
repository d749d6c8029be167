package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestAppendServed serves bodies into small arenas that grow, with
// relations of every length, and without relations, and checks each object
// is intact after all are written.
func TestAppendServed(t *testing.T) {
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
		for _, relations := range []bool{true, false} {
			arena := make([]byte, 0, size)
			var starts []int
			var want []string
			for i := range 30 {
				ref := fmt.Sprintf("component:default/c%d", i)
				body := []byte(fmt.Sprintf(`{"kind":"Component","metadata":{"name":"c%d"}} `, i))
				if i%5 == 0 {
					body, ref = []byte(`{}`), "component:default/alone" // no relations
				}
				id := g.id(ref)
				starts = append(starts, len(arena))
				arena = s.appendServed(arena, body, id, relations)
				rels, _ := json.Marshal(g.relations(ref))
				if string(rels) == "null" {
					rels = []byte("[]")
				}
				w := string(body[:len(body)-2]) + `,"relations":` + string(rels) + "}"
				switch {
				case !relations:
					w = strings.TrimSpace(string(body))
				case i%5 == 0:
					w = `{"relations":[]}`
				}
				want = append(want, w)
			}
			starts = append(starts, len(arena))
			for i := range want {
				if got := arena[starts[i]:starts[i+1]]; string(got) != want[i] {
					t.Errorf("arena %d, relations %v, entity %d: %s, want %s", size, relations, i, got, want[i])
				}
			}
		}
	}
}
