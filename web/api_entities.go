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

// defaultQueryLimit is the page size of by-query when none is given.
const defaultQueryLimit = 20

func (s *Server) handleEntities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	proj, err := parseFields(q["fields"])
	if err != nil {
		return err
	}
	c := &queryCursor{Filter: q["filter"], LegacyOrder: q["order"]}
	if after := q.Get("after"); after != "" {
		ac, err := decodeQueryCursor(after, useList)
		if err != nil {
			return err
		}
		if (q.Has("filter") || q.Has("order")) && !ac.sameQuery(c) {
			return errOtherQuery("filter and order")
		}
		c = ac
	} else if c.Offset, err = intParam(q, "offset", 0, 0); err != nil {
		return err
	}
	query, err := c.query()
	if err != nil {
		return err
	}
	// Without order, Backstage lists by entity ref, so limit+after pages
	// match its pages.
	query.ByRef = true
	if query.Limit, err = intParam(q, "limit", 0, 1); err != nil {
		return err
	}
	page, err := s.catalog.QueryPage(r.Context(), query)
	if err != nil {
		return err
	}
	l := entityList{uids: page.UIDs, proj: proj, header: http.Header{}}
	if query.Limit > 0 && query.Offset+len(page.UIDs) < page.Total {
		n := *c
		n.Offset, n.Total = query.Offset+query.Limit, page.Total
		u := *r.URL
		v := url.Values{"after": {n.encode(useList)}, "limit": {strconv.Itoa(query.Limit)}}
		if f := q["fields"]; len(f) > 0 {
			v["fields"] = f
		}
		u.RawQuery = v.Encode()
		l.header.Set("Link", "<"+u.RequestURI()+">; rel=\"next\"")
	}
	return s.writeList(w, r, l)
}

func (s *Server) handleEntitiesByQuery(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	proj, err := parseFields(q["fields"])
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit", defaultQueryLimit, 0)
	if err != nil {
		return err
	}
	c := &queryCursor{Filter: q["filter"], Order: q["orderField"], Term: q.Get("fullTextFilterTerm"), TextFields: q["fullTextFilterFields"]}
	if raw := q.Get("cursor"); raw != "" {
		qc, err := decodeQueryCursor(raw, useByQuery)
		if err != nil {
			return err
		}
		asked := q.Has("filter") || q.Has("orderField") || q.Has("fullTextFilterTerm") || q.Has("fullTextFilterFields")
		if asked && !qc.sameQuery(c) {
			return errOtherQuery("filter, orderField and fullTextFilter parameters")
		}
		c = qc
	} else if c.Offset, err = intParam(q, "offset", 0, 0); err != nil {
		return err
	}
	query, err := c.query()
	if err != nil {
		return err
	}
	query.Limit = max(limit, 1) // 0: only the count is wanted
	page, err := s.catalog.QueryPage(r.Context(), query)
	if err != nil {
		return err
	}
	if limit == 0 {
		page.UIDs = nil
	}
	pageInfo := map[string]string{}
	if limit > 0 && c.Offset+len(page.UIDs) < page.Total {
		n := *c
		n.Offset, n.Total = c.Offset+limit, page.Total
		pageInfo["nextCursor"] = n.encode(useByQuery)
	}
	if c.Offset > 0 {
		p := *c
		p.Offset, p.Total = max(0, c.Offset-limit), page.Total
		pageInfo["prevCursor"] = p.encode(useByQuery)
	}
	return s.writeList(w, r, entityList{uids: page.UIDs, proj: proj,
		before: []byte(`{"items":`), after: pageTail(page.Total, pageInfo)})
}

func (s *Server) handleEntitiesByRefs(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		EntityRefs []string `json:"entityRefs"`
		Fields     []string `json:"fields"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.EntityRefs == nil {
		return callboard.Errorf(callboard.Invalid, "Missing entityRefs in request body")
	}
	proj, err := parseFields(body.Fields)
	if err != nil {
		return err
	}
	f, err := index.ParseFilters(r.URL.Query()["filter"])
	if err != nil {
		return err
	}
	items, err := s.catalog.EntitiesByRefs(r.Context(), body.EntityRefs, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": proj.entities(items)})
}

func (s *Server) handleEntityByUID(w http.ResponseWriter, r *http.Request) error {
	e, err := s.catalog.EntityByUID(r.Context(), r.PathValue("uid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (s *Server) handleEntityDelete(w http.ResponseWriter, r *http.Request) error {
	uid := r.PathValue("uid")
	// A hidden entity is deleted as an unknown uid is: not at all.
	e, err := s.catalog.EntityByUID(r.Context(), uid)
	if callboard.ErrorKind(err) == callboard.NotFound {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return err
	}
	target := e.Ref().String()
	if err := s.authorize(r, callboard.PermEntityDelete, e, target); err != nil {
		return err
	}
	err = s.catalog.DeleteEntity(r.Context(), uid)
	s.audit(r, callboard.PermEntityDelete, target, err, map[string]any{"uid": uid})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func pathRef(r *http.Request) callboard.EntityRef {
	return callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
}

func (s *Server) handleEntityByName(w http.ResponseWriter, r *http.Request) error {
	bp := entityBufs.Get()
	defer entityBufs.Put(bp)
	b, err := s.catalog.AppendEntityJSON(r.Context(), *bp, pathRef(r))
	*bp = b
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	*bp = append(b, '\n')
	_, _ = w.Write(*bp)
	return nil
}

func (s *Server) handleEntityAncestry(w http.ResponseWriter, r *http.Request) error {
	root, items, err := s.catalog.Ancestry(r.Context(), pathRef(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"rootEntityRef": root, "items": items})
}

func (s *Server) handleEntityFacets(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if len(q["facet"]) == 0 {
		return callboard.Errorf(callboard.Invalid, "Missing facet parameter")
	}
	facets, err := parseFacets(q["facet"])
	if err != nil {
		return err
	}
	f, err := index.ParseFilters(q["filter"])
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"facets": byValue(s.catalog.Facets(r.Context(), facets, f))})
}

// byValue sorts each facet's values by value, as Backstage's facets query
// does (ORDER BY key, value); the portal's filters keep the index's order,
// most frequent first.
func byValue(facets map[string][]index.FacetCount) map[string][]index.FacetCount {
	for _, list := range facets {
		slices.SortFunc(list, func(a, b index.FacetCount) int { return strings.Compare(a.Value, b.Value) })
	}
	return facets
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		EntityRef string `json:"entityRef"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if err := s.refreshEntity(r, body.EntityRef); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleValidateEntity(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Entity   map[string]any `json:"entity"`
		Location string         `json:"location"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.Entity == nil {
		return callboard.Errorf(callboard.Invalid, "Malformed request: entity is missing")
	}
	if !strings.HasPrefix(body.Location, "url:") {
		return callboard.Errorf(callboard.Invalid, "Malformed request: location must be a url location ref such as url:https://host/catalog-info.yaml")
	}
	problems := s.catalog.ValidateEntity(r.Context(), body.Entity)
	if len(problems) == 0 {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	errs := make([]map[string]string, len(problems))
	for i, p := range problems {
		errs[i] = map[string]string{"name": "InputError", "message": p.String()}
	}
	return writeJSON(w, http.StatusBadRequest, map[string]any{"errors": errs})
}

func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) error {
	return callboard.Errorf(callboard.NotFound, "No route for %s %s", r.Method, r.URL.Path)
}

// intParam reads a non-negative integer parameter no smaller than lowest.
func intParam(q url.Values, name string, def, lowest int) (int, error) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lowest {
		if name == "limit" && lowest > 0 {
			return 0, callboard.Errorf(callboard.Invalid, "Invalid limit, must be greater than zero")
		}
		return 0, callboard.Errorf(callboard.Invalid, "Invalid %s %q, must be an integer of at least %d", name, raw, lowest)
	}
	return n, nil
}
