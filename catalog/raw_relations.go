package catalog

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// appendRelationsJSON appends the JSON array of the final relations of the
// entity with graph id id (what json.Marshal(g.relations(ref)) gives,
// byte for byte) without building Relation values. List responses write
// it for every entity they serve.
func (g *graph) appendRelationsJSON(dst []byte, id int32) []byte {
	list := g.out[id]
	var buf [16]rel
	rs := append(buf[:0], list...)
	// Sort by type then target as relations does, then drop repeats.
	slices.SortFunc(rs, func(a, b rel) int {
		if a.typ != b.typ {
			if c := strings.Compare(g.types[a.typ], g.types[b.typ]); c != 0 {
				return c
			}
		}
		return cmp.Compare(g.refs[a.target], g.refs[b.target])
	})
	dst = append(dst, '[')
	for i, r := range rs {
		if i > 0 && r.typ == rs[i-1].typ && r.target == rs[i-1].target {
			continue
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":`...)
		dst = appendJSONString(dst, g.types[r.typ])
		dst = append(dst, `,"targetRef":`...)
		dst = appendJSONString(dst, g.refs[r.target])
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendJSONString appends s as json.Marshal encodes a string: refs and
// relation types are plain ASCII nearly always, which is copied as is.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
