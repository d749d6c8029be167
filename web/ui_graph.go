package web

import (
	"context"
	"html/template"
	"slices"

	"callboard"
	"callboard/graph"
)

// hopCap bounds the relations of one type followed from a neighbour on the
// second hop; the graph folds what is still too much into "+N more" nodes.
const hopCap = 8

// relationGraph draws e's neighbourhood to depth 1 or 2 as SVG. Each hop is
// one batch read of the catalog: the targets of the focus, then the
// targets of those. known holds entities the page has read already (its
// neighbours, nil where missing); they are not read again.
func (s *Server) relationGraph(ctx context.Context, e *callboard.Entity, known map[string]*callboard.Entity, depth, maxNodes, width int) (template.HTML, error) {
	focus := e.Ref().String()
	nodes := map[string]graph.Node{focus: nodeOf(e, true)}
	var edges []graph.Edge
	frontier := []*callboard.Entity{e}
	for hop := 1; hop <= depth; hop++ {
		var refs []string
		perType := relCap
		if hop > 1 {
			perType = hopCap
		}
		for _, x := range frontier {
			from := x.Ref().String()
			count := map[string]int{}
			for _, r := range x.Relations {
				if count[r.Type] >= perType {
					continue
				}
				if _, seen := nodes[r.TargetRef]; !seen && !slices.Contains(refs, r.TargetRef) {
					if hop > 1 && skipSecondHop(r.Type) {
						continue
					}
					refs = append(refs, r.TargetRef)
				}
				count[r.Type]++
				edges = append(edges, graph.Edge{From: from, To: r.TargetRef, Label: r.Type})
			}
		}
		if len(refs) == 0 {
			break
		}
		ents, err := s.entitiesByRefs(ctx, refs, known)
		if err != nil {
			return "", err
		}
		frontier = frontier[:0]
		for i, x := range ents {
			if x == nil {
				r, _ := callboard.ParseRef(refs[i], "component", "")
				nodes[refs[i]] = graph.Node{Ref: refs[i], Kind: r.Kind, Name: shortRef(refs[i], r.Kind), URL: entityURL(refs[i])}
				continue
			}
			nodes[refs[i]] = nodeOf(x, false)
			frontier = append(frontier, x)
		}
	}
	list := make([]graph.Node, 0, len(nodes))
	for _, n := range nodes {
		list = append(list, n)
	}
	title := "Relations of " + shortRef(focus, "")
	return graph.Render(list, edges, graph.Options{MaxNodes: maxNodes, Width: width, Title: title}), nil
}

// entitiesByRefs is the catalog's EntitiesByRefs that takes the entities
// in known (nil for one known to be missing) instead of reading them again.
func (s *Server) entitiesByRefs(ctx context.Context, refs []string, known map[string]*callboard.Entity) ([]*callboard.Entity, error) {
	out := make([]*callboard.Entity, len(refs))
	var read []string
	var at []int
	for i, ref := range refs {
		if x, ok := known[ref]; ok {
			out[i] = x
			continue
		}
		read, at = append(read, ref), append(at, i)
	}
	if len(read) == 0 {
		return out, nil
	}
	ents, err := s.catalog.EntitiesByRefs(ctx, read, nil)
	if err != nil {
		return nil, err
	}
	for j, x := range ents {
		out[at[j]] = x
	}
	return out, nil
}

// skipSecondHop leaves out fan-outs that would swamp a two-hop graph:
// every member of a neighbouring group, everything a neighbour owns.
func skipSecondHop(relType string) bool {
	switch relType {
	case callboard.RelationHasMember, callboard.RelationOwnerOf, callboard.RelationMemberOf:
		return true
	}
	return false
}

func nodeOf(e *callboard.Entity, focus bool) graph.Node {
	ref := e.Ref()
	title := e.Metadata.Title
	if dn := displayName(e); dn != "" && title == "" {
		title = dn
	}
	if title == e.Metadata.Name {
		title = ""
	}
	return graph.Node{Ref: ref.String(), Kind: e.Kind, Name: e.Metadata.Name, Title: title, URL: refURL(ref), Focus: focus}
}
