package graph_test

import (
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"callboard"
	"callboard/graph"

	"github.com/google/go-cmp/cmp"
)

var (
	update  = flag.Bool("update", false, "rewrite testdata/*.golden")
	preview = flag.String("preview", "", "write each sample as an HTML page into this directory")
)

// fakeCatalog holds relations in both directions, as processing emits them.
type fakeCatalog struct {
	rels   map[string][]callboard.Relation
	titles map[string]string
	calls  int
}

func newFakeCatalog(triples ...string) *fakeCatalog {
	c := &fakeCatalog{rels: map[string][]callboard.Relation{}, titles: map[string]string{}}
	for _, t := range triples {
		f := strings.Fields(t)
		from, typ, to := f[0], f[1], f[2]
		c.rels[from] = append(c.rels[from], callboard.Relation{Type: typ, TargetRef: to})
		c.rels[to] = append(c.rels[to], callboard.Relation{Type: callboard.RelationInverse[typ], TargetRef: from})
	}
	return c
}

func (c *fakeCatalog) lookup(refs []string) map[string][]callboard.Relation {
	c.calls++
	out := map[string][]callboard.Relation{}
	for _, r := range refs {
		out[r] = c.rels[r]
	}
	return out
}

func (c *fakeCatalog) title(refs []string) map[string]string {
	out := map[string]string{}
	for _, r := range refs {
		if t, ok := c.titles[r]; ok {
			out[r] = t
		}
	}
	return out
}

// demo is the payment-service part of the demo catalog.
func demo() *fakeCatalog {
	c := newFakeCatalog(
		"component:default/payment-service ownedBy group:default/payments-team",
		"component:default/payment-service partOf system:default/payment-system",
		"component:default/payment-service dependsOn resource:default/payment-db",
		"component:default/payment-service dependsOn component:default/order-service",
		"component:default/payment-service dependsOn resource:default/payment-events-topic",
		"component:default/payment-service dependsOn resource:default/payment-redis",
		"component:default/payment-service providesApi api:default/payment-api",
		"component:default/payment-service consumesApi api:default/order-api",
		"component:default/checkout-web dependsOn component:default/payment-service",
		"component:default/checkout-web consumesApi api:default/payment-api",
		"component:default/api-gateway consumesApi api:default/payment-api",
		"component:default/outbox-relay partOf system:default/payment-system",
		"component:default/outbox-relay dependsOn resource:default/payment-db",
		"api:default/payment-api ownedBy group:default/payments-team",
		"api:default/payment-api partOf system:default/payment-system",
		"component:default/order-service providesApi api:default/order-api",
		"system:default/payment-system partOf domain:default/payments",
		"system:default/payment-system ownedBy group:default/payments-team",
		"group:default/payments-team childOf group:default/engineering",
		"user:default/li.wei memberOf group:default/payments-team",
	)
	c.titles["component:default/payment-service"] = "支付服务"
	c.titles["api:default/payment-api"] = "支付 API"
	c.titles["group:default/payments-team"] = "Payments team 支付团队"
	return c
}

func TestNeighbourhoodBatches(t *testing.T) {
	c := demo()
	nodes, edges := graph.Neighbourhood("Component:default/Payment-Service", 2, c.lookup, c.title)
	if c.calls != 2 {
		t.Errorf("relation lookups = %d, want 2 (one per hop)", c.calls)
	}
	var focus []string
	for _, n := range nodes {
		if n.Focus {
			focus = append(focus, n.Ref)
		}
	}
	if want := []string{"component:default/payment-service"}; !slices.Equal(focus, want) {
		t.Errorf("focus = %v, want %v", focus, want)
	}
	seen := map[[2]string]bool{}
	for _, e := range edges {
		k := [2]string{e.From, e.To}
		r := [2]string{e.To, e.From}
		if seen[k] || seen[r] {
			t.Errorf("edge %v drawn twice (inverse pair not merged)", e)
		}
		seen[k] = true
	}
	if got := nodes[0]; got.URL != "/catalog/default/api/order-api" {
		t.Errorf("nodes[0].URL = %q, want /catalog/default/api/order-api", got.URL)
	}
}

func TestNeighbourhoodDepthZero(t *testing.T) {
	c := demo()
	nodes, edges := graph.Neighbourhood("component:default/payment-service", 0, c.lookup, nil)
	if len(nodes) != 1 || len(edges) != 0 || c.calls != 0 {
		t.Errorf("got %d nodes, %d edges, %d calls; want 1, 0, 0", len(nodes), len(edges), c.calls)
	}
}

func TestCanonical(t *testing.T) {
	a := graph.Canonical(graph.Edge{From: "a", To: "b", Label: "ownedBy"})
	b := graph.Canonical(graph.Edge{From: "b", To: "a", Label: "ownerOf"})
	if a != b {
		t.Errorf("Canonical(ownedBy) = %v, Canonical(ownerOf) = %v; want equal", a, b)
	}
	if diff := cmp.Diff(graph.Edge{From: "b", To: "a", Label: "ownerOf"}, a); diff != "" {
		t.Errorf("Canonical(ownedBy) (-want +got):\n%s", diff)
	}
}

type sample struct {
	name  string
	nodes []graph.Node
	edges []graph.Edge
	opts  graph.Options
}

func samples() []sample {
	c := demo()
	n1, e1 := graph.Neighbourhood("component:default/payment-service", 1, c.lookup, c.title)
	n2, e2 := graph.Neighbourhood("component:default/payment-service", 2, c.lookup, c.title)
	// A team owning many components: the cap folds the rest.
	var big []string
	for i := range 80 {
		big = append(big, fmt.Sprintf("component:default/svc-%02d ownedBy group:default/platform", i))
		if i%3 == 0 {
			big = append(big, fmt.Sprintf("component:default/svc-%02d dependsOn resource:default/db-%d", i, i%4))
		}
	}
	cb := newFakeCatalog(big...)
	n3, e3 := graph.Neighbourhood("group:default/platform", 2, cb.lookup, cb.title)
	cyc := []graph.Node{
		{Ref: "component:default/a", Kind: "component", Name: "a", URL: "/a", Focus: true},
		{Ref: "component:default/b", Kind: "component", Name: "b", URL: "/b"},
		{Ref: "component:default/c", Kind: "component", Name: "c", URL: "/c"},
	}
	cycE := []graph.Edge{
		{From: "component:default/a", To: "component:default/b", Label: "dependsOn"},
		{From: "component:default/b", To: "component:default/c", Label: "dependsOn"},
		{From: "component:default/c", To: "component:default/a", Label: "dependsOn"},
		{From: "component:default/a", To: "component:default/b", Label: "dependsOn"},
		{From: "component:default/b", To: "component:default/a", Label: "dependencyOf"},
	}
	return []sample{
		{"depth1", n1, e1, graph.Options{}},
		{"depth2", n2, e2, graph.Options{}},
		{"collapsed", n3, e3, graph.Options{MaxNodes: 30}},
		{"cycle", cyc, cycE, graph.Options{Width: 600}},
		{"empty", nil, nil, graph.Options{}},
	}
}

func TestRenderGolden(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			got := string(graph.Render(s.nodes, s.edges, s.opts))
			// The output does not depend on the input order.
			rn, re := slices.Clone(s.nodes), slices.Clone(s.edges)
			slices.Reverse(rn)
			slices.Reverse(re)
			if again := string(graph.Render(rn, re, s.opts)); again != got {
				t.Errorf("Render of reversed input differs")
			}
			checkSVG(t, got, s.nodes)
			golden(t, filepath.Join("testdata", s.name+".golden"), got)
			writePreview(t, s.name, got)
		})
	}
}

func TestRenderCollapses(t *testing.T) {
	s := samples()[2]
	got := string(graph.Render(s.nodes, s.edges, s.opts))
	if n := strings.Count(got, `<a class="node`); n > 30 {
		t.Errorf("drew %d nodes, want at most MaxNodes = 30", n)
	}
	if !strings.Contains(got, " more</text>") {
		t.Errorf("no \"+N more\" node in collapsed graph")
	}
}

func TestRenderInverseEdgesOnce(t *testing.T) {
	nodes := []graph.Node{{Ref: "a", Name: "a"}, {Ref: "b", Name: "b"}}
	edges := []graph.Edge{{From: "a", To: "b", Label: "ownedBy"}, {From: "b", To: "a", Label: "ownerOf"}}
	got := string(graph.Render(nodes, edges, graph.Options{}))
	if n := strings.Count(got, "<path d="); n != 1 {
		t.Errorf("drew %d edges for an inverse pair, want 1", n)
	}
}

func TestRenderEscapes(t *testing.T) {
	evil := `<script>alert("x")</script>'&`
	nodes := []graph.Node{
		{Ref: "component:default/" + evil, Kind: `comp"onent`, Name: evil, Title: evil, URL: "javascript:alert(1)", Focus: true},
		{Ref: "api:default/x", Kind: "api", Name: "x\x00\x1b", URL: `/catalog/"><script>`},
	}
	edges := []graph.Edge{{From: nodes[0].Ref, To: "api:default/x", Label: evil}}
	got := string(graph.Render(nodes, edges, graph.Options{Title: evil}))
	for _, bad := range []string{"<script", "javascript:", `"x"`, "\x00", "\x1b"} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q unescaped:\n%s", bad, got)
		}
	}
	checkSVG(t, got, nodes)
}

// checkSVG parses the SVG as XML and checks that there is a title and that
// every node is a link with an href.
func checkSVG(t *testing.T, svg string, nodes []graph.Node) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	links, titles := 0, 0
	var role string
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG is not well-formed XML: %v", err)
			}
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "svg":
			for _, a := range se.Attr {
				if a.Name.Local == "role" {
					role = a.Value
				}
			}
		case "title":
			titles++
		case "a":
			href := ""
			for _, a := range se.Attr {
				if a.Name.Local == "href" {
					href = a.Value
				}
			}
			if href == "" {
				t.Errorf("node link without href")
			}
			links++
		}
	}
	// A group, not an img: an img's children are hidden from assistive
	// technology, and the nodes are links to reach by keyboard.
	if role != "group" {
		t.Errorf(`svg role = %q, want "group"`, role)
	}
	if titles == 0 {
		t.Errorf("svg has no <title>")
	}
	if len(nodes) <= graph.DefaultMaxNodes && links < len(nodes) {
		t.Errorf("links = %d, want one per node (%d)", links, len(nodes))
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graph -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func writePreview(t *testing.T, name, svg string) {
	t.Helper()
	if *preview == "" {
		return
	}
	page := `<!doctype html><meta charset="utf-8"><meta name="color-scheme" content="light dark"><body style="margin:16px;font-family:system-ui">` + svg
	if err := os.WriteFile(filepath.Join(*preview, name+".html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRenderSixtyNodesNoOverlap draws a dense 60-node graph and checks that
// no two node boxes overlap and that every label is clear of the others.
func TestRenderSixtyNodesNoOverlap(t *testing.T) {
	var nodes []graph.Node
	kinds := []string{"component", "api", "resource", "system", "group"}
	for i := range 60 {
		k := kinds[i%len(kinds)]
		nodes = append(nodes, graph.Node{Ref: fmt.Sprintf("%s:default/n%02d", k, i), Kind: k, Name: fmt.Sprintf("node-%02d", i), URL: "/x", Focus: i == 0})
	}
	var edges []graph.Edge
	for i := range 60 {
		for _, d := range []int{1, 7, 13} {
			if j := (i*31 + d*17) % 60; j != i {
				edges = append(edges, graph.Edge{From: nodes[i].Ref, To: nodes[j].Ref, Label: "dependsOn"})
			}
		}
	}
	svg := string(graph.Render(nodes, edges, graph.Options{}))
	checkSVG(t, svg, nodes)
	writePreview(t, "sixty", svg)
	type box struct{ x, y, w, h float64 }
	var boxes []box
	for _, m := range regexp.MustCompile(`<rect class="box" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"`).FindAllStringSubmatch(svg, -1) {
		var b box
		fmt.Sscan(m[1]+" "+m[2]+" "+m[3]+" "+m[4], &b.x, &b.y, &b.w, &b.h)
		boxes = append(boxes, b)
	}
	if len(boxes) != 60 {
		t.Fatalf("found %d node boxes, want 60", len(boxes))
	}
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
				t.Errorf("nodes overlap: %+v and %+v", a, b)
			}
		}
	}
}
