package index

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"callboard"
)

// Predicate is a parsed Backstage filter predicate, the "query" of
// POST /entities/by-query and POST /entity-facets: field matchers
// ({"kind": "component", "spec.type": {"$in": [...]}}) combined with
// $all, $any and $not. Matching is case-insensitive on the same search rows
// the GET filters use. The zero value matches everything.
type Predicate struct {
	all    []*Predicate
	any    []*Predicate
	not    *Predicate
	fields []Condition // all must hold; Values nil means the key exists
	absent []string    // keys that must not exist ({"$exists": false})
}

// Size counts p's operators, field matchers and values: roughly what
// evaluating it costs. Request handlers bound it (MaxFilterStatements);
// the permission policy's own predicates are not bounded.
func (p *Predicate) Size() int {
	if p == nil {
		return 0
	}
	n := 1 + len(p.absent) + p.not.Size()
	for _, c := range p.fields {
		n += 1 + len(c.Values)
	}
	for _, sub := range p.all {
		n += sub.Size()
	}
	for _, sub := range p.any {
		n += sub.Size()
	}
	return n
}

// ParsePredicate parses a predicate decoded from JSON (maps, slices,
// strings, numbers, booleans). Unknown operators and malformed values are
// Invalid errors naming the problem.
func ParsePredicate(v any) (*Predicate, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid query, a predicate must be an object, got %s", describe(v))
	}
	p := &Predicate{}
	for key, val := range m {
		switch key {
		case "$all", "$any":
			list, ok := val.([]any)
			if !ok {
				return nil, callboard.Errorf(callboard.Invalid, "Invalid query, %s takes a list of predicates", key)
			}
			for _, item := range list {
				sub, err := ParsePredicate(item)
				if err != nil {
					return nil, err
				}
				if key == "$all" {
					p.all = append(p.all, sub)
				} else {
					p.any = append(p.any, sub)
				}
			}
			if key == "$any" && len(list) == 0 {
				p.any = []*Predicate{} // matches nothing
			}
		case "$not":
			sub, err := ParsePredicate(val)
			if err != nil {
				return nil, err
			}
			p.not = sub
		default:
			if strings.HasPrefix(key, "$") {
				return nil, callboard.Errorf(callboard.Invalid, "Invalid query, unknown operator %q; use $all, $any or $not", key)
			}
			if err := p.addField(key, val); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// addField parses one field matcher.
func (p *Predicate) addField(key string, val any) error {
	if strings.TrimSpace(key) == "" {
		return callboard.Errorf(callboard.Invalid, "Invalid query, a field key is empty")
	}
	if s, ok := primitive(val); ok {
		p.fields = append(p.fields, Condition{Key: key, Values: []string{s}})
		return nil
	}
	ops, ok := val.(map[string]any)
	if !ok || len(ops) == 0 {
		return callboard.Errorf(callboard.Invalid, "Invalid query, %q must be a value or an object with $exists, $in or $contains", key)
	}
	for op, arg := range ops {
		switch op {
		case "$exists":
			b, ok := arg.(bool)
			if !ok {
				return callboard.Errorf(callboard.Invalid, "Invalid query, $exists of %q must be true or false", key)
			}
			if b {
				p.fields = append(p.fields, Condition{Key: key})
			} else {
				p.absent = append(p.absent, key)
			}
		case "$in":
			values, err := primitives(arg)
			if err != nil {
				return callboard.Errorf(callboard.Invalid, "Invalid query, $in of %q: %v", key, err)
			}
			p.fields = append(p.fields, Condition{Key: key, Values: values})
		case "$contains":
			// Array items are search rows of the array's own key, so
			// containing a value is matching it; an object matcher applies
			// to the items' fields.
			if s, ok := primitive(arg); ok {
				p.fields = append(p.fields, Condition{Key: key, Values: []string{s}})
				continue
			}
			sub, err := containsPredicate(key, arg)
			if err != nil {
				return err
			}
			p.all = append(p.all, sub)
		default:
			return callboard.Errorf(callboard.Invalid, "Invalid query, unknown value operator %q for %q; use $exists, $in or $contains", op, key)
		}
	}
	return nil
}

// containsPredicate turns {$contains: predicate} into a predicate on the
// item rows of key: primitives match key itself, fields match key.field.
func containsPredicate(key string, arg any) (*Predicate, error) {
	m, ok := arg.(map[string]any)
	if !ok {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid query, $contains of %q must be a value or a predicate", key)
	}
	out := &Predicate{}
	for k, v := range m {
		switch k {
		case "$all", "$any":
			list, ok := v.([]any)
			if !ok {
				return nil, callboard.Errorf(callboard.Invalid, "Invalid query, %s takes a list", k)
			}
			var subs []*Predicate
			for _, item := range list {
				var sub *Predicate
				if s, ok := primitive(item); ok {
					sub = &Predicate{fields: []Condition{{Key: key, Values: []string{s}}}}
				} else {
					var err error
					if sub, err = containsPredicate(key, item); err != nil {
						return nil, err
					}
				}
				subs = append(subs, sub)
			}
			if k == "$all" {
				out.all = append(out.all, subs...)
			} else {
				out.any = append(out.any, subs...)
				if len(subs) == 0 {
					out.any = []*Predicate{}
				}
			}
		case "$not":
			sub, err := containsPredicate(key, map[string]any{"$any": []any{v}})
			if err != nil {
				return nil, err
			}
			out.not = sub
		default:
			if err := out.addField(key+"."+k, v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func primitive(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case json.Number:
		return t.String(), true
	case int:
		return strconv.Itoa(t), true
	}
	return "", false
}

func primitives(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, callboard.Errorf(callboard.Invalid, "expected a list of values")
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := primitive(item)
		if !ok {
			return nil, callboard.Errorf(callboard.Invalid, "expected a list of values, got %s", describe(item))
		}
		out = append(out, s)
	}
	return out, nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

// eval returns the documents p selects, or all when it selects every
// document. Call with x.mu held.
func (x *Index) eval(sc *scratch, p *Predicate) (m []int32, all bool) {
	if p == nil {
		return nil, true
	}
	all = true
	and := func(s []int32, sAll bool) {
		switch {
		case sAll:
		case all:
			m, all = s, false
		default:
			m = intersect(sc, m, s)
		}
	}
	if len(p.fields) > 0 {
		and(x.matchSet(sc, p.fields), false)
	}
	for _, k := range p.absent {
		and(x.complement(sc, x.matchCondition(sc, Condition{Key: k})), false)
	}
	for _, sub := range p.all {
		and(x.eval(sc, sub))
	}
	if p.any != nil {
		var lists [][]int32
		anyAll := false
		for _, sub := range p.any {
			s, sAll := x.eval(sc, sub)
			if sAll {
				anyAll = true
				break
			}
			lists = append(lists, s)
		}
		if !anyAll {
			and(union(sc, lists, len(x.docs)), false)
		}
	}
	if p.not != nil {
		s, sAll := x.eval(sc, p.not)
		if sAll {
			and(nil, false)
		} else {
			and(x.complement(sc, s), false)
		}
	}
	return m, all
}

// complement returns every live document not in the sorted list s.
func (x *Index) complement(sc *scratch, s []int32) []int32 {
	out := sc.ints(len(x.byUID))
	for o := range x.docs {
		if x.docs[o].uid == "" {
			continue
		}
		if _, found := slices.BinarySearch(s, int32(o)); !found {
			out = append(out, int32(o))
		}
	}
	return out
}

// MatchValues evaluates p against a flat record of string fields, for
// small in-memory lists such as locations. A nil predicate matches.
func (p *Predicate) MatchValues(rec map[string]string) bool {
	if p == nil {
		return true
	}
	get := func(key string) (string, bool) {
		for k, v := range rec {
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
		return "", false
	}
	for _, c := range p.fields {
		v, ok := get(c.Key)
		if !ok {
			return false
		}
		if c.Values != nil && !slices.ContainsFunc(c.Values, func(want string) bool { return strings.EqualFold(want, v) }) {
			return false
		}
	}
	for _, k := range p.absent {
		if _, ok := get(k); ok {
			return false
		}
	}
	for _, sub := range p.all {
		if !sub.MatchValues(rec) {
			return false
		}
	}
	if p.any != nil && !slices.ContainsFunc(p.any, func(sub *Predicate) bool { return sub.MatchValues(rec) }) {
		return false
	}
	return p.not == nil || !p.not.MatchValues(rec)
}
