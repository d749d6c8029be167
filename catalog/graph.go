package catalog

import (
	"slices"
	"strings"

	"callboard"
	"callboard/internal/strarena"
)

// graph holds what the catalog knows about every entity besides its body:
// who emitted it, who claims it, and the relation edges. Refs are interned to
// int32 ids so that 100,000 entities and their edges stay small in memory.
// It is not safe for concurrent use; Service guards it.
type graph struct {
	ids   map[string]int32 // canonical ref -> id
	refs  []string         // id -> canonical ref
	types []string         // relation type id -> type
	// typeJSON is, by type id, how a served relation of that type begins:
	// `{"type":"ownedBy","targetRef":`, quoted once rather than per answer.
	typeJSON []string
	tids     map[string]int32 // relation type -> id
	nodes    map[int32]*node  // only refs that are stored entities
	// out holds, by source id, the relations of that source from any
	// originator, by type then target (sortOut); other, the few whose
	// originator is neither end.
	out   [][]rel
	other map[int32][]orel
	// children is what each Location entity emitted, per file it read
	// ("type:target"); a failed read keeps the previous set of that file.
	children map[int32]map[string][]int32
	// strs holds the refs, which are never removed, and the nodes' uids:
	// two million strings at 1M entities in a few thousand blocks.
	strs strarena.Arena
}

// node is the bookkeeping of one stored entity: 128 bytes, a size class.
type node struct {
	id          int32
	orphan      bool // next to id
	uid         string
	kind        string // lowercased
	locationKey string
	hash        string
	parents     []int32
	edges       []cedge    // as emitted by this entity, for removal on change
	x           *nodeExtra // nil for most entities
}

// nodeExtra is what few nodes have: Locations and entities with problems.
// Apart, it costs the others 8 bytes instead of 56 (a million nodes).
type nodeExtra struct {
	loc     *locSpec               // set for Location entities
	own     []callboard.StatusItem // problems of the entity itself
	locErrs []callboard.StatusItem // problems reading its targets (Locations)
}

// loc returns the spec of a Location node, nil for other kinds.
func (n *node) loc() *locSpec {
	if n.x == nil {
		return nil
	}
	return n.x.loc
}

// own returns the problems of the entity itself.
func (n *node) own() []callboard.StatusItem {
	if n.x == nil {
		return nil
	}
	return n.x.own
}

// locErrs returns the problems of reading a Location's targets.
func (n *node) locErrs() []callboard.StatusItem {
	if n.x == nil {
		return nil
	}
	return n.x.locErrs
}

// setExtra sets what n keeps in nodeExtra, dropping it when all is empty.
func (n *node) setExtra(loc *locSpec, own, locErrs []callboard.StatusItem) {
	if loc == nil && len(own) == 0 && len(locErrs) == 0 {
		n.x = nil
		return
	}
	n.x = &nodeExtra{loc: loc, own: own, locErrs: locErrs}
}

// rel is one relation from the source node indexed in graph.out. Its
// originator, the entity whose processing emitted it, is one of its ends
// (descriptors emit each edge and its inverse): the source, or the target
// when typ has relByTarget. 8 bytes, at about ten relations an entity.
type rel struct {
	typ    int32 // type id | relByTarget
	target int32
}

const relByTarget = 1 << 30

func (r rel) typeID() int32 { return r.typ &^ relByTarget }

// orel is a relation whose originator is neither of its ends.
type orel struct {
	typ, target, origin int32
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
	g.typeJSON = append(g.typeJSON, relationPrefix(t))
	g.tids[t] = id
	return id
}

func newGraph() *graph {
	return &graph{ids: map[string]int32{}, tids: map[string]int32{}, nodes: map[int32]*node{}, other: map[int32][]orel{},
		children: map[int32]map[string][]int32{}}
}

// id interns a canonical ref.
func (g *graph) id(ref string) int32 {
	if id, ok := g.ids[ref]; ok {
		return id
	}
	id := int32(len(g.refs))
	ref = g.strs.Clone(ref)
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
		if !touched[src] {
			g.dropOrigin(src, origin)
		}
		touched[src] = true
	}
	for _, e := range edges {
		g.addEdge(origin, e)
		touched[e.src] = true
	}
	ids := make([]int32, 0, len(touched))
	for id := range touched {
		g.sortOut(id) // served in order without sorting: raw_relations.go
		ids = append(ids, id)
	}
	return ids
}

// addEdge adds the relation of e, emitted by origin.
func (g *graph) addEdge(origin int32, e cedge) {
	switch {
	case e.src == origin:
		g.appendRel(e.src, rel{typ: e.typ, target: e.dst})
	case e.dst == origin:
		g.appendRel(e.src, rel{typ: e.typ | relByTarget, target: e.dst})
	default:
		g.other[e.src] = append(g.other[e.src], orel{typ: e.typ, target: e.dst, origin: origin})
	}
}

func (g *graph) appendRel(src int32, r rel) {
	if int(src) >= len(g.out) {
		g.out = append(g.out, make([][]rel, int(src)+1-len(g.out))...)
	}
	g.out[src] = append(g.out[src], r)
}

// dropOrigin removes the relations of src that origin emitted.
func (g *graph) dropOrigin(src, origin int32) {
	if int(src) < len(g.out) {
		list := g.out[src]
		kept := list[:0]
		for _, r := range list {
			by := src
			if r.typ&relByTarget != 0 {
				by = r.target
			}
			if by != origin {
				kept = append(kept, r)
			}
		}
		clear(list[len(kept):])
		if len(kept) == 0 {
			kept = nil
		}
		g.out[src] = kept
	}
	if list, ok := g.other[src]; ok {
		kept := list[:0]
		for _, r := range list {
			if r.origin != origin {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(g.other, src)
		} else {
			g.other[src] = kept
		}
	}
}

// relations returns the final relations of ref: every edge with ref as
// source, deduplicated and sorted by type then target, as Backstage does.
func (g *graph) relations(ref string) []callboard.Relation {
	id, ok := g.ids[ref]
	if !ok {
		return []callboard.Relation{}
	}
	var list []rel
	if int(id) < len(g.out) {
		list = g.out[id]
	}
	others := g.other[id]
	out := make([]callboard.Relation, 0, len(list)+len(others))
	for _, r := range list {
		out = append(out, callboard.Relation{Type: g.types[r.typeID()], TargetRef: g.refs[r.target]})
	}
	for _, r := range others {
		out = append(out, callboard.Relation{Type: g.types[r.typ], TargetRef: g.refs[r.target]})
	}
	// Sorted, duplicates are neighbours: no set to build per entity.
	slices.SortFunc(out, func(a, b callboard.Relation) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.TargetRef, b.TargetRef)
	})
	return slices.Compact(out)
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
