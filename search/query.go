package search

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"callboard"
	"callboard/catalog"
)

// Page sizes: Backstage's search backend pages by 25 and accepts a
// pageLimit of at most 100.
const (
	DefaultPageLimit = 25
	MaxPageLimit     = 100
	maxTermLen       = 200
)

// Request is a query in Backstage's terms: GET /api/search/query's term,
// types, filters and cursor.
type Request struct {
	Term  string
	Types []string
	// Filters are filters[kind] and filters[owner]; other keys are
	// Invalid.
	Filters    map[string][]string
	PageCursor string
	PageLimit  int
}

// ResultSet is Backstage's SearchResultSet, with the facets for the page.
type ResultSet struct {
	Results            []Result `json:"results"`
	NextPageCursor     string   `json:"nextPageCursor,omitempty"`
	PreviousPageCursor string   `json:"previousPageCursor,omitempty"`
	NumberOfResults    int      `json:"numberOfResults"`
	// Facets count the matches by type, kind and owner; each facet
	// ignores its own filter, so that it shows the alternatives.
	Facets Facets `json:"-"`
	// Page is the 0-based page number.
	Page int `json:"-"`
}

// Result is one hit.
type Result struct {
	Type      string         `json:"type"`
	Document  map[string]any `json:"document"`
	Highlight Highlight      `json:"highlight"`
	Rank      int            `json:"rank"`
}

// Highlight is Backstage's ResultHighlight: fields hold the document's
// title and text with each match between PreTag and PostTag (text cut to
// the part around the first match).
type Highlight struct {
	PreTag  string            `json:"preTag"`
	PostTag string            `json:"postTag"`
	Fields  map[string]string `json:"fields"`
}

// Facets are the counts of matches by value.
type Facets struct {
	Types, Kinds, Owners []FacetCount
	// Approximate is set when the counts are of the first matches only
	// (a thousand), not of all NumberOfResults.
	Approximate bool
}

// FacetCount is one value of a facet.
type FacetCount struct {
	Value string
	Count int
}

// Query answers r for the caller ctx carries: documents of entities it
// may not read are left out. A bad cursor, limit or filter is Invalid.
func (s *Service) Query(ctx context.Context, r Request) (*ResultSet, error) {
	page, err := decodeCursor(r.PageCursor)
	if err != nil {
		return nil, err
	}
	limit := r.PageLimit
	switch {
	case limit == 0:
		limit = DefaultPageLimit
	case limit < 0 || limit > MaxPageLimit:
		return nil, callboard.Errorf(callboard.Invalid, "pageLimit must be between 1 and %d", MaxPageLimit)
	}
	q := callboard.SearchQuery{Term: cutTerm(r.Term), Types: r.Types, Offset: page * limit, Limit: limit}
	for k, vs := range r.Filters {
		switch k {
		case "kind":
			q.Kinds = vs
		case "owner":
			for _, v := range vs {
				q.Owners = append(q.Owners, ownerFilter(v))
			}
		default:
			return nil, callboard.Errorf(callboard.Invalid, "unknown search filter %q: filters[kind] and filters[owner] are supported", k)
		}
	}
	all, err := catalog.SeesEverything(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		q.Allow = s.allow
	}
	ans, err := s.opts.Store.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	rs := &ResultSet{Results: []Result{}, NumberOfResults: ans.Total, Page: page, Facets: facets(ans.Groups, q)}
	rs.Facets.Approximate = ans.GroupsPartial
	for i, h := range ans.Hits {
		rs.Results = append(rs.Results, Result{
			Type: h.Doc.Type, Document: h.Doc.Fields, Rank: page*limit + i + 1,
			Highlight: s.highlight(h.Doc, ans.Words),
		})
	}
	if page > 0 {
		rs.PreviousPageCursor = encodeCursor(page - 1)
	}
	if (page+1)*limit < ans.Total {
		rs.NextPageCursor = encodeCursor(page + 1)
	}
	return rs, nil
}

// allow tells which entities the caller may read: those the catalog
// returns to them.
func (s *Service) allow(ctx context.Context, refs []string) ([]bool, error) {
	es, err := s.opts.Catalog.EntitiesByRefs(ctx, refs, nil)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(refs))
	for i, e := range es {
		out[i] = e != nil
	}
	return out, nil
}

// ownerFilter reads an owner filter as the canonical ref of a group.
func ownerFilter(v string) string {
	ref, err := callboard.ParseRef(v, "group", "")
	if err != nil {
		return strings.ToLower(v)
	}
	return ref.String()
}

func cutTerm(t string) string {
	t = strings.TrimSpace(t)
	if len(t) > maxTermLen {
		t = t[:maxTermLen]
		for !utf8.ValidString(t) {
			t = t[:len(t)-1]
		}
	}
	return t
}

// Cursors are Backstage's: the page number in base64.
func encodeCursor(page int) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(page)))
}

func decodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, callboard.Errorf(callboard.Invalid, "pageCursor %q is not a cursor this search gave", c)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 || n > 10000 {
		return 0, callboard.Errorf(callboard.Invalid, "pageCursor %q is not a cursor this search gave", c)
	}
	return n, nil
}

// facets counts the groups for each facet, with the other facets'
// filters applied.
func facets(groups []callboard.SearchGroup, q callboard.SearchQuery) Facets {
	in := func(v string, set []string) bool {
		return len(set) == 0 || slices.ContainsFunc(set, func(s string) bool { return strings.EqualFold(s, v) })
	}
	types, kinds, owners := map[string]int{}, map[string]int{}, map[string]int{}
	for _, g := range groups {
		t, k, o := in(g.Type, q.Types), in(g.Kind, q.Kinds), in(g.Owner, q.Owners)
		if k && o {
			types[g.Type] += g.Count
		}
		if t && o {
			kinds[g.Kind] += g.Count
		}
		if t && k && g.Owner != "" {
			owners[g.Owner] += g.Count
		}
	}
	return Facets{Types: counts(types), Kinds: counts(kinds), Owners: counts(owners)}
}

// counts sorts a facet by count, then value.
func counts(m map[string]int) []FacetCount {
	out := make([]FacetCount, 0, len(m))
	for v, n := range m {
		out = append(out, FacetCount{v, n})
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}
