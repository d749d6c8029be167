package descriptor

import (
	"fmt"
	"slices"

	"callboard"
)

// Edges returns the relations that processing e emits with the core kinds;
// see Kinds.Edges.
func Edges(e *callboard.Entity) ([]callboard.Edge, []Problem) { return coreKinds.Edges(e) }

// Edges returns the relations that processing e emits, in both directions,
// as Backstage's BuiltinKindsEntityProcessor does (spec table 1a.6): for
// each reference field of e's kind, an edge from e to the target and the
// inverse edge from the target to e. References take the field's default
// kind and e's namespace; refs are canonical (lowercased) EntityRef
// strings. Duplicate edges are dropped; order follows the kind's fields.
// A value that does not parse (dependsOn without a kind, say) is a Problem
// and emits nothing. Problems carry the field but no file or line: an
// entity does not know where it came from.
func (ks Kinds) Edges(e *callboard.Entity) ([]callboard.Edge, []Problem) {
	k := ks[e.Kind]
	if k == nil {
		return nil, nil
	}
	self := e.Ref()
	selfRef := self.String()
	refs := 0
	for _, f := range k.Fields {
		if f.Relation != "" {
			refs += countRefs(e.Spec[f.Name])
		}
	}
	edges := make([]callboard.Edge, 0, 2*refs)
	var problems []Problem
	var seen map[callboard.Edge]bool // once there are many edges
	add := func(edge callboard.Edge) {
		// Most entities emit a handful of edges: a scan beats hashing
		// three strings per edge.
		if seen == nil && len(edges) < 32 {
			if !slices.Contains(edges, edge) {
				edges = append(edges, edge)
			}
			return
		}
		if seen == nil {
			seen = make(map[callboard.Edge]bool, 2*len(edges))
			for _, e := range edges {
				seen[e] = true
			}
		}
		if !seen[edge] {
			seen[edge] = true
			edges = append(edges, edge)
		}
	}
	for _, f := range k.Fields {
		if f.Relation == "" {
			continue
		}
		x := e.Spec[f.Name]
		_, isString := x.(string)
		isList := !isString
		for i, ref := range refValues(x) {
			field := "spec." + f.Name
			if isList {
				field = fmt.Sprintf("%s[%d]", field, i)
			}
			target, err := callboard.ParseRef(ref, f.RefKind, self.Namespace)
			if err != nil {
				problems = append(problems, Problem{Field: field, Message: refMessage(ref, f)})
				continue
			}
			t := target.String()
			add(callboard.Edge{Source: selfRef, Type: f.Relation, Target: t})
			add(callboard.Edge{Source: t, Type: callboard.RelationInverse[f.Relation], Target: selfRef})
		}
	}
	return edges, problems
}

// countRefs counts the values refValues returns for x, without them.
func countRefs(x any) int {
	switch x := x.(type) {
	case string:
		return 1
	case []string:
		return len(x)
	case []any:
		return len(x)
	}
	return 0
}
