package policy

import (
	"fmt"
	"slices"
	"strings"

	"callboard"
)

// EntityCond holds conditions on an entity, Backstage's catalog rules
// (isEntityOwner, isEntityKind, hasAnnotation, hasLabel, hasSpec) in data
// form. Every field given must hold; a list holds when any item does.
// Values compare case-insensitively, as the catalog's filters do. Each
// condition has two readings that must agree: match on one entity and
// predicate for queries.
type EntityCond struct {
	IsEntityOwner *bool             // owned (ownedBy relation) by the user or one of their groups
	Kinds         []string          // kind is one of these
	Namespaces    []string          // metadata.namespace is one of these
	Lifecycles    []string          // spec.lifecycle is one of these
	Types         []string          // spec.type is one of these
	Tags          []string          // has one of these tags
	Labels        map[string]string // each label has this value ("*": any value)
	Annotations   map[string]string // each annotation has this value ("*": any value)
	Spec          map[string]string // each spec field (dotted path) has this value ("*": any value)
	AllOf         []*EntityCond
	AnyOf         []*EntityCond
	Not           *EntityCond
}

// anyValue is the value of a label, annotation or spec condition that only
// asks for the key to exist.
const anyValue = "*"

// match reports whether e meets c for principal p.
func (c *EntityCond) match(p callboard.Principal, e *callboard.Entity) bool {
	if c.IsEntityOwner != nil && *c.IsEntityOwner != ownedBy(p, e) {
		return false
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = callboard.DefaultNamespace
	}
	if !oneOf(c.Kinds, e.Kind) || !oneOf(c.Namespaces, ns) ||
		!oneOf(c.Lifecycles, specValue(e.Spec, "lifecycle")) || !oneOf(c.Types, specValue(e.Spec, "type")) {
		return false
	}
	if len(c.Tags) > 0 && !slices.ContainsFunc(e.Metadata.Tags, func(t string) bool { return oneOf(c.Tags, t) }) {
		return false
	}
	if !mapMatch(c.Labels, func(k string) ([]string, bool) { return one(e.Metadata.Labels, k) }) ||
		!mapMatch(c.Annotations, func(k string) ([]string, bool) { return one(e.Metadata.Annotations, k) }) ||
		!mapMatch(c.Spec, func(k string) ([]string, bool) { return specLookup(e.Spec, k) }) {
		return false
	}
	for _, sub := range c.AllOf {
		if !sub.match(p, e) {
			return false
		}
	}
	if c.AnyOf != nil && !slices.ContainsFunc(c.AnyOf, func(sub *EntityCond) bool { return sub.match(p, e) }) {
		return false
	}
	return c.Not == nil || !c.Not.match(p, e)
}

// predicate returns c as a Backstage entity predicate for principal p.
func (c *EntityCond) predicate(p callboard.Principal) map[string]any {
	var all []any
	if c.IsEntityOwner != nil {
		owned := map[string]any{"relations.ownedBy": map[string]any{"$in": toAny(p.Ownership)}}
		if len(p.Ownership) == 0 {
			owned = map[string]any{"$any": []any{}} // owns nothing
		}
		if !*c.IsEntityOwner {
			owned = map[string]any{"$not": owned}
		}
		all = append(all, owned)
	}
	in := func(key string, values []string) {
		if len(values) > 0 {
			all = append(all, map[string]any{key: map[string]any{"$in": toAny(values)}})
		}
	}
	in("kind", c.Kinds)
	in("metadata.namespace", c.Namespaces)
	in("spec.lifecycle", c.Lifecycles)
	in("spec.type", c.Types)
	in("metadata.tags", c.Tags)
	each := func(prefix string, m map[string]string) {
		for _, k := range sortedKeys(m) {
			if m[k] == anyValue {
				all = append(all, map[string]any{prefix + k: map[string]any{"$exists": true}})
			} else {
				all = append(all, map[string]any{prefix + k: m[k]})
			}
		}
	}
	each("metadata.labels.", c.Labels)
	each("metadata.annotations.", c.Annotations)
	each("spec.", c.Spec)
	for _, sub := range c.AllOf {
		all = append(all, sub.predicate(p))
	}
	if c.AnyOf != nil {
		anyOf := make([]any, len(c.AnyOf))
		for i, sub := range c.AnyOf {
			anyOf[i] = sub.predicate(p)
		}
		all = append(all, map[string]any{"$any": anyOf})
	}
	if c.Not != nil {
		all = append(all, map[string]any{"$not": c.Not.predicate(p)})
	}
	return map[string]any{"$all": all}
}

// ownedBy reports whether an ownedBy relation of e points at one of p's
// ownership refs.
func ownedBy(p callboard.Principal, e *callboard.Entity) bool {
	for _, r := range e.Relations {
		if r.Type == callboard.RelationOwnedBy && slices.ContainsFunc(p.Ownership, func(o string) bool { return refsEqual(o, r.TargetRef) }) {
			return true
		}
	}
	return false
}

// oneOf reports whether v is one of values (case-insensitive); an empty
// list allows anything.
func oneOf(values []string, v string) bool {
	return len(values) == 0 || slices.ContainsFunc(values, func(x string) bool { return strings.EqualFold(x, v) })
}

// mapMatch reports whether every key of want has its value (any of the
// values get returns) or, for anyValue, exists.
func mapMatch(want map[string]string, get func(string) ([]string, bool)) bool {
	for k, w := range want {
		vs, ok := get(k)
		if !ok || (w != anyValue && !oneOfAll(vs, w)) {
			return false
		}
	}
	return true
}

func one(m map[string]string, k string) ([]string, bool) {
	v, ok := m[k]
	return []string{v}, ok
}

func oneOfAll(vs []string, w string) bool {
	return slices.ContainsFunc(vs, func(v string) bool { return strings.EqualFold(v, w) })
}

func specValue(spec map[string]any, key string) string {
	vs, _ := specLookup(spec, key)
	if len(vs) == 1 {
		return vs[0]
	}
	return ""
}

// specLookup follows a dotted path into spec and returns the scalar values
// there: one for a scalar, the items of a list (a list holds a value when
// any item does, as the catalog's search rows say).
func specLookup(spec map[string]any, key string) ([]string, bool) {
	var cur any = spec
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	switch v := cur.(type) {
	case nil, map[string]any:
		return nil, true
	case []any:
		var out []string
		for _, item := range v {
			if _, isMap := item.(map[string]any); !isMap && item != nil {
				out = append(out, fmt.Sprint(item))
			}
		}
		return out, true
	default:
		return []string{fmt.Sprint(v)}, true
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
