package scorecard

import (
	"fmt"
	"strings"
)

// Filter chooses entities as Backstage's entity filters do: an entity
// matches when it matches any of the sets; it matches a set when, for
// every key, it has one of the values (compared case-insensitively), or
// just the key when the values are nil. An empty Filter matches all.
type Filter []map[string][]string

// Match reports whether the entity (its JSON object) matches f.
func (f Filter) Match(entity map[string]any) bool {
	if len(f) == 0 {
		return true
	}
	for _, set := range f {
		if matchSet(set, entity) {
			return true
		}
	}
	return false
}

func matchSet(set map[string][]string, entity map[string]any) bool {
	for key, want := range set {
		got, ok := lookup(entity, key)
		if !ok {
			return false
		}
		if want == nil {
			continue
		}
		if !anyEqual(got, want) {
			return false
		}
	}
	return true
}

// lookup finds a dotted key in m, where a segment may hold dots itself
// (metadata.annotations.backstage.io/techdocs-ref): at each level the
// longest prefix that is a key wins. Keys compare case-insensitively.
func lookup(m map[string]any, key string) ([]string, bool) {
	parts := strings.Split(key, ".")
	var cur any = m
	for len(parts) > 0 {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		found := false
		for n := len(parts); n > 0; n-- {
			seg := strings.Join(parts[:n], ".")
			for k, v := range mm {
				if strings.EqualFold(k, seg) {
					cur, parts, found = v, parts[n:], true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	switch v := cur.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out, true
	case nil:
		return nil, true
	case map[string]any:
		return nil, true
	default:
		return []string{fmt.Sprint(v)}, true
	}
}

func anyEqual(got, want []string) bool {
	for _, g := range got {
		for _, w := range want {
			if strings.EqualFold(g, w) {
				return true
			}
		}
	}
	return false
}
