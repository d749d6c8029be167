package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

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

// predicateCursor is the cursor of predicate queries. The client tells it
// from a GET cursor by the presence of "query", so the key is always there.
type predicateCursor struct {
	Query    any            `json:"query"`
	OrderBy  []orderBy      `json:"orderBy,omitempty"`
	FullText *fullTextQuery `json:"fullTextFilter,omitempty"`
	Offset   int            `json:"offset"`
}

func (c *predicateCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.StdEncoding.EncodeToString(b)
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
	c := &predicateCursor{Query: body.Query, OrderBy: body.OrderBy, FullText: body.FullTextFilter, Offset: body.Offset}
	if body.Cursor != "" {
		raw, err := base64.StdEncoding.DecodeString(body.Cursor)
		c = &predicateCursor{}
		if err != nil || json.Unmarshal(raw, c) != nil || c.Offset < 0 {
			return callboard.Errorf(callboard.Invalid, "Malformed cursor, it could not be decoded; start again without a cursor")
		}
	}
	q := index.Query{Offset: c.Offset, Limit: max(limit, 1)}
	if c.Query != nil {
		p, err := index.ParsePredicate(c.Query)
		if err != nil {
			return err
		}
		q.Predicate = p
	}
	for _, o := range c.OrderBy {
		dir := strings.ToLower(o.Order)
		if o.Field == "" || (dir != "" && dir != "asc" && dir != "desc") {
			return callboard.Errorf(callboard.Invalid, "Invalid orderBy %+v, expected {field, order: asc|desc}", o)
		}
		q.Order = append(q.Order, index.Order{Field: o.Field, Desc: dir == "desc"})
	}
	if c.FullText != nil {
		q.FullText = index.FullText{Term: c.FullText.Term, Fields: c.FullText.Fields}
	}
	items, total, err := s.catalog.QueryRaw(r.Context(), q)
	if err != nil {
		return err
	}
	if limit == 0 {
		items = nil
	}
	pageInfo := map[string]string{}
	if limit > 0 && c.Offset+len(items) < total {
		n := *c
		n.Offset = c.Offset + limit
		pageInfo["nextCursor"] = n.encode()
	}
	if c.Offset > 0 {
		p := *c
		p.Offset = max(0, c.Offset-limit)
		pageInfo["prevCursor"] = p.encode()
	}
	var fields []string
	for _, f := range body.Fields {
		fields = append(fields, splitComma(f)...)
	}
	return writePage(w, projectRaw(items, fields), total, pageInfo)
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
	var p *index.Predicate
	if body.Query != nil {
		var err error
		if p, err = index.ParsePredicate(body.Query); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"facets": s.catalog.FacetsWhere(r.Context(), body.Facets, nil, p)})
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
		raw, err := base64.StdEncoding.DecodeString(body.Cursor)
		var c predicateCursor
		if err != nil || json.Unmarshal(raw, &c) != nil || c.Offset < 0 {
			return callboard.Errorf(callboard.Invalid, "Malformed cursor, it could not be decoded; start again without a cursor")
		}
		offset, query = c.Offset, c.Query
	}
	var p *index.Predicate
	if query != nil {
		var err error
		if p, err = index.ParsePredicate(query); err != nil {
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
		pageInfo["nextCursor"] = (&predicateCursor{Query: query, Offset: offset + limit}).encode()
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": page, "totalItems": len(matched), "pageInfo": pageInfo})
}
