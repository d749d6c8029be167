// Package graph draws an entity's relations as a layered, left-to-right SVG
// that needs no JavaScript: every node is a link, every edge is labelled with
// its relation type, and the focused entity sits between what points at it
// (owners, providers, dependents) and what it points at (dependencies,
// consumed APIs, the system it is part of).
//
// The output is styled with CSS classes ("node kind-component", "edge",
// "focus") whose colours come from the page's CSS variables when it defines
// them (--cb-kind-<kind>, --cb-surface, --cb-text, --cb-muted, --cb-graph-edge,
// --cb-accent, --cb-accent-soft), with light and dark defaults built in.
//
// The layout is the classic Sugiyama pipeline in a few lines each: cycles
// broken by DFS, longest-path layering, dummy nodes on long edges,
// barycentric ordering to reduce crossings, and isotonic (pool adjacent
// violators) vertical placement so edges run as straight as order allows.
package graph

import (
	"html/template"
	"sort"
	"strconv"
	"strings"

	"callboard"
)

// Node is one entity in the graph.
type Node struct {
	Ref   string // canonical "kind:namespace/name"
	Kind  string // shown as a small label, and picks the colour (kind-<kind>)
	Name  string // shown as the node's text
	Title string // shown below the name when set and different
	URL   string // link target, e.g. /catalog/default/component/x
	Focus bool   // the entity the graph is about; highlighted
}

// Edge is one relation between two nodes of the graph, by ref. Label is the
// relation type (dependsOn, ownedBy, providesApi...). Render turns each
// inverse pair (ownedBy/ownerOf...) into one edge in a canonical direction.
type Edge struct {
	From, To string
	Label    string
}

// Options tunes Render. The zero value is ready to use.
type Options struct {
	// MaxNodes caps the number of nodes drawn (default 60). The nodes
	// farthest from the focus are folded into "+N more" nodes.
	MaxNodes int
	// Width sets the SVG's width attribute in pixels; the height follows the
	// aspect ratio. Zero means the drawing's natural size. Either way the SVG
	// shrinks to fit its container (max-width:100%).
	Width int
	// Title is the accessible name of the image; the default names the focus.
	Title string
}

// DefaultMaxNodes is the node cap when Options.MaxNodes is zero.
const DefaultMaxNodes = 60

// forward lists the direction kept for each inverse pair: the edge points
// from the owner, provider, dependent, consumer, member or child side (left)
// towards what is owned, provided, depended on or contained (right).
var forward = map[string]bool{
	callboard.RelationOwnerOf:     true,
	callboard.RelationProvidesAPI: true,
	callboard.RelationConsumesAPI: true,
	callboard.RelationDependsOn:   true,
	callboard.RelationPartOf:      true,
	callboard.RelationMemberOf:    true,
	callboard.RelationChildOf:     true,
}

// Canonical returns e in the direction Render draws it: a relation whose
// inverse is the drawn one (ownedBy, apiProvidedBy, dependencyOf...) is
// flipped, so "a ownedBy b" and "b ownerOf a" give the same edge.
func Canonical(e Edge) Edge {
	if inv, ok := callboard.RelationInverse[e.Label]; ok && !forward[e.Label] && forward[inv] {
		return Edge{From: e.To, To: e.From, Label: inv}
	}
	return e
}

// Render lays out nodes and edges and returns a self-contained SVG element.
// Edges whose ends are not among nodes, self-loops and duplicates (including
// inverse pairs) are dropped. The output depends only on the input set, not
// its order, and every string from the input is escaped.
func Render(nodes []Node, edges []Edge, opts Options) template.HTML {
	if opts.MaxNodes <= 0 {
		opts.MaxNodes = DefaultMaxNodes
	}
	nodes, edges = clean(nodes, edges)
	nodes, edges = collapse(nodes, edges, opts.MaxNodes)
	l := newLayout(nodes, edges)
	return template.HTML(l.svg(opts)) //nolint:gosec // every input string is escaped by svg
}

// clean sorts and dedupes nodes by ref, canonicalises and dedupes edges and
// drops edges that do not join two distinct known nodes.
func clean(nodes []Node, edges []Edge) ([]Node, []Edge) {
	ns := make([]Node, 0, len(nodes))
	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		if n.Ref == "" || seen[n.Ref] {
			continue
		}
		seen[n.Ref] = true
		ns = append(ns, n)
	}
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].Ref < ns[j].Ref })
	es := make([]Edge, 0, len(edges))
	have := make(map[Edge]bool, len(edges))
	for _, e := range edges {
		e = Canonical(e)
		if e.From == e.To || !seen[e.From] || !seen[e.To] || have[e] {
			continue
		}
		have[e] = true
		es = append(es, e)
	}
	sortEdges(es)
	return ns, es
}

func sortEdges(es []Edge) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Label < b.Label
	})
}

// collapse keeps at most max nodes: the focus and those nearest to it (by
// hops, ignoring direction). Each dropped node is counted into a "+N more"
// node hanging off the kept node it was reached from, by relation and side.
func collapse(nodes []Node, edges []Edge, max int) ([]Node, []Edge) {
	if len(nodes) <= max {
		return nodes, edges
	}
	idx := make(map[string]int, len(nodes))
	for i, n := range nodes {
		idx[n.Ref] = i
	}
	type hop struct {
		to    int
		label string
		out   bool // the edge points away from the node we came from
	}
	adj := make([][]hop, len(nodes))
	for _, e := range edges {
		f, t := idx[e.From], idx[e.To]
		adj[f] = append(adj[f], hop{t, e.Label, true})
		adj[t] = append(adj[t], hop{f, e.Label, false})
	}
	// Breadth-first from the focus nodes (or the first node), then from any
	// node not yet reached, so disconnected parts are ordered too.
	order := make([]int, 0, len(nodes))
	via := make([]hop, len(nodes)) // how each node was reached; to = parent
	reached := make([]bool, len(nodes))
	visit := func(starts []int) {
		q := starts
		for _, s := range starts {
			reached[s] = true
			via[s] = hop{to: -1}
		}
		for len(q) > 0 {
			v := q[0]
			q = q[1:]
			order = append(order, v)
			for _, h := range adj[v] {
				if !reached[h.to] {
					reached[h.to] = true
					via[h.to] = hop{v, h.label, h.out}
					q = append(q, h.to)
				}
			}
		}
	}
	var focus []int
	for i, n := range nodes {
		if n.Focus {
			focus = append(focus, i)
		}
	}
	visit(focus)
	for i := range nodes {
		if !reached[i] {
			visit([]int{i})
		}
	}
	type group struct {
		parent int
		label  string
		out    bool
	}
	keep := max
	var groups map[group][]int
	for {
		kept := make([]bool, len(nodes))
		for _, v := range order[:keep] {
			kept[v] = true
		}
		groups = map[group][]int{}
		for _, v := range order[keep:] {
			// Climb to the nearest kept ancestor; a node with none (another
			// component of the graph) hangs off the first node.
			h, p := via[v], v
			for p >= 0 && !kept[p] {
				h, p = via[p], via[p].to
			}
			if p < 0 {
				h = hop{to: order[0]}
			}
			g := group{h.to, h.label, h.out}
			groups[g] = append(groups[g], v)
		}
		if keep+len(groups) <= max || keep <= 1 {
			break
		}
		keep--
	}
	out := make([]Node, 0, max)
	for _, v := range order[:keep] {
		out = append(out, nodes[v])
	}
	// A "+1 more" node would take the place of the node itself: show it.
	for g, members := range groups {
		if len(members) == 1 {
			out = append(out, nodes[members[0]])
			delete(groups, g)
		}
	}
	var es []Edge
	kept := make(map[string]bool, len(out))
	for _, n := range out {
		kept[n.Ref] = true
	}
	for _, e := range edges {
		if kept[e.From] && kept[e.To] {
			es = append(es, e)
		}
	}
	for g, members := range groups {
		parent := nodes[g.parent]
		kind := nodes[members[0]].Kind
		for _, m := range members {
			if nodes[m].Kind != kind {
				kind = "entities"
			}
		}
		side := "in"
		if g.out {
			side = "out"
		}
		ref := "more:" + parent.Ref + ":" + g.label + ":" + side
		out = append(out, Node{Ref: ref, Kind: kind, Name: "+" + strconv.Itoa(len(members)) + " more", URL: parent.URL})
		e := Edge{From: parent.Ref, To: ref, Label: g.label}
		if !g.out {
			e.From, e.To = ref, parent.Ref
		}
		if g.label == "" {
			e.Label = "related"
		}
		es = append(es, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	sortEdges(es)
	return out, es
}

func isMore(n *Node) bool { return strings.HasPrefix(n.Ref, "more:") }
