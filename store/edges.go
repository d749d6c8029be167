package store

import (
	"errors"
	"fmt"

	"callboard"
)

// The edges column holds the edges an entity's processing emitted as one
// JSON array of strings, relative to the entity's own ref (migration 0014):
// nearly every edge starts or ends at the entity, and processing emits
// relations in pairs ("a ownedBy g", then "g ownerOf a"), so naming the
// entity in every edge tripled the column. Each edge is a marked type
// followed by refs:
//
//	">type", target           the entity's edge to target
//	"<type", source           source's edge to the entity
//	"|type", "inverse", other the entity's edge to other, then other's
//	                          edge back to the entity of type inverse
//	"=type", source, target   an edge that does not touch the entity
//
// Decoding gives the edges back in their order.
const (
	edgeOut   = '>'
	edgeIn    = '<'
	edgePair  = '|'
	edgeOther = '='
)

// appendEdges appends the edges column of the entity self.
func appendEdges(b []byte, self string, edges []callboard.Edge) []byte {
	b = append(b, '[')
	for i := 0; i < len(edges); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		e := edges[i]
		switch {
		case e.Source == self && i+1 < len(edges) && edges[i+1].Source == e.Target && edges[i+1].Target == self:
			b = appendMarked(b, edgePair, e.Type)
			b = append(b, ',')
			b = callboard.AppendJSONString(b, edges[i+1].Type)
			b = append(b, ',')
			b = callboard.AppendJSONString(b, e.Target)
			i++
		case e.Source == self:
			b = appendMarked(b, edgeOut, e.Type)
			b = append(b, ',')
			b = callboard.AppendJSONString(b, e.Target)
		case e.Target == self:
			b = appendMarked(b, edgeIn, e.Type)
			b = append(b, ',')
			b = callboard.AppendJSONString(b, e.Source)
		default:
			b = appendMarked(b, edgeOther, e.Type)
			b = append(b, ',')
			b = callboard.AppendJSONString(b, e.Source)
			b = append(b, ',')
			b = callboard.AppendJSONString(b, e.Target)
		}
	}
	return append(b, ']')
}

// appendMarked appends mark and typ as one JSON string.
func appendMarked(b []byte, mark byte, typ string) []byte {
	n := len(b)
	b = callboard.AppendJSONString(b, typ)
	// Shift the string's contents right by one, after its opening quote.
	b = append(b, 0)
	copy(b[n+2:], b[n+1:len(b)-1])
	b[n+1] = mark
	return b
}

var errBadEdges = errors.New("not an edges column")

// decodeEdges turns the strings of self's edges column back into edges;
// nil for none.
func decodeEdges(self string, strs []string) ([]callboard.Edge, error) {
	if len(strs) == 0 {
		return nil, nil
	}
	edges := make([]callboard.Edge, 0, len(strs)/2+1)
	for i := 0; i < len(strs); {
		t := strs[i]
		if t == "" {
			return nil, fmt.Errorf("%w: empty string at %d", errBadEdges, i)
		}
		need := 2
		if t[0] == edgePair || t[0] == edgeOther {
			need = 3
		}
		if i+need > len(strs) {
			return nil, fmt.Errorf("%w: %q at %d lacks its refs", errBadEdges, t, i)
		}
		typ := t[1:]
		switch t[0] {
		case edgeOut:
			edges = append(edges, callboard.Edge{Source: self, Type: typ, Target: strs[i+1]})
		case edgeIn:
			edges = append(edges, callboard.Edge{Source: strs[i+1], Type: typ, Target: self})
		case edgePair:
			other := strs[i+2]
			edges = append(edges, callboard.Edge{Source: self, Type: typ, Target: other},
				callboard.Edge{Source: other, Type: strs[i+1], Target: self})
		case edgeOther:
			edges = append(edges, callboard.Edge{Source: strs[i+1], Type: typ, Target: strs[i+2]})
		default:
			return nil, fmt.Errorf("%w: %q at %d is not a marked type", errBadEdges, t, i)
		}
		i += need
	}
	return edges, nil
}

// parseEdges decodes self's edges column.
func parseEdges(self string, data []byte, scratch []string) ([]callboard.Edge, []string, error) {
	strs, err := appendStrings(scratch[:0], data)
	if err != nil {
		return nil, strs, fmt.Errorf("decode edges of %s: %w", self, err)
	}
	edges, err := decodeEdges(self, strs)
	if err != nil {
		return nil, strs, fmt.Errorf("decode edges of %s: %w", self, err)
	}
	return edges, strs, nil
}
