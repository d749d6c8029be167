package catalog

import (
	"sort"

	"callboard"
)

// graph holds what the catalog knows about every entity besides its body:
// who emitted it, who claims it, and the relation edges. Refs are interned to
// int32 ids so that 100,000 entities and their edges stay small in memory.
// It is not safe for concurrent use; Service guards it.
type graph struct {
	ids   map[string]int32 // canonical ref -> id
	refs  []string         // id -> canonical ref
	types []string         // relation type id -> type
	tids  map[string]int32 // relation type -> id
	nodes map[int32]*node  // only refs that are stored entities
	out   map[int32][]rel  // relations whose source is the key, from any originator, by type then target (sortOut)
	// children is what each Location entity emitted, per file it read
	// ("type:target"); a failed read keeps the previous set of that file.
	children map[int32]map[string][]int32
}

// node is the bookkeeping of one stored entity.
type node struct {
	id          int32
	uid         string
	kind        string // lowercased
	locationKey string
	hash        string
	orphan      bool
	parents     []int32
	edges       []cedge                // as emitted by this entity, for removal on change
	loc         *locSpec               // set for Location entities
	own         []callboard.StatusItem // problems of the entity itself
	locErrs     []callboard.StatusItem // problems reading its targets (Locations)
}

// rel is one relation from the source node keyed in graph.out.
type rel struct {
	typ    int32
	target int32
	origin int32 // the entity whose processing emitted it
}

// cedge is an Edge with interned refs and type: 12 bytes instead of three
// strings, which matters at 100,000 entities with several edges each.
type cedge struct {
	src, typ, dst int32
}

// compact interns edges.
func (g *graph) compact(es []callboard.Edge) []cedge {
	if len(es) == 0 {
		return nil
	}
	out := make([]cedge, len(es))
	for i, e := range es {
		out[i] = cedge{src: g.id(e.Source), typ: g.typeID(e.Type), dst: g.id(e.Target)}
	}
	return out
}

// expand turns interned edges back into Edges.
func (g *graph) expand(cs []cedge) []callboard.Edge {
	if len(cs) == 0 {
		return nil
	}
	out := make([]callboard.Edge, len(cs))
	for i, c := range cs {
		out[i] = callboard.Edge{Source: g.refs[c.src], Type: g.types[c.typ], Target: g.refs[c.dst]}
	}
	return out
}

func (g *graph) typeID(t string) int32 {
	if id, ok := g.tids[t]; ok {
		return id
	}
	id := int32(len(g.types))
	g.types = append(g.types, t)
	g.tids[t] = id
	return id
}

func newGraph() *graph {
	return &graph{ids: map[string]int32{}, tids: map[string]int32{}, nodes: map[int32]*node{}, out: map[int32][]rel{},
		children: map[int32]map[string][]int32{}}
}

// id interns a canonical ref.
func (g *graph) id(ref string) int32 {
	if id, ok := g.ids[ref]; ok {
		return id
	}
	id := int32(len(g.refs))
	g.refs = append(g.refs, ref)
	g.ids[ref] = id
	return id
}

func (g *graph) lookup(ref string) (*node, bool) {
	id, ok := g.ids[ref]
	if !ok {
		return nil, false
	}
	n, ok := g.nodes[id]
	return n, ok
}

// setEdges replaces the edges that origin emitted and returns the ids of
// every source whose relations changed.
func (g *graph) setEdges(origin int32, old, edges []cedge) []int32 {
	touched := map[int32]bool{}
	for _, e := range old {
		src := e.src
		list := g.out[src]
		kept := list[:0]
		for _, r := range list {
			if r.origin != origin {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(g.out, src)
		} else {
			g.out[src] = kept
		}
		touched[src] = true
	}
	for _, e := range edges {
		g.out[e.src] = append(g.out[e.src], rel{typ: e.typ, target: e.dst, origin: origin})
		touched[e.src] = true
	}
	ids := make([]int32, 0, len(touched))
	for id := range touched {
		g.sortOut(id) // served in order without sorting: raw_relations.go
		ids = append(ids, id)
	}
	return ids
}

// relations returns the final relations of ref: every edge with ref as
// source, deduplicated and sorted by type then target, as Backstage does.
func (g *graph) relations(ref string) []callboard.Relation {
	id, ok := g.ids[ref]
	if !ok {
		return []callboard.Relation{}
	}
	list := g.out[id]
	out := make([]callboard.Relation, 0, len(list))
	seen := make(map[rel]bool, len(list))
	for _, r := range list {
		k := rel{typ: r.typ, target: r.target}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, callboard.Relation{Type: g.types[r.typ], TargetRef: g.refs[r.target]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].TargetRef < out[j].TargetRef
	})
	return out
}

// removeParent drops parent from n's parents and reports whether n has
// none left.
func (n *node) removeParent(parent int32) bool {
	kept := n.parents[:0]
	for _, p := range n.parents {
		if p != parent {
			kept = append(kept, p)
		}
	}
	n.parents = kept
	return len(kept) == 0
}

func (n *node) addParent(parent int32) {
	for _, p := range n.parents {
		if p == parent {
			return
		}
	}
	n.parents = append(n.parents, parent)
}

func (g *graph) addChild(parent int32, file string, child int32) {
	m := g.children[parent]
	if m == nil {
		m = map[string][]int32{}
		g.children[parent] = m
	}
	for _, c := range m[file] {
		if c == child {
			return
		}
	}
	m[file] = append(m[file], child)
}
