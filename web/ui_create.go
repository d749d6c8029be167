package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"callboard"
	"callboard/index"
)

// createFacets are the filters of the Create page, all in the URL.
var createFacets = []facetDef{
	{Param: "type", Key: "spec.type", Label: "Type"},
	{Param: "owner", Key: "relations.ownedby", Label: "Owner", RefKind: "group"},
	{Param: "tag", Key: "metadata.tags", Label: "Tags"},
}

// createLimit bounds the cards on one page; the text filter narrows more.
const createLimit = 200

// templateCard is one template on the Create page.
type templateCard struct {
	Ref, Name, Title, Description, Type, URL string
	Owner                                    refLink
	Tags                                     []string
}

type createView struct {
	Text     string
	Facets   []facetView
	Cards    []templateCard
	Total    int
	Filtered bool
	Empty    bool // no templates at all in the catalog
	ClearURL string
}

// createParams reads the Create page's filters from the query string.
func createParams(q url.Values) (text string, sel map[string][]string, err error) {
	text = strings.TrimSpace(q.Get("q"))
	if len(text) > 200 {
		text = text[:200]
	}
	sel = map[string][]string{}
	for _, f := range createFacets {
		vs, err := selected(f.Param, q[f.Param])
		if err != nil {
			return "", nil, err
		}
		if vs != nil {
			sel[f.Param] = vs
		}
	}
	return text, sel, nil
}

// createFilter is kind=template plus the selected facets, leaving out
// the facet named except (for its own counts).
func createFilter(sel map[string][]string, except string) index.Filter {
	set := []index.Condition{{Key: "kind", Values: []string{"template"}}}
	for _, f := range createFacets {
		if f.Param != except && len(sel[f.Param]) > 0 {
			set = append(set, index.Condition{Key: f.Key, Values: sel[f.Param]})
		}
	}
	return index.Filter{set}
}

func createURL(text string, sel map[string][]string) string {
	v := url.Values{}
	for _, f := range createFacets {
		for _, s := range sel[f.Param] {
			v.Add(f.Param, s)
		}
	}
	if text != "" {
		v.Set("q", text)
	}
	if e := v.Encode(); e != "" {
		return "/create?" + e
	}
	return "/create"
}

// handleCreatePage lists the catalog's templates as cards, filtered by
// type, owner, tags and text.
func (s *Server) handleCreatePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	text, sel, err := createParams(r.URL.Query())
	if err != nil {
		return err
	}
	q := index.Query{Filter: createFilter(sel, ""), Limit: createLimit,
		Order: []index.Order{{Field: "metadata.title"}, {Field: "metadata.name"}}}
	if text != "" {
		q.FullText = index.FullText{Term: text, Fields: searchAllFields}
	}
	es, total, err := s.catalog.Query(ctx, q)
	if err != nil {
		return err
	}
	v := createView{Text: text, Total: total, ClearURL: "/create"}
	v.Filtered = text != "" || len(sel) > 0
	for _, e := range es {
		v.Cards = append(v.Cards, cardOf(e))
	}
	owners := make([]*refLink, len(v.Cards))
	for i := range v.Cards {
		owners[i] = &v.Cards[i].Owner
	}
	s.nameLinks(ctx, owners...)
	if total == 0 && v.Filtered {
		_, all, err := s.catalog.Query(ctx, index.Query{Filter: createFilter(nil, ""), Limit: 1})
		if err != nil {
			return err
		}
		v.Empty = all == 0
	} else {
		v.Empty = total == 0
	}
	for _, f := range createFacets {
		counts := s.catalog.Facets(ctx, []string{f.Key}, createFilter(sel, f.Param))[f.Key]
		fv := facetView{Param: f.Param, Label: f.Label}
		for _, c := range counts {
			checked := slices.ContainsFunc(sel[f.Param], func(x string) bool { return strings.EqualFold(x, c.Value) })
			label := c.Value
			if f.RefKind != "" {
				label = shortRef(c.Value, f.RefKind)
			}
			fv.Values = append(fv.Values, facetValue{Value: c.Value, Label: label, Title: c.Value, Count: c.Count, Checked: checked})
		}
		if len(sel[f.Param]) > 0 {
			fv.ClearURL = createURL(text, withoutKey(sel, f.Param))
		}
		v.Facets = append(v.Facets, fv)
	}
	return s.render(w, r, http.StatusOK, "create", "", &page{
		Title: "Create", Nav: "create",
		Subtitle: "Start a new component from a software template: pick one, fill in the form, watch it run",
		Data:     v,
	})
}

// cardOf builds the Create page's view of a template.
func cardOf(e *callboard.Entity) templateCard {
	ref := e.Ref()
	c := templateCard{
		Ref: ref.String(), Name: e.Metadata.Name, Title: e.Metadata.Title, Description: e.Metadata.Description,
		Type: e.SpecString("type"), Tags: e.Metadata.Tags,
		URL: "/create/templates/" + url.PathEscape(strings.ToLower(ref.Namespace)) + "/" + url.PathEscape(ref.Name),
	}
	if c.Title == "" {
		c.Title = c.Name
	}
	for _, rel := range e.Relations {
		if rel.Type == callboard.RelationOwnedBy {
			c.Owner = linkTo(rel.TargetRef, "group")
			break
		}
	}
	return c
}
