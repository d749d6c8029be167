package graph

import (
	"net/url"
	"sort"

	"callboard"
)

// Neighbourhood collects the entities within depth hops of focus and the
// relations between them, ready for Render. It calls rels once per hop
// with every ref of that hop's frontier (never once per entity) and titles
// once with every ref found; either may be nil. rels returns, for each ref
// asked, that entity's relations (Backstage's entity.relations); refs it
// omits have none. Inverse pairs collapse into one edge (see Canonical).
// Node URLs are the entity pages, /catalog/{namespace}/{kind}/{name}.
func Neighbourhood(focus string, depth int, rels func(refs []string) map[string][]callboard.Relation, titles func(refs []string) map[string]string) ([]Node, []Edge) {
	focus = canonicalRef(focus)
	seen := map[string]bool{focus: true}
	all := []string{focus}
	var edges []Edge
	have := map[Edge]bool{}
	frontier := []string{focus}
	for d := 0; d < depth && len(frontier) > 0 && rels != nil; d++ {
		got := rels(frontier)
		var next []string
		for _, ref := range frontier {
			for _, r := range got[ref] {
				to := canonicalRef(r.TargetRef)
				e := Canonical(Edge{From: ref, To: to, Label: r.Type})
				if to == ref || have[e] {
					continue
				}
				have[e] = true
				edges = append(edges, e)
				if !seen[to] {
					seen[to] = true
					next = append(next, to)
					all = append(all, to)
				}
			}
		}
		sort.Strings(next)
		frontier = next
	}
	sort.Strings(all)
	var names map[string]string
	if titles != nil {
		names = titles(all)
	}
	nodes := make([]Node, 0, len(all))
	for _, ref := range all {
		nodes = append(nodes, nodeFor(ref, names[ref], ref == focus))
	}
	sortEdges(edges)
	return nodes, edges
}

// canonicalRef lowercases a full ref; anything unparsable is kept as is.
func canonicalRef(ref string) string {
	r, err := callboard.ParseRef(ref, "", "")
	if err != nil {
		return ref
	}
	return r.String()
}

func nodeFor(ref, title string, focus bool) Node {
	n := Node{Ref: ref, Name: ref, Title: title, Focus: focus, URL: "#"}
	if r, err := callboard.ParseRef(ref, "", ""); err == nil {
		n.Kind, n.Name = r.Kind, r.Name
		n.URL = "/catalog/" + url.PathEscape(r.Namespace) + "/" + url.PathEscape(r.Kind) + "/" + url.PathEscape(r.Name)
		if r.Namespace != callboard.DefaultNamespace {
			n.Name = r.Namespace + "/" + r.Name
		}
	}
	return n
}
