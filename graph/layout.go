package graph

import (
	"sort"
)

// Geometry of the drawing, in pixels.
const (
	pad       = 16.0 // around the drawing
	gapX      = 140.0
	nodeH     = 46.0 // kind label and name
	nodeHT    = 60.0 // with a title line
	dummyH    = 2.0
	sepNodes  = 18.0 // vertical space between two nodes
	sepDummy  = 10.0 // between a node and an edge passing by, or two edges
	sweeps    = 24   // ordering passes; the best one is kept
	placeRuns = 4    // vertical placement rounds
)

// vertex is a node of the layered graph: a real node or a dummy point that
// carries a long edge through an intermediate layer.
type vertex struct {
	node      *Node // nil for a dummy
	layer     int
	order     int
	y, h      float64 // top and height
	up, down  []*vertex
	sortValue float64
}

func (v *vertex) cy() float64 { return v.y + v.h/2 }

// route is one drawn edge: the chain of vertices from its lower layer to its
// higher one; reversed when the edge points right to left (a broken cycle).
type route struct {
	edge     Edge
	chain    []*vertex
	reversed bool
}

type layout struct {
	verts  []*vertex // real ones first, in node order
	layers [][]*vertex
	routes []route
	nodeW  float64
	nodeH  float64
}

func newLayout(nodes []Node, edges []Edge) *layout {
	l := &layout{nodeW: nodeWidth(nodes), nodeH: nodeH}
	idx := make(map[string]int, len(nodes))
	for i := range nodes {
		idx[nodes[i].Ref] = i
		if n := &nodes[i]; n.Title != "" && n.Title != n.Name {
			l.nodeH = nodeHT
		}
	}
	for i := range nodes {
		l.verts = append(l.verts, &vertex{node: &nodes[i], h: l.nodeH})
	}
	type arc struct {
		from, to int
		rev      bool
	}
	arcs := make([]arc, 0, len(edges))
	out := make([][]int, len(nodes))
	for _, e := range edges {
		out[idx[e.From]] = append(out[idx[e.From]], idx[e.To])
	}
	back := backEdges(out)
	for _, e := range edges {
		f, t := idx[e.From], idx[e.To]
		if back[[2]int{f, t}] {
			arcs = append(arcs, arc{t, f, true})
		} else {
			arcs = append(arcs, arc{f, t, false})
		}
	}
	dag := make([][]int, len(nodes))
	for _, a := range arcs {
		dag[a.from] = append(dag[a.from], a.to)
	}
	layer := longestPath(dag)
	for i, v := range l.verts[:len(nodes)] {
		v.layer = layer[i]
	}
	// Insert dummies so that every segment joins adjacent layers.
	for k, a := range arcs {
		chain := []*vertex{l.verts[a.from]}
		for ly := layer[a.from] + 1; ly < layer[a.to]; ly++ {
			d := &vertex{layer: ly, h: dummyH}
			l.verts = append(l.verts, d)
			chain = append(chain, d)
		}
		chain = append(chain, l.verts[a.to])
		for i := 1; i < len(chain); i++ {
			chain[i-1].down = append(chain[i-1].down, chain[i])
			chain[i].up = append(chain[i].up, chain[i-1])
		}
		l.routes = append(l.routes, route{edge: edges[k], chain: chain, reversed: a.rev})
	}
	l.order()
	l.place()
	return l
}

// backEdges returns the edges a depth-first search finds closing a cycle;
// reversing them leaves a DAG.
func backEdges(out [][]int) map[[2]int]bool {
	back := map[[2]int]bool{}
	state := make([]int8, len(out)) // 0 new, 1 on stack, 2 done
	var dfs func(v int)
	dfs = func(v int) {
		state[v] = 1
		for _, w := range out[v] {
			switch state[w] {
			case 0:
				dfs(w)
			case 1:
				back[[2]int{v, w}] = true
			}
		}
		state[v] = 2
	}
	for v := range out {
		if state[v] == 0 {
			dfs(v)
		}
	}
	return back
}

// longestPath layers a DAG: sinks-first longest path from the sources, then
// every source is pulled right to sit just before its nearest successor, so
// a lone owner does not leave a long edge across the drawing.
func longestPath(dag [][]int) []int {
	n := len(dag)
	indeg := make([]int, n)
	for _, ws := range dag {
		for _, w := range ws {
			indeg[w]++
		}
	}
	layer := make([]int, n)
	var queue []int
	for v := range n {
		if indeg[v] == 0 {
			queue = append(queue, v)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range dag[v] {
			layer[w] = max(layer[w], layer[v]+1)
			if indeg[w]--; indeg[w] == 0 {
				queue = append(queue, w)
			}
		}
	}
	hasPred := make([]bool, n)
	for _, ws := range dag {
		for _, w := range ws {
			hasPred[w] = true
		}
	}
	for v := range n {
		if hasPred[v] || len(dag[v]) == 0 {
			continue
		}
		m := -1
		for _, w := range dag[v] {
			if m < 0 || layer[w] < m {
				m = layer[w]
			}
		}
		layer[v] = m - 1
	}
	return layer
}

// order arranges each layer to reduce crossings: an initial order by kind
// and name, then alternating barycentre sweeps, keeping the best found.
func (l *layout) order() {
	top := 0
	for _, v := range l.verts {
		top = max(top, v.layer)
	}
	l.layers = make([][]*vertex, top+1)
	for _, v := range l.verts { // real vertices come first, sorted by ref
		l.layers[v.layer] = append(l.layers[v.layer], v)
	}
	for _, ly := range l.layers {
		sort.SliceStable(ly, func(i, j int) bool { return less(ly[i], ly[j]) })
		renumber(ly)
	}
	best, bestX := l.snapshot(), l.crossings()
	for i := 0; i < sweeps && bestX > 0; i++ {
		if i%2 == 0 {
			for k := 1; k < len(l.layers); k++ {
				barycentre(l.layers[k], func(v *vertex) []*vertex { return v.up })
			}
		} else {
			for k := len(l.layers) - 2; k >= 0; k-- {
				barycentre(l.layers[k], func(v *vertex) []*vertex { return v.down })
			}
		}
		if x := l.crossings(); x < bestX {
			best, bestX = l.snapshot(), x
		}
	}
	l.layers = best
	for _, ly := range l.layers {
		renumber(ly)
	}
}

// less is the initial order within a layer: real nodes by kind, then name
// and ref; dummies after them.
func less(a, b *vertex) bool {
	if (a.node == nil) != (b.node == nil) {
		return a.node != nil
	}
	if a.node == nil {
		return false
	}
	if a.node.Kind != b.node.Kind {
		return a.node.Kind < b.node.Kind
	}
	if a.node.Name != b.node.Name {
		return a.node.Name < b.node.Name
	}
	return a.node.Ref < b.node.Ref
}

func renumber(ly []*vertex) {
	for i, v := range ly {
		v.order = i
	}
}

func barycentre(ly []*vertex, nbrs func(*vertex) []*vertex) {
	for _, v := range ly {
		v.sortValue = float64(v.order)
		if ns := nbrs(v); len(ns) > 0 {
			sum := 0.0
			for _, w := range ns {
				sum += float64(w.order)
			}
			v.sortValue = sum / float64(len(ns))
		}
	}
	sort.SliceStable(ly, func(i, j int) bool { return ly[i].sortValue < ly[j].sortValue })
	renumber(ly)
}

func (l *layout) snapshot() [][]*vertex {
	s := make([][]*vertex, len(l.layers))
	for i, ly := range l.layers {
		s[i] = append([]*vertex(nil), ly...)
	}
	return s
}

// crossings counts pairs of segments that cross between adjacent layers.
func (l *layout) crossings() int {
	n := 0
	for _, ly := range l.layers {
		var segs [][2]int
		for _, v := range ly {
			for _, w := range v.down {
				segs = append(segs, [2]int{v.order, w.order})
			}
		}
		for i := range segs {
			for j := i + 1; j < len(segs); j++ {
				if (segs[i][0]-segs[j][0])*(segs[i][1]-segs[j][1]) < 0 {
					n++
				}
			}
		}
	}
	return n
}

// place sets each vertex's top: stacked, then pulled towards the average
// height of its neighbours while keeping order and spacing.
func (l *layout) place() {
	for _, ly := range l.layers {
		y := 0.0
		for i, v := range ly {
			if i > 0 {
				y += sep(ly[i-1], v)
			}
			v.y = y
			y += v.h
		}
	}
	both := func(v *vertex) []*vertex { return append(append([]*vertex(nil), v.up...), v.down...) }
	for r := 0; r < placeRuns; r++ {
		for k := 1; k < len(l.layers); k++ {
			align(l.layers[k], func(v *vertex) []*vertex { return v.up })
		}
		for k := len(l.layers) - 2; k >= 0; k-- {
			align(l.layers[k], func(v *vertex) []*vertex { return v.down })
		}
	}
	for _, ly := range l.layers {
		align(ly, both)
	}
	minY := 0.0
	for i, v := range l.verts {
		if i == 0 || v.y < minY {
			minY = v.y
		}
	}
	for _, v := range l.verts {
		v.y += pad - minY
	}
}

func sep(a, b *vertex) float64 {
	if a.node != nil && b.node != nil {
		return sepNodes
	}
	return sepDummy
}

// align moves a layer's vertices as close as possible (least squares) to
// the mean centre of their neighbours, keeping their order and spacing:
// isotonic regression by pool adjacent violators.
func align(ly []*vertex, nbrs func(*vertex) []*vertex) {
	type block struct {
		sum   float64
		n     int
		first int
	}
	want := make([]float64, len(ly)) // desired top minus the fixed offset
	off := 0.0
	for i, v := range ly {
		if i > 0 {
			off += ly[i-1].h + sep(ly[i-1], v)
		}
		c := v.cy()
		if ns := nbrs(v); len(ns) > 0 {
			c = 0
			for _, w := range ns {
				c += w.cy()
			}
			c /= float64(len(ns))
		}
		want[i] = c - v.h/2 - off
	}
	var st []block
	for i, a := range want {
		b := block{a, 1, i}
		for len(st) > 0 {
			t := st[len(st)-1]
			if t.sum/float64(t.n) <= b.sum/float64(b.n) {
				break
			}
			st = st[:len(st)-1]
			b = block{b.sum + t.sum, b.n + t.n, t.first}
		}
		st = append(st, b)
	}
	off = 0
	for _, b := range st {
		q := b.sum / float64(b.n)
		for i := b.first; i < b.first+b.n; i++ {
			if i > 0 {
				off += ly[i-1].h + sep(ly[i-1], ly[i])
			}
			ly[i].y = q + off
		}
	}
}
