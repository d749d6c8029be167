package params

import "encoding/json"

// Defaults returns values with each missing property that declares a
// `default` filled in, as the form does before showing a page: nested
// objects get their properties' defaults, and the properties of a
// `dependencies` branch are filled once the property it depends on is set
// (for a oneOf branch, the one whose enum admits the value). values is not
// modified.
func (f *Form) Defaults(values map[string]any) map[string]any {
	out := copyMap(values)
	for _, p := range f.Pages {
		fill(p.Schema, out)
	}
	return out
}

func fill(schema map[string]any, values map[string]any) {
	props, _ := schema["properties"].(map[string]any)
	for name, p := range props {
		ps, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if _, set := values[name]; !set {
			if d, ok := ps["default"]; ok {
				values[name] = deepCopy(d)
				continue
			}
		}
		if _, isObj := ps["properties"]; isObj {
			child, _ := values[name].(map[string]any)
			if child == nil {
				if _, set := values[name]; set {
					continue // a non-object value: leave it to validation
				}
				child = map[string]any{}
			}
			fill(ps, child)
			if len(child) > 0 {
				values[name] = child
			}
		}
	}
	deps, _ := schema["dependencies"].(map[string]any)
	for name, d := range deps {
		ds, ok := d.(map[string]any)
		if !ok {
			continue // the list form names required fields only
		}
		v, set := values[name]
		if !set {
			continue
		}
		fill(ds, values)
		for _, key := range []string{"oneOf", "anyOf"} {
			branches, _ := ds[key].([]any)
			for _, b := range branches {
				bs, ok := b.(map[string]any)
				if ok && selects(bs, name, v) {
					fill(bs, values)
					break
				}
			}
		}
	}
}

// selects reports whether branch's enum or const on name admits v.
func selects(branch map[string]any, name string, v any) bool {
	props, _ := branch["properties"].(map[string]any)
	p, _ := props[name].(map[string]any)
	if p == nil {
		return false
	}
	if c, ok := p["const"]; ok {
		return same(c, v)
	}
	enum, _ := p["enum"].([]any)
	for _, e := range enum {
		if same(e, v) {
			return true
		}
	}
	return false
}

func same(a, b any) bool {
	x, err1 := json.Marshal(normalize(a))
	y, err2 := json.Marshal(normalize(b))
	return err1 == nil && err2 == nil && string(x) == string(y)
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return copyMap(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}
