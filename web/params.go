package web

import (
	"regexp"
	"strings"
	"unicode"

	"callboard"
	"callboard/index"
)

// Bounds on one request's query parameters. Each field, facet or order is
// work over the catalog; past these a request is an attack, not a query
// (index.MaxFilterStatements bounds filters and predicates the same way).
const (
	maxFields      = 1000 // fields= paths, and fullTextFilterFields
	maxFacets      = 1000
	maxOrderFields = 10   // each sorts the whole catalog
	maxPathLen     = 1024 // one field, facet or order path
)

// checkPath checks one dot path of an entity (metadata.name,
// metadata.annotations.backstage.io/source-location) named by parameter
// param: non-empty segments of letters, digits and -_/:@+~$, no array
// indexes and no __proto__.
func checkPath(param, p string) error {
	switch {
	case strings.ContainsAny(p, "[]"):
		// Backstage's message (parseEntityTransformParams).
		return callboard.Errorf(callboard.Invalid, "invalid %s, array type fields are not supported", param)
	case len(p) > maxPathLen:
		return callboard.Errorf(callboard.Invalid, "Invalid %s, %.40q... is longer than %d characters", param, p, maxPathLen)
	}
	for _, seg := range strings.Split(p, ".") {
		if seg == "" {
			return callboard.Errorf(callboard.Invalid, "Invalid %s, %q has an empty segment; use a dot path such as metadata.name", param, p)
		}
		if seg == "__proto__" {
			return callboard.Errorf(callboard.Invalid, "Invalid %s, %q names __proto__, which is not an entity field", param, p)
		}
		if i := strings.IndexFunc(seg, notPathRune); i >= 0 {
			return callboard.Errorf(callboard.Invalid, "Invalid %s, %q contains %q; use a dot path such as metadata.name", param, p, []rune(seg[i:])[0])
		}
	}
	return nil
}

func notPathRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_/:@+~$", r)
}

// parsePaths reads comma-separated dot paths from the values of parameter
// param (fields=a,b&fields=c, or a JSON list), checked and without
// duplicates; at most limit of them.
func parsePaths(param string, values []string, limit int) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	n := 0
	for _, v := range values {
		for rest := v; rest != ""; {
			var p string
			p, rest, _ = strings.Cut(rest, ",")
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if n++; n > limit {
				return nil, callboard.Errorf(callboard.Invalid, "Invalid %s, at most %d are allowed in one request", param, limit)
			}
			if err := checkPath(param, p); err != nil {
				return nil, err
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// parseOrderFields reads orderField parameters, one "<field>[,asc|desc]"
// each, as Backstage's parseEntityOrderFieldParams does.
func parseOrderFields(values []string) ([]index.Order, error) {
	if len(values) > maxOrderFields {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid orderField, at most %d are allowed in one request", maxOrderFields)
	}
	var out []index.Order
	for _, v := range values {
		field, dir, hasDir := strings.Cut(v, ",")
		field = strings.TrimSpace(field)
		if field == "" {
			return nil, callboard.Errorf(callboard.Invalid, "Invalid orderField %q, expected <field>,asc or <field>,desc", v)
		}
		if err := checkPath("orderField", field); err != nil {
			return nil, err
		}
		if dir = strings.TrimSpace(dir); hasDir && dir != "asc" && dir != "desc" {
			return nil, callboard.Errorf(callboard.Invalid, "Invalid order field order, must be asc or desc, got %q in orderField %q", dir, v)
		}
		out = append(out, index.Order{Field: field, Desc: dir == "desc"})
	}
	return out, nil
}

// parseOrderBy reads the orderBy of POST /entities/by-query.
func parseOrderBy(list []orderBy) ([]index.Order, error) {
	if len(list) > maxOrderFields {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid orderBy, at most %d are allowed in one request", maxOrderFields)
	}
	var out []index.Order
	for _, o := range list {
		if err := checkPath("orderBy", o.Field); err != nil {
			return nil, err
		}
		if o.Order != "" && o.Order != "asc" && o.Order != "desc" {
			return nil, callboard.Errorf(callboard.Invalid, "Invalid order field order, must be asc or desc, got %q for %q", o.Order, o.Field)
		}
		out = append(out, index.Order{Field: o.Field, Desc: o.Order == "desc"})
	}
	return out, nil
}

// parsePredicate parses a request's predicate query, at most
// index.MaxFilterStatements matchers and values.
func parsePredicate(v any) (*index.Predicate, error) {
	p, err := index.ParsePredicate(v)
	if err != nil {
		return nil, err
	}
	if n := p.Size(); n > index.MaxFilterStatements {
		return nil, callboard.Errorf(callboard.Invalid,
			"Invalid query, at most %d matchers and values are allowed in one predicate, got %d", index.MaxFilterStatements, n)
	}
	return p, nil
}

// legacyOrder is one order parameter of GET /entities: asc:<field> or
// desc:<field>.
var legacyOrder = regexp.MustCompile(`^(asc|desc):(.+)$`)

// parseLegacyOrder reads the order parameters of GET /entities.
func parseLegacyOrder(values []string) ([]index.Order, error) {
	if len(values) > maxOrderFields {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid order, at most %d are allowed in one request", maxOrderFields)
	}
	var out []index.Order
	for _, o := range values {
		m := legacyOrder.FindStringSubmatch(o)
		if m == nil {
			return nil, callboard.Errorf(callboard.Invalid, "Invalid order field %q, expected asc:<field> or desc:<field>", o)
		}
		if err := checkPath("order", m[2]); err != nil {
			return nil, err
		}
		out = append(out, index.Order{Field: m[2], Desc: m[1] == "desc"})
	}
	return out, nil
}

// parseFacets checks facet names (facet=kind&facet=spec.type, or a JSON
// list) and drops duplicates; the response keys them as asked.
func parseFacets(values []string) ([]string, error) {
	if len(values) > maxFacets {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid facet, at most %d are allowed in one request", maxFacets)
	}
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, f := range values {
		if err := checkPath("facet", strings.TrimSpace(f)); err != nil {
			return nil, err
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// maxSelected bounds the values of one filter of the catalog and create
// pages (?tag=a&tag=b...): each renders a checkbox whose link repeats the
// selection, so the page grows with the square of the count.
const maxSelected = 100

// selected reads the values of one page filter parameter, trimmed and
// without duplicates.
func selected(param string, values []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		if v = strings.TrimSpace(v); v == "" || seen[v] {
			continue
		}
		if len(out) == maxSelected {
			return nil, callboard.Errorf(callboard.Invalid, "%s: select at most %d values", param, maxSelected)
		}
		seen[v] = true
		out = append(out, v)
	}
	return out, nil
}
