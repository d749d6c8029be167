package web

import (
	"encoding/json"
	"net/url"
	"strings"

	"callboard"
)

// parseFields reads the fields parameter: comma-separated dot paths.
func parseFields(q url.Values) ([]string, error) {
	var out []string
	for _, f := range q["fields"] {
		out = append(out, splitComma(f)...)
	}
	return out, nil
}

// project keeps only the given dot paths of each entity, as Backstage's
// fields parameter does; no fields returns the entities unchanged. Nil
// entities stay null.
func project(es []*callboard.Entity, fields []string) any {
	if len(fields) == 0 {
		if es == nil {
			return []*callboard.Entity{}
		}
		return es
	}
	out := make([]any, len(es))
	for i, e := range es {
		if e == nil {
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			continue
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		kept := map[string]any{}
		for _, f := range fields {
			copyPath(kept, m, strings.Split(f, "."))
		}
		out[i] = kept
	}
	return out
}

// copyPath copies src[path] into dst, creating the objects on the way.
// Keys may contain dots (annotation keys), so a longer joined key is tried
// when the single segment is absent.
func copyPath(dst, src map[string]any, path []string) {
	for n := len(path); n >= 1; n-- {
		key := strings.Join(path[:n], ".")
		v, ok := src[key]
		if !ok {
			continue
		}
		if n == len(path) {
			dst[key] = v
			return
		}
		sub, ok := v.(map[string]any)
		if !ok {
			return
		}
		d, _ := dst[key].(map[string]any)
		if d == nil {
			d = map[string]any{}
			dst[key] = d
		}
		copyPath(d, sub, path[n:])
		return
	}
}
