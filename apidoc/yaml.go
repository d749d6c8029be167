package apidoc

import (
	"errors"
	"strings"

	"gopkg.in/yaml.v3"
)

// omap is a YAML or JSON mapping that keeps its keys in document order, so
// paths, properties and channels show as their authors wrote them.
type omap struct {
	keys []string
	vals map[string]any
}

func (m *omap) get(k string) any {
	if m == nil {
		return nil
	}
	return m.vals[k]
}

// maxValues bounds the size of a decoded definition, aliases included.
const maxValues = 2_000_000

var errTooLarge = errors.New("definition too large")

// parse decodes YAML (and so JSON) into *omap, []any, string and nil.
// Scalars stay strings: the renderer only shows them.
func parse(src string) (*omap, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, err
	}
	c := converter{memo: map[*yaml.Node]any{}}
	v, err := c.convert(&doc)
	if err != nil {
		return nil, err
	}
	m, ok := v.(*omap)
	if !ok {
		return nil, errors.New("the definition is not a mapping of keys to values")
	}
	return m, nil
}

type converter struct {
	memo  map[*yaml.Node]any // aliases share one value: no blow-up
	count int
}

func (c *converter) convert(n *yaml.Node) (any, error) {
	if c.count++; c.count > maxValues {
		return nil, errTooLarge
	}
	if v, ok := c.memo[n]; ok {
		return v, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0])
	case yaml.AliasNode:
		return c.convert(n.Alias)
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.convert(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		c.memo[n] = out
		return out, nil
	case yaml.MappingNode:
		m := &omap{vals: map[string]any{}}
		c.memo[n] = m
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			v, err := c.convert(vn)
			if err != nil {
				return nil, err
			}
			if k.Tag == "!!merge" { // "<<: *base" adds the keys not set here
				for _, src := range mergeSources(v) {
					for _, sk := range src.keys {
						if _, ok := m.vals[sk]; !ok {
							m.keys = append(m.keys, sk)
							m.vals[sk] = src.vals[sk]
						}
					}
				}
				continue
			}
			if _, dup := m.vals[k.Value]; !dup {
				m.keys = append(m.keys, k.Value)
			}
			m.vals[k.Value] = v
		}
		return m, nil
	}
	return nil, nil
}

func mergeSources(v any) []*omap {
	switch v := v.(type) {
	case *omap:
		return []*omap{v}
	case []any:
		var out []*omap
		for _, e := range v {
			if m, ok := e.(*omap); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// Accessors that tolerate any shape: a definition written by hand may have
// a list where a mapping belongs, and that must not stop the page.

func asMap(v any) *omap { m, _ := v.(*omap); return m }

func asList(v any) []any { l, _ := v.([]any); return l }

func str(v any) string { s, _ := v.(string); return s }

func (m *omap) m(k string) *omap     { return asMap(m.get(k)) }
func (m *omap) s(k string) string    { return str(m.get(k)) }
func (m *omap) l(k string) []any     { return asList(m.get(k)) }
func (m *omap) has(k string) bool    { return m != nil && m.vals[k] != nil }
func (m *omap) truthy(k string) bool { return m.s(k) == "true" }

// strs returns the scalar items of a list, or the scalar itself.
func strs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, e := range asList(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// resolver follows local references ("#/components/schemas/X") in one
// document.
type resolver struct{ root *omap }

// deref follows $ref chains from v and returns the target mapping and the
// last reference followed ("" when v was no reference). A reference that
// leads nowhere, outside the document or in a loop gives nil.
func (r resolver) deref(v any) (*omap, string) {
	m := asMap(v)
	ref := ""
	for range 32 {
		p := m.s("$ref")
		if p == "" {
			return m, ref
		}
		ref = p
		m = asMap(r.pointer(p))
	}
	return nil, ref
}

// pointer evaluates a local JSON pointer; nil when it is not local or
// does not resolve.
func (r resolver) pointer(p string) any {
	if !strings.HasPrefix(p, "#") {
		return nil
	}
	var cur any = r.root
	for _, seg := range strings.Split(strings.TrimPrefix(p[1:], "/"), "/") {
		if seg == "" {
			continue
		}
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch c := cur.(type) {
		case *omap:
			cur = c.get(seg)
		case []any:
			i := 0
			for _, ch := range seg {
				if ch < '0' || ch > '9' {
					return nil
				}
				i = i*10 + int(ch-'0')
				if i >= len(c) {
					return nil
				}
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// refName is the last segment of a reference: "#/definitions/Pet" → "Pet".
func refName(ref string) string {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		return strings.NewReplacer("~1", "/", "~0", "~").Replace(ref[i+1:])
	}
	return ref
}

// ks returns the keys in document order; none for a nil map.
func (m *omap) ks() []string {
	if m == nil {
		return nil
	}
	return m.keys
}
