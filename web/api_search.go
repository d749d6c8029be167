package web

import (
	"net/http"
	"strconv"
	"strings"

	"callboard"
	"callboard/search"
)

// handleSearchQuery is Backstage's GET /api/search/query: term, types
// (types[0]=… or repeated types=…), filters[kind] and filters[owner]
// (filters[kind][0]=… too), pageCursor and pageLimit.
func (s *Server) handleSearchQuery(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Search == nil {
		return callboard.Errorf(callboard.NotFound, "search is not enabled")
	}
	req, err := searchRequest(r)
	if err != nil {
		return err
	}
	rs, err := s.opts.Search.Query(r.Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rs)
}

// searchRequest reads a search request from the URL in Backstage's qs
// encoding.
func searchRequest(r *http.Request) (search.Request, error) {
	q := r.URL.Query()
	req := search.Request{Term: q.Get("term"), PageCursor: q.Get("pageCursor"), Filters: map[string][]string{}}
	if v := q.Get("pageLimit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return req, callboard.Errorf(callboard.Invalid, "pageLimit %q is not a number", v)
		}
		req.PageLimit = n
	}
	for k, vs := range q {
		switch {
		case k == "types" || strings.HasPrefix(k, "types["):
			req.Types = append(req.Types, nonBlank(vs)...)
		case strings.HasPrefix(k, "filters["):
			field, _, _ := strings.Cut(strings.TrimPrefix(k, "filters["), "]")
			if vals := nonBlank(vs); len(vals) > 0 {
				req.Filters[field] = append(req.Filters[field], vals...)
			}
		}
	}
	return req, nil
}

func nonBlank(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}
