package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"callboard"
	"callboard/index"
)

// defaultQueryLimit is the page size of by-query when none is given.
const defaultQueryLimit = 20

func (s *Server) handleEntities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fields, err := parseFields(q)
	if err != nil {
		return err
	}
	query := index.Query{}
	if after := q.Get("after"); after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return err
		}
		if query, err = c.query(); err != nil {
			return err
		}
	} else {
		if query.Filter, err = index.ParseFilters(q["filter"]); err != nil {
			return err
		}
		for _, o := range q["order"] {
			m := legacyOrder.FindStringSubmatch(o)
			if m == nil {
				return callboard.Errorf(callboard.Invalid, "Invalid order field %q, expected asc:<field> or desc:<field>", o)
			}
			query.Order = append(query.Order, index.Order{Field: m[2], Desc: m[1] == "desc"})
		}
		if query.Offset, err = intParam(q, "offset", 0, 0); err != nil {
			return err
		}
	}
	if query.Limit, err = intParam(q, "limit", 0, 1); err != nil {
		return err
	}
	items, total, err := s.catalog.QueryRaw(r.Context(), query)
	if err != nil {
		return err
	}
	if query.Limit > 0 && query.Offset+len(items) < total {
		next := cursorOf(q["filter"], nil, "", nil, query.Offset+query.Limit, total)
		next.LegacyOrder = q["order"]
		u := *r.URL
		v := url.Values{"after": {next.encode()}, "limit": {strconv.Itoa(query.Limit)}}
		if f := q.Get("fields"); f != "" {
			v.Set("fields", f)
		}
		u.RawQuery = v.Encode()
		w.Header().Set("Link", "<"+u.RequestURI()+">; rel=\"next\"")
	}
	var buf bytes.Buffer
	writeRawList(&buf, projectRaw(items, fields))
	return writeRaw(w, http.StatusOK, &buf)
}

var legacyOrder = regexp.MustCompile(`^(asc|desc):(.+)$`)

func (s *Server) handleEntitiesByQuery(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fields, err := parseFields(q)
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit", defaultQueryLimit, 0)
	if err != nil {
		return err
	}
	var c *cursor
	if raw := q.Get("cursor"); raw != "" {
		if c, err = decodeCursor(raw); err != nil {
			return err
		}
	} else {
		var order, ftFields []string
		for _, o := range q["orderField"] {
			order = append(order, strings.Split(o, ";")...)
		}
		for _, f := range q["fullTextFilterFields"] {
			ftFields = append(ftFields, splitComma(f)...)
		}
		offset, err := intParam(q, "offset", 0, 0)
		if err != nil {
			return err
		}
		c = cursorOf(q["filter"], order, q.Get("fullTextFilterTerm"), ftFields, offset, -1)
	}
	query, err := c.query()
	if err != nil {
		return err
	}
	query.Limit = limit
	items := []json.RawMessage{}
	total := 0
	if limit == 0 {
		query.Limit = 1 // only the count is wanted
		_, total, err = s.catalog.QueryRaw(r.Context(), query)
	} else {
		items, total, err = s.catalog.QueryRaw(r.Context(), query)
	}
	if err != nil {
		return err
	}
	pageInfo := map[string]string{}
	if limit > 0 && c.Offset+len(items) < total {
		n := *c
		n.Offset, n.Total = c.Offset+limit, total
		pageInfo["nextCursor"] = n.encode()
	}
	if c.Offset > 0 {
		p := *c
		p.Offset, p.Total = max(0, c.Offset-limit), total
		pageInfo["prevCursor"] = p.encode()
	}
	return writePage(w, projectRaw(items, fields), total, pageInfo)
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
	f, err := index.ParseFilters(r.URL.Query()["filter"])
	if err != nil {
		return err
	}
	items, err := s.catalog.EntitiesByRefs(r.Context(), body.EntityRefs, f)
	if err != nil {
		return err
	}
	var fields []string
	for _, f := range body.Fields {
		fields = append(fields, splitComma(f)...)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": project(items, fields)})
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
	e, err := s.catalog.Entity(r.Context(), pathRef(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
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
	facets := q["facet"]
	if len(facets) == 0 {
		return callboard.Errorf(callboard.Invalid, "Missing facet parameter")
	}
	f, err := index.ParseFilters(q["filter"])
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"facets": s.catalog.Facets(r.Context(), facets, f)})
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

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "entities": s.catalog.Len()})
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

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cursor is the opaque by-query cursor: the query it continues and where.
type cursor struct {
	Filter      []string `json:"f,omitempty"`
	Order       []string `json:"o,omitempty"`
	LegacyOrder []string `json:"lo,omitempty"`
	Term        string   `json:"t,omitempty"`
	TextFields  []string `json:"tf,omitempty"`
	Offset      int      `json:"off"`
	Total       int      `json:"tot,omitempty"`
}

func cursorOf(filter, order []string, term string, textFields []string, offset, total int) *cursor {
	return &cursor{Filter: filter, Order: order, Term: term, TextFields: textFields, Offset: offset, Total: total}
}

func (c *cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.Offset < 0 {
		return nil, callboard.Errorf(callboard.Invalid, "Malformed cursor, it could not be decoded; start again without a cursor")
	}
	return &c, nil
}

// query turns the cursor back into an index query.
func (c *cursor) query() (index.Query, error) {
	f, err := index.ParseFilters(c.Filter)
	if err != nil {
		return index.Query{}, err
	}
	q := index.Query{Filter: f, Offset: c.Offset, FullText: index.FullText{Term: c.Term, Fields: c.TextFields}}
	for _, o := range c.Order {
		field, dir, _ := strings.Cut(strings.TrimSpace(o), ",")
		dir = strings.ToLower(strings.TrimSpace(dir))
		if field == "" || (dir != "" && dir != "asc" && dir != "desc") {
			return q, callboard.Errorf(callboard.Invalid, "Invalid orderField %q, expected <field>,asc or <field>,desc", o)
		}
		q.Order = append(q.Order, index.Order{Field: strings.TrimSpace(field), Desc: dir == "desc"})
	}
	for _, o := range c.LegacyOrder {
		if m := legacyOrder.FindStringSubmatch(o); m != nil {
			q.Order = append(q.Order, index.Order{Field: m[2], Desc: m[1] == "desc"})
		}
	}
	return q, nil
}
