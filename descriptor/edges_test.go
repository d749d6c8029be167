package descriptor_test

import (
	"fmt"
	"strings"
	"testing"

	"callboard/descriptor"
)

// Duplicate references emit one edge each way, in the order of first
// appearance, for short lists and for lists long enough to be hashed.
func TestEdgesDropsDuplicates(t *testing.T) {
	for _, n := range []int{3, 40} {
		var children []string
		for i := range n {
			children = append(children, fmt.Sprintf("g%d", i))
		}
		children = append(children, "g0", "group:default/g1", "g0")
		src := "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: parent}\nspec:\n  type: team\n  children: [" + strings.Join(children, ", ") + "]\n"
		docs, ps := descriptor.Parse("g.yaml", []byte(src))
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		e, ps := descriptor.Validate(docs[0])
		if e == nil {
			t.Fatal(ps)
		}
		edges, ps := descriptor.Edges(e)
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		if len(edges) != 2*n {
			t.Fatalf("n=%d: %d edges, want %d: %v", n, len(edges), 2*n, edges)
		}
		for i := range n {
			want := fmt.Sprintf("group:default/g%d", i)
			if edges[2*i].Target != want || edges[2*i+1].Source != want {
				t.Errorf("n=%d: edges %d and %d are %v %v, want to and from %s", n, 2*i, 2*i+1, edges[2*i], edges[2*i+1], want)
			}
		}
	}
}
