package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// TestAppendRelationsJSON checks that the hand-written relations array is
// json.Marshal(relations) byte for byte: order, repeats dropped, escaping.
func TestAppendRelationsJSON(t *testing.T) {
	g := newGraph()
	src := g.id("component:default/a")
	targets := []string{
		"group:default/team-b", "group:default/team-a", "component:default/x<y>&z", "user:default/\"q\\",
		"component:default/支付", "resource:default/tab\there", "api:default/\xff", "component:default/a-" + fmt.Sprint(40),
	}
	types := []string{"ownedBy", "dependsOn", "partOf", "ownedBy"} // a repeated type
	var old []cedge
	for i := range 40 {
		old = append(old, cedge{src: src, typ: g.typeID(types[i%len(types)]), dst: g.id(targets[(i*7)%len(targets)])})
	}
	for i := range 20 { // types added out of order
		old = append(old, cedge{src: src, typ: g.typeID(fmt.Sprintf("z%02d", 19-i)), dst: g.id(targets[i%3])})
	}
	g.setEdges(src, nil, old)
	// The same relation emitted by its target (as an inverse): one entry.
	teamA := g.id("group:default/team-a")
	g.setEdges(teamA, nil, []cedge{{src: src, typ: g.typeID("ownedBy"), dst: teamA}})

	g.setEdges(src, old, old[10:30]) // replace: removes and re-adds
	if !slices.IsSortedFunc(g.out[src], g.compareRel) {
		t.Errorf("setEdges left the relations of %s out of order", "component:default/a")
	}
	checkRelationsJSON(t, g)

	// Edges from an originator that is neither end take the general path.
	g.setEdges(g.id("location:default/m"), nil, old[:5])
	checkRelationsJSON(t, g)
}

func checkRelationsJSON(t *testing.T, g *graph) {
	t.Helper()
	for _, ref := range []string{"component:default/a", "group:default/team-a", "component:default/none"} {
		want, err := json.Marshal(g.relations(ref))
		if err != nil {
			t.Fatal(err)
		}
		id, known := g.ids[ref]
		got := []byte("[]")
		if known {
			got = g.appendRelationsJSON(nil, id)
		}
		if string(got) != string(want) {
			t.Errorf("%s: appendRelationsJSON =\n%s\nwant\n%s", ref, got, want)
		}
	}
}

// BenchmarkAppendRelationsJSON writes the relations of a team owning 1,000
// components, as a list response serving the team does.
func BenchmarkAppendRelationsJSON(b *testing.B) {
	g := newGraph()
	team := g.id("group:default/team-payments-platform")
	var edges []cedge
	for i := range 1000 {
		c := g.id(fmt.Sprintf("component:default/lib-%05d-payouts", i))
		edges = append(edges, cedge{src: team, typ: g.typeID("ownerOf"), dst: c}, cedge{src: c, typ: g.typeID("ownedBy"), dst: team})
	}
	g.setEdges(team, nil, edges)
	var dst []byte
	for b.Loop() {
		dst = g.appendRelationsJSON(dst[:0], team)
	}
	b.SetBytes(int64(len(dst)))
}
