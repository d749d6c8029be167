package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"callboard"
	"callboard/index"
)

// facetDef is one filter of the catalog index: its query parameter, the
// search key it filters and counts, and how values are shown.
type facetDef struct {
	Param, Key, Label string
	RefKind           string // values are refs of this default kind, shown short
}

// catalogFacets are the index filters, in UI.md's order.
var catalogFacets = []facetDef{
	{Param: "kind", Key: "kind", Label: "Kind"},
	{Param: "type", Key: "spec.type", Label: "Type"},
	{Param: "owner", Key: "relations.ownedby", Label: "Owner", RefKind: "group"},
	{Param: "lifecycle", Key: "spec.lifecycle", Label: "Lifecycle"},
	{Param: "system", Key: "spec.system", Label: "System"},
	{Param: "tag", Key: "metadata.tags", Label: "Tags"},
	{Param: "namespace", Key: "metadata.namespace", Label: "Namespace"},
}

// catalogSorts are the sortable columns: parameter value -> search key.
var catalogSorts = map[string]string{
	"name": "metadata.name", "kind": "kind", "type": "spec.type", "owner": "spec.owner",
	"lifecycle": "spec.lifecycle", "system": "spec.system",
}

const (
	defaultPageSize = 50
	maxPageSize     = 100
	facetShown      = 8   // values shown per facet before "more"
	facetMore       = 200 // values shown when expanded
)

// catalogParams is the state of the catalog index, all of it in the URL.
type catalogParams struct {
	Selected map[string][]string // facet param -> values
	Text     string
	Sort     string
	Desc     bool
	Page     int // 1-based
	Size     int
	More     string // the facet shown in full
	User     string // "owned" or "starred": the viewer's; "" for all
	// FixedKind is set on the APIs page: the kind is not the URL's.
	FixedKind bool
	Only      []string          // the ticked plugin filters (catalog_filters.go)
	Picked    map[string]string // the values picked in plugin filters with choices
	Extra     []index.Condition // what they keep
}

// allKinds is the kind value that asks for every kind: without a kind
// the catalog shows Components, as Backstage's does.
const allKinds = "all"

func parseCatalogParams(q url.Values) (catalogParams, error) {
	q = fromBackstage(q)
	p := catalogParams{Selected: map[string][]string{}, Text: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"),
		Desc: q.Get("dir") == "desc", Page: 1, Size: defaultPageSize, More: q.Get("more")}
	if len(p.Text) > 200 {
		p.Text = p.Text[:200]
	}
	for _, f := range catalogFacets {
		sel, err := selected(f.Param, q[f.Param])
		if err != nil {
			return p, err
		}
		if f.Param == "kind" {
			sel = slices.DeleteFunc(sel, func(v string) bool { return strings.EqualFold(v, allKinds) })
			if !q.Has("kind") {
				sel = []string{"component"}
			}
		}
		if len(sel) > 0 {
			p.Selected[f.Param] = sel
		}
	}
	switch u := strings.ToLower(q.Get("user")); u {
	case "owned", "starred":
		p.User = u
	case "", "all":
	default:
		return p, callboard.Errorf(callboard.Invalid, "user must be owned, starred or all, not %q", q.Get("user"))
	}
	if _, ok := catalogSorts[p.Sort]; !ok {
		p.Sort = "name"
	}
	if raw := q.Get("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1_000_000 {
			return p, callboard.Errorf(callboard.Invalid, "page must be a whole number of at least 1, not %q", raw)
		}
		p.Page = n
	}
	if raw := q.Get("size"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPageSize {
			return p, callboard.Errorf(callboard.Invalid, "size must be between 1 and %d, not %q", maxPageSize, raw)
		}
		p.Size = n
	}
	return p, nil
}

// filter returns the index filter of the selection, leaving out the facet
// named except (for its own counts). Values of one facet are alternatives;
// facets combine with AND.
func (p catalogParams) filter(except string) index.Filter {
	var set []index.Condition
	for _, f := range catalogFacets {
		if f.Param == except || len(p.Selected[f.Param]) == 0 {
			continue
		}
		set = append(set, index.Condition{Key: f.Key, Values: p.Selected[f.Param]})
	}
	set = append(set, p.Extra...)
	if len(set) == 0 {
		return nil
	}
	return index.Filter{set}
}

// values encodes the state; zero fields are left out, so URLs stay short
// and one view has one URL.
func (p catalogParams) values() url.Values {
	v := url.Values{}
	for _, f := range catalogFacets {
		if f.Param == "kind" && p.FixedKind {
			continue
		}
		for _, s := range p.Selected[f.Param] {
			v.Add(f.Param, s)
		}
	}
	if len(p.Selected["kind"]) == 0 && !p.FixedKind {
		v.Set("kind", allKinds)
	}
	if p.User != "" {
		v.Set("user", p.User)
	}
	for _, o := range p.Only {
		v.Add("only", o)
	}
	for k, val := range p.Picked {
		v.Set(k, val)
	}
	if p.Text != "" {
		v.Set("q", p.Text)
	}
	if p.Sort != "name" {
		v.Set("sort", p.Sort)
	}
	if p.Desc {
		v.Set("dir", "desc")
	}
	if p.Page > 1 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	if p.Size != defaultPageSize {
		v.Set("size", strconv.Itoa(p.Size))
	}
	if p.More != "" {
		v.Set("more", p.More)
	}
	return v
}

func (p catalogParams) url(base string) string {
	if e := p.values().Encode(); e != "" {
		return base + "?" + e
	}
	return base
}

type facetView struct {
	Param, Label string
	Values       []facetValue
	Hidden       int    // values not shown
	MoreURL      string // shows every value (up to facetMore)
	ClearURL     string // drops this facet's selection; "" if none
}

type facetValue struct {
	Value, Label, Title string
	Count               int
	Checked             bool
	URL                 string // toggles this value
}

type columnView struct {
	Label, URL string
	Sorted     string // "", "ascending" or "descending" (aria-sort)
}

type catalogView struct {
	Base       string
	Params     catalogParams
	Facets     []facetView
	Columns    []columnView
	Rows       []entityRow
	Total      int
	From, To   int
	PrevURL    string
	NextURL    string
	Pages      int
	ClearURL   string
	Filtered   bool
	ShowKind   bool
	APIsPage   bool
	Only       []onlyView    // the plugins' filters
	Hidden     []hiddenField // the state the filter form carries along
	Users      []userView    // Owned / Starred / All, for a viewer
	FirstEmpty bool          // the catalog itself is empty
}

type hiddenField struct{ Name, Value string }

func (s *Server) handleCatalogPage(w http.ResponseWriter, r *http.Request) error {
	return s.catalogPage(w, r, "/catalog", false)
}

// handleAPIsPage is the API explorer: the catalog index fixed to kind
// API, at Backstage's /api-docs (and our older /apis).
func (s *Server) handleAPIsPage(w http.ResponseWriter, r *http.Request) error {
	base := "/api-docs"
	if r.URL.Path == "/apis" {
		base = "/apis"
	}
	return s.catalogPage(w, r, base, true)
}

// catalogTextFields are what the catalog's text filter matches: a
// person's display name and email too, so 张伟 finds zhang.wei.
var catalogTextFields = append(slices.Clone(searchAllFields), "spec.profile.displayName", "spec.profile.email")

func (s *Server) catalogPage(w http.ResponseWriter, r *http.Request, base string, apis bool) error {
	ctx := r.Context()
	p, err := parseCatalogParams(r.URL.Query())
	if err != nil {
		return err
	}
	if apis {
		p.Selected["kind"] = []string{"api"}
		p.FixedKind = true
	}
	only, err := s.applyCatalogFilters(r, &p)
	if err != nil {
		return err
	}
	users, err := s.applyUserFilter(r, &p, base)
	if err != nil {
		return err
	}
	q := index.Query{Filter: p.filter(""), Offset: (p.Page - 1) * p.Size, Limit: p.Size,
		Order: []index.Order{{Field: catalogSorts[p.Sort], Desc: p.Desc}}}
	if p.Sort != "name" {
		q.Order = append(q.Order, index.Order{Field: "metadata.name"})
	}
	if p.Text != "" {
		q.FullText = index.FullText{Term: p.Text, Fields: catalogTextFields}
	}
	es, total, err := s.catalog.Query(ctx, q)
	if err != nil {
		return err
	}
	v := catalogView{Base: base, Params: p, Rows: s.peopleRows(ctx, rowsOf(es), nil), Total: total, APIsPage: apis, Only: only, Users: users,
		ShowKind: len(p.Selected["kind"]) != 1, Filtered: len(q.Filter) > 0 || p.Text != ""}
	// The default view (Components, nothing else) is not "filtered".
	if len(p.Selected) == 1 && !r.URL.Query().Has("kind") && !apis && len(p.Extra) == 0 && p.Text == "" {
		v.Filtered = false
	}
	v.FirstEmpty = total == 0 && s.catalog.Len() == 0
	v.Pages = (total + p.Size - 1) / p.Size
	if len(es) > 0 {
		v.From, v.To = q.Offset+1, q.Offset+len(es)
	}
	at := func(page int) string {
		c := p
		c.Page = page
		if apis {
			c.Selected = withoutKey(c.Selected, "kind")
		}
		return c.url(base)
	}
	if p.Page > 1 {
		v.PrevURL = at(p.Page - 1)
	}
	if q.Offset+len(es) < total {
		v.NextURL = at(p.Page + 1)
	}
	clear := catalogParams{Sort: p.Sort, Desc: p.Desc, Size: p.Size, Page: 1, FixedKind: apis, User: p.User}
	v.ClearURL = clear.url(base)
	v.Facets = s.catalogFacetViews(r, p, base, apis)
	v.Columns = catalogColumns(p, base, apis, v.ShowKind)
	for _, f := range catalogFacets {
		if apis && f.Param == "kind" {
			continue
		}
		for _, val := range p.Selected[f.Param] {
			v.Hidden = append(v.Hidden, hiddenField{f.Param, val})
		}
	}
	title, sub, nav := "Catalog", "Every component, API, resource, system, group and user the catalog knows", "catalog"
	if apis {
		title, sub, nav = "APIs", "Every API in the catalog, with its owner, system and lifecycle", "apis"
	}
	return s.render(w, r, http.StatusOK, "catalog", "", &page{Title: title, Subtitle: sub, Nav: nav, Data: v})
}

func withoutKey(m map[string][]string, key string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// catalogFacetViews counts each facet under the other facets' selection,
// so a selected value's alternatives stay visible. Facets without a
// selection share one count.
func (s *Server) catalogFacetViews(r *http.Request, p catalogParams, base string, apis bool) []facetView {
	ctx := r.Context()
	var shared []string
	for _, f := range catalogFacets {
		if len(p.Selected[f.Param]) == 0 {
			shared = append(shared, f.Key)
		}
	}
	counts := s.catalog.Facets(ctx, shared, p.filter(""))
	link := func(c catalogParams) string {
		c.Page = 1
		if apis {
			c.Selected = withoutKey(c.Selected, "kind")
		}
		return c.url(base)
	}
	out := make([]facetView, 0, len(catalogFacets))
	for _, f := range catalogFacets {
		if apis && f.Param == "kind" {
			continue
		}
		sel := p.Selected[f.Param]
		list, ok := counts[f.Key]
		if len(sel) > 0 || !ok {
			list = s.catalog.Facets(ctx, []string{f.Key}, p.filter(f.Param))[f.Key]
		}
		fv := facetView{Param: f.Param, Label: f.Label}
		limit := facetShown
		if p.More == f.Param {
			limit = facetMore
		}
		for i, c := range list {
			checked := slices.ContainsFunc(sel, func(s string) bool { return strings.EqualFold(s, c.Value) })
			if i >= limit && !checked {
				fv.Hidden++
				continue
			}
			toggled := p
			toggled.Selected = withoutKey(p.Selected, "")
			if checked {
				toggled.Selected[f.Param] = slices.DeleteFunc(slices.Clone(sel), func(s string) bool { return strings.EqualFold(s, c.Value) })
			} else {
				toggled.Selected[f.Param] = append(slices.Clone(sel), c.Value)
			}
			label := c.Value
			if f.RefKind != "" {
				label = shortRef(c.Value, f.RefKind)
			}
			fv.Values = append(fv.Values, facetValue{Value: c.Value, Label: label, Title: c.Value, Count: c.Count, Checked: checked, URL: link(toggled)})
		}
		// A selected value with no matches still shows, so it can be unticked.
		for _, v := range sel {
			if !slices.ContainsFunc(fv.Values, func(x facetValue) bool { return strings.EqualFold(x.Value, v) }) {
				toggled := p
				toggled.Selected = withoutKey(p.Selected, "")
				toggled.Selected[f.Param] = slices.DeleteFunc(slices.Clone(sel), func(s string) bool { return s == v })
				fv.Values = append(fv.Values, facetValue{Value: v, Label: v, Title: v, Checked: true, URL: link(toggled)})
			}
		}
		if f.RefKind != "" {
			// Owners by their display names; the ref shows on hover.
			refs := make([]string, len(fv.Values))
			for i, fvv := range fv.Values {
				refs[i] = fvv.Value
			}
			names := s.displayNames(ctx, refs)
			for i := range fv.Values {
				if dn := names[fv.Values[i].Value]; dn != "" {
					fv.Values[i].Label = dn
				}
			}
		}
		if fv.Hidden > 0 {
			more := p
			more.More = f.Param
			fv.MoreURL = link(more)
		}
		if len(sel) > 0 {
			cl := p
			cl.Selected = withoutKey(p.Selected, f.Param)
			fv.ClearURL = link(cl)
		}
		out = append(out, fv)
	}
	return out
}

// catalogColumns are the table's headers, each a link sorting by it.
func catalogColumns(p catalogParams, base string, apis, showKind bool) []columnView {
	cols := []struct{ label, sort string }{{"Name", "name"}}
	if showKind {
		cols = append(cols, struct{ label, sort string }{"Kind", "kind"})
	}
	cols = append(cols, []struct{ label, sort string }{
		{"System", "system"}, {"Owner", "owner"}, {"Type", "type"}, {"Lifecycle", "lifecycle"}, {"Description", ""}, {"Tags", ""},
	}...)
	out := make([]columnView, len(cols))
	for i, c := range cols {
		out[i].Label = c.label
		if c.sort == "" {
			continue
		}
		next := p
		next.Page = 1
		next.Sort, next.Desc = c.sort, false
		if p.Sort == c.sort {
			next.Desc = !p.Desc
			out[i].Sorted = "ascending"
			if p.Desc {
				out[i].Sorted = "descending"
			}
		}
		if apis {
			next.Selected = withoutKey(next.Selected, "kind")
		}
		out[i].URL = next.url(base)
	}
	return out
}
