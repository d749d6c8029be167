package index

import (
	"slices"
	"strings"

	"callboard"
)

// Filter selects documents as Backstage's `filter` query parameters do. Each
// element is one parameter, a set of conditions that must all hold; a
// document matches when any set does. An empty Filter matches everything.
type Filter [][]Condition

// Condition is one condition of a filter set. Key and Values are compared
// case-insensitively.
type Condition struct {
	// Key is a search key such as "kind", "spec.type", "metadata.tags.java"
	// or "relations.ownedby".
	Key string
	// Values, when not nil, lists the values of which the document must
	// have one. Nil means the document must have the key, with any value
	// (null included).
	Values []string
}

// MaxFilterStatements bounds the statements of one request's filter
// parameters together: each costs an index lookup, and thousands of them
// are an attack, not a query.
const MaxFilterStatements = 1000

// ParseFilters parses Backstage GET filter parameters, one element per
// `filter=` value, as its parseEntityFilterParams does. Statements are split
// on commas and each on its first "="; "key" asks for the key to exist,
// "key=" for the empty value, and a key repeated in one parameter means any
// of its values. Parameters without statements are dropped. An empty key,
// or more than MaxFilterStatements statements in all, is an Invalid error.
func ParseFilters(params []string) (Filter, error) {
	var f Filter
	n := 0
	for _, p := range params {
		var set []Condition
		at := map[string]int{} // key -> index in set
		for rest := p; rest != ""; {
			var stmt string
			stmt, rest, _ = strings.Cut(rest, ",")
			stmt = strings.TrimSpace(stmt)
			if stmt == "" {
				continue
			}
			if n++; n > MaxFilterStatements {
				return nil, callboard.Errorf(callboard.Invalid,
					"Invalid filter, at most %d filter statements are allowed in one request", MaxFilterStatements)
			}
			key, value, hasValue := strings.Cut(stmt, "=")
			key = strings.TrimSpace(key)
			if key == "" {
				return nil, callboard.Errorf(callboard.Invalid,
					"Invalid filter, '%s' is not a valid statement (expected a string on the form a=b or a= or a)", stmt)
			}
			i, ok := at[key]
			if !ok {
				i = len(set)
				at[key] = i
				set = append(set, Condition{Key: key})
			}
			if hasValue {
				set[i].Values = append(set[i].Values, strings.TrimSpace(value))
			}
		}
		if len(set) > 0 {
			f = append(f, set)
		}
	}
	return f, nil
}

// validate reports a condition with an empty key.
func (f Filter) validate() error {
	for _, set := range f {
		for _, c := range set {
			if strings.TrimSpace(c.Key) == "" {
				return callboard.Errorf(callboard.Invalid, "Invalid filter, a condition has an empty key")
			}
		}
	}
	return nil
}

// match returns the documents that f selects (sets from sc), or all set
// when it selects every document. Call with x.mu held.
func (x *Index) match(sc *scratch, f Filter) (m []int32, all bool) {
	if len(f) == 0 {
		return nil, true
	}
	sets := make([][]int32, 0, len(f))
	for _, set := range f {
		if len(set) == 0 {
			return nil, true
		}
		if s := x.matchSet(sc, set); len(s) > 0 {
			sets = append(sets, s)
		}
	}
	return union(sc, sets, len(x.docs)), false
}

// matchSet returns the documents that meet every condition of set.
func (x *Index) matchSet(sc *scratch, set []Condition) []int32 {
	lists := make([][]int32, 0, len(set))
	for _, c := range set {
		l := x.matchCondition(sc, c)
		if len(l) == 0 {
			return nil
		}
		lists = append(lists, l)
	}
	// Smallest first: every intersection is then at most that small.
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	m := lists[0]
	for _, l := range lists[1:] {
		if m = intersect(sc, m, l); len(m) == 0 {
			return nil
		}
	}
	return m
}

// matchCondition returns the documents that meet c.
func (x *Index) matchCondition(sc *scratch, c Condition) []int32 {
	k, ok := x.lookupKey(strings.ToLower(strings.TrimSpace(c.Key)))
	if !ok {
		return nil
	}
	var ids []int32
	if c.Values == nil {
		for _, id := range x.keys[k].pairs {
			if x.pairs.at(id).key() == k {
				ids = append(ids, id)
			}
		}
	} else {
		for _, v := range c.Values {
			ids = x.findPairs(ids, k, strings.ToLower(v))
		}
	}
	return x.docsOfPairs(sc, ids)
}

// docsOfPairs returns the union of the documents of pairs ids.
func (x *Index) docsOfPairs(sc *scratch, ids []int32) []int32 {
	if len(ids) == 1 {
		// Posting lists are read-only while x.mu is held: alias them.
		switch p := x.pairs.at(ids[0]).post; {
		case p >= 0:
			return []int32{p}
		case p < -1:
			return x.multi[-p-2]
		}
		return nil
	}
	var singles []int32
	lists := make([][]int32, 0, 4)
	for _, id := range ids {
		if p := x.pairs.at(id).post; p >= 0 {
			singles = append(singles, p)
		} else if p < -1 {
			lists = append(lists, x.multi[-p-2])
		}
	}
	if len(singles) > 0 {
		slices.Sort(singles)
		lists = append(lists, slices.Compact(singles))
	}
	return union(sc, lists, len(x.docs))
}
