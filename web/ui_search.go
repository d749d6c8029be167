package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"callboard"
	"callboard/search"
)

// The search page (/search?query=, as Backstage's): hits from the one
// search (package search) with facets by type, kind and owner, marked
// snippets and pages; ?partial=1 gives the top bar's type-ahead list.

type searchPageView struct {
	Engine   bool // the one search answers; otherwise entity names only
	Term     string
	Hits     []searchHitView
	Total    int
	Facets   []facetView
	Approx   bool // facet counts of the first matches only
	From     int
	To       int
	Prev     string
	Next     string
	Clear    string // the page without filters
	Kept     []hiddenParam
	Filtered bool

	// Without the one search (Options.Search nil): entity rows.
	Rows []entityRow
	More string
}

type searchHitView struct {
	URL, Type, TypeLabel, Kind string
	Title, Name, Text          []search.Part // Name: an entity's, when its title differs
	Context                    string        // where a docs section is: the entity's title
	Owner                      refLink
}

type hiddenParam struct{ Name, Value string }

// typeLabels name the document types on the page.
var typeLabels = map[string]string{
	callboard.SearchTypeCatalog:  "Catalog",
	callboard.SearchTypeTechDocs: "Documentation",
	callboard.SearchTypeTemplate: "Templates",
}

// handleSearch answers /search?query= (and ?q=, the earlier spelling).
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	term := strings.TrimSpace(q.Get("query"))
	if term == "" {
		term = strings.TrimSpace(q.Get("q"))
	}
	if len(term) > 200 {
		term = term[:200]
	}
	partial := q.Get("partial") != ""
	if s.opts.Search == nil {
		return s.handleNameSearch(w, r, term, partial)
	}
	req, err := searchRequest(r)
	if err != nil {
		return err
	}
	req.Term = term
	if partial {
		req.PageLimit, req.PageCursor = 8, ""
	}
	v := searchPageView{Engine: true, Term: term}
	if term != "" {
		rs, err := s.opts.Search.Query(r.Context(), req)
		if err != nil {
			return err
		}
		v.fill(r.URL, req, rs)
	}
	p := &page{Title: "Search", Subtitle: "Entities, documentation and templates", Nav: "search", Query: term, Data: v}
	if partial {
		w.Header().Set("Cache-Control", "no-store")
		return s.render(w, r, http.StatusOK, "search", "results", p)
	}
	return s.render(w, r, http.StatusOK, "search", "", p)
}

// fill turns a result set into the page.
func (v *searchPageView) fill(u *url.URL, req search.Request, rs *search.ResultSet) {
	v.Total = rs.NumberOfResults
	for _, res := range rs.Results {
		h := searchHitView{Type: res.Type, TypeLabel: typeLabels[res.Type]}
		h.URL, _ = res.Document["location"].(string)
		h.Kind, _ = res.Document["kind"].(string)
		h.Title = search.Parts(res.Highlight.Fields["title"], res.Highlight)
		h.Text = search.Parts(res.Highlight.Fields["text"], res.Highlight)
		if name, title := res.Document["name"], res.Document["title"]; res.Type != callboard.SearchTypeTechDocs && name != title {
			h.Name = search.Parts(res.Highlight.Fields["name"], res.Highlight)
		}
		if res.Type == callboard.SearchTypeTechDocs {
			h.Context, _ = res.Document["entityTitle"].(string)
		}
		if o, _ := res.Document["owner"].(string); o != "" {
			ns, _ := res.Document["namespace"].(string)
			if ref, err := callboard.ParseRef(o, "group", ns); err == nil {
				h.Owner = linkTo(ref.String(), "group")
			}
		}
		v.Hits = append(v.Hits, h)
	}
	if len(rs.Results) > 0 {
		v.From = rs.Results[0].Rank
		v.To = rs.Results[len(rs.Results)-1].Rank
	}
	withCursor := func(c string) string {
		q := u.Query()
		q.Del("pageCursor")
		q.Del("q")
		q.Set("query", req.Term)
		if c != "" {
			q.Set("pageCursor", c)
		}
		return "/search?" + q.Encode()
	}
	if rs.PreviousPageCursor != "" || rs.Page == 1 {
		v.Prev = withCursor(rs.PreviousPageCursor)
	}
	if rs.NextPageCursor != "" {
		v.Next = withCursor(rs.NextPageCursor)
	}
	v.Clear = "/search?" + url.Values{"query": {req.Term}}.Encode()
	v.Filtered = len(req.Types) > 0 || len(req.Filters) > 0
	v.Kept = []hiddenParam{{"query", req.Term}}
	v.Approx = rs.Facets.Approximate
	v.Facets = []facetView{
		searchFacet("Type", "types", rs.Facets.Types, req.Types, func(s string) string { return typeLabels[s] }),
		searchFacet("Kind", "filters[kind]", rs.Facets.Kinds, req.Filters["kind"], strings.ToLower),
		searchFacet("Owner", "filters[owner]", rs.Facets.Owners, ownerValues(req.Filters["owner"]), func(s string) string {
			return linkTo(s, "group").Short
		}),
	}
}

// ownerValues reads owner filters as canonical refs, as facets list them.
func ownerValues(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if ref, err := callboard.ParseRef(v, "group", ""); err == nil {
			out[i] = ref.String()
		} else {
			out[i] = v
		}
	}
	return out
}

// searchFacet lists a facet's values as checkboxes of the filter form,
// the checked ones first, at most 12.
func searchFacet(label, param string, counts []search.FacetCount, on []string, name func(string) string) facetView {
	f := facetView{Label: label, Param: param}
	isOn := func(v string) bool {
		return slices.ContainsFunc(on, func(o string) bool { return strings.EqualFold(o, v) })
	}
	for _, c := range counts {
		if len(f.Values) >= 12 && !isOn(c.Value) {
			f.Hidden++
			continue
		}
		l := name(c.Value)
		if l == "" {
			l = c.Value
		}
		f.Values = append(f.Values, facetValue{Value: c.Value, Label: l, Title: c.Value, Count: c.Count, Checked: isOn(c.Value)})
	}
	return f
}

// handleNameSearch is the search without the one search: entities by
// name, title, description, tags and owner.
func (s *Server) handleNameSearch(w http.ResponseWriter, r *http.Request, term string, partial bool) error {
	limit := 50
	if partial {
		limit = 8
	}
	rows, total, err := s.search(r.Context(), term, limit)
	if err != nil {
		return err
	}
	v := searchPageView{Term: term, Rows: rows, Total: total, More: "/catalog?q=" + url.QueryEscape(term)}
	p := &page{Title: "Search", Subtitle: "Entities by name, title, description, tags and owner", Nav: "search", Query: term, Data: v}
	if partial {
		w.Header().Set("Cache-Control", "no-store")
		return s.render(w, r, http.StatusOK, "search", "results", p)
	}
	return s.render(w, r, http.StatusOK, "search", "", p)
}
