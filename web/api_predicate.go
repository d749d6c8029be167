package web

import (
	"net/http"

	"callboard"
	"callboard/index"
)

// predicateRequest is the body of POST /entities/by-query, Backstage's
// predicate-based query.
type predicateRequest struct {
	Query          any            `json:"query,omitempty"`
	Cursor         string         `json:"cursor,omitempty"`
	Limit          *int           `json:"limit,omitempty"`
	Offset         int            `json:"offset,omitempty"`
	OrderBy        []orderBy      `json:"orderBy,omitempty"`
	FullTextFilter *fullTextQuery `json:"fullTextFilter,omitempty"`
	Fields         []string       `json:"fields,omitempty"`
}

type orderBy struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

type fullTextQuery struct {
	Term   string   `json:"term"`
	Fields []string `json:"fields,omitempty"`
}

func (s *Server) handleEntitiesByPredicate(w http.ResponseWriter, r *http.Request) error {
	var body predicateRequest
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	limit := defaultQueryLimit
	if body.Limit != nil {
		if *body.Limit < 0 {
			return callboard.Errorf(callboard.Invalid, "Invalid limit, must be zero or greater")
		}
		limit = *body.Limit
	}
	proj, err := parseFields(body.Fields)
	if err != nil {
		return err
	}
	c := &predicateCursor{Query: body.Query, OrderBy: body.OrderBy, FullText: body.FullTextFilter, Offset: body.Offset}
	if body.Cursor != "" {
		bc, err := decodePredicateCursor(body.Cursor, usePredicate)
		if err != nil {
			return err
		}
		asked := body.Query != nil || body.OrderBy != nil || body.FullTextFilter != nil
		if asked && !bc.sameQuery(body.Query, body.OrderBy, body.FullTextFilter) {
			return errOtherQuery("query, orderBy and fullTextFilter")
		}
		c = bc
	}
	q := index.Query{Offset: c.Offset, Limit: max(limit, 1)}
	if c.Query != nil {
		if q.Predicate, err = parsePredicate(c.Query); err != nil {
			return err
		}
	}
	if q.Order, err = parseOrderBy(c.OrderBy); err != nil {
		return err
	}
	if c.FullText != nil {
		fields, err := parsePaths("fullTextFilter.fields", c.FullText.Fields, maxFields)
		if err != nil {
			return err
		}
		q.FullText = index.FullText{Term: c.FullText.Term, Fields: fields}
	}
	page, err := s.catalog.QueryPage(r.Context(), q)
	if err != nil {
		return err
	}
	if limit == 0 {
		page.UIDs = nil
	}
	pageInfo := map[string]string{}
	if limit > 0 && c.Offset+len(page.UIDs) < page.Total {
		n := *c
		n.Offset = c.Offset + limit
		pageInfo["nextCursor"] = n.encode(usePredicate)
	}
	if c.Offset > 0 {
		p := *c
		p.Offset = max(0, c.Offset-limit)
		pageInfo["prevCursor"] = p.encode(usePredicate)
	}
	return s.writeList(w, r, entityList{uids: page.UIDs, proj: proj,
		before: []byte(`{"items":`), after: pageTail(page.Total, pageInfo)})
}

func (s *Server) handleEntityFacetsByPredicate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Facets []string `json:"facets"`
		Query  any      `json:"query,omitempty"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if len(body.Facets) == 0 {
		return callboard.Errorf(callboard.Invalid, "Missing facets in request body")
	}
	facets, err := parseFacets(body.Facets)
	if err != nil {
		return err
	}
	var p *index.Predicate
	if body.Query != nil {
		if p, err = parsePredicate(body.Query); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"facets": byValue(s.catalog.FacetsWhere(r.Context(), facets, nil, p))})
}

// handleLocationsByQuery pages through registered locations, optionally
// filtered by a predicate over id, type and target.
func (s *Server) handleLocationsByQuery(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r, callboard.PermLocationRead, nil, "locations"); err != nil {
		return err
	}
	var body struct {
		Query  any    `json:"query,omitempty"`
		Cursor string `json:"cursor,omitempty"`
		Limit  *int   `json:"limit,omitempty"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	limit := 1000
	if body.Limit != nil && *body.Limit > 0 {
		limit = *body.Limit
	}
	offset := 0
	query := body.Query
	if body.Cursor != "" {
		c, err := decodePredicateCursor(body.Cursor, useLocations)
		if err != nil {
			return err
		}
		if query != nil && !c.sameQuery(query, nil, nil) {
			return errOtherQuery("query")
		}
		offset, query = c.Offset, c.Query
	}
	var p *index.Predicate
	if query != nil {
		var err error
		if p, err = parsePredicate(query); err != nil {
			return err
		}
	}
	locs, err := s.catalog.Locations(r.Context())
	if err != nil {
		return err
	}
	matched := []callboard.Location{}
	for _, l := range locs {
		if p.MatchValues(map[string]string{"id": l.ID, "type": l.Type, "target": l.Target}) {
			matched = append(matched, l)
		}
	}
	page := matched[min(offset, len(matched)):min(offset+limit, len(matched))]
	pageInfo := map[string]string{}
	if offset+limit < len(matched) {
		pageInfo["nextCursor"] = (&predicateCursor{Query: query, Offset: offset + limit}).encode(useLocations)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": page, "totalItems": len(matched), "pageInfo": pageInfo})
}
