package scorecards

import (
	"encoding/json"
	"net/http"
	"time"

	"callboard"
	"callboard/plugin"
)

// The JSON API under /api/scorecards. Reads are permission-checked as the
// catalog's: an entity's scorecards need catalog.entity.read on it, and a
// roll-up counts only the entities the caller may read.
func (b *board) routes() []plugin.Route {
	return []plugin.Route{
		{Method: http.MethodGet, Path: "/entity/{namespace}/{kind}/{name}", Permission: callboard.PermEntityRead, Handler: b.handleEntity},
		{Method: http.MethodGet, Path: "/{id}", Handler: b.handleRollup},
	}
}

// entityResponse is GET /api/scorecards/entity/{namespace}/{kind}/{name}.
type entityResponse struct {
	EntityRef  string          `json:"entityRef"`
	Scorecards []entityCardRes `json:"scorecards"`
}

type entityCardRes struct {
	ID     string        `json:"id"`
	Title  string        `json:"title"`
	Level  string        `json:"level"`
	Passed int           `json:"passed"`
	Total  int           `json:"total"`
	Checks []entityCheck `json:"checks"`
	At     time.Time     `json:"evaluatedAt"`
}

type entityCheck struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Level   string `json:"level"`
	Passed  bool   `json:"passed"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// handleEntity evaluates the entity's scorecards now, as its tab does.
func (b *board) handleEntity(w http.ResponseWriter, r *http.Request) error {
	e := plugin.RouteEntity(r)
	rs, set, _, err := b.live(r.Context(), e)
	if err != nil {
		return err
	}
	out := entityResponse{EntityRef: e.Ref().String(), Scorecards: []entityCardRes{}}
	for _, res := range rs {
		c := entityCardRes{ID: res.Scorecard, Title: set.Get(res.Scorecard).Title, Level: res.Level, Passed: res.Passed, Total: res.Total,
			Checks: []entityCheck{}, At: res.At}
		for _, ch := range res.Checks {
			c.Checks = append(c.Checks, entityCheck{ID: ch.ID, Title: ch.Title, Level: ch.Level, Passed: ch.Passed, Message: ch.Message, Fix: ch.Fix})
		}
		out.Scorecards = append(out.Scorecards, c)
	}
	return writeJSON(w, out)
}

// handleRollup serves GET /api/scorecards/{id}: the scorecard's roll-ups
// by team and system, its checks' counts and its trend.
func (b *board) handleRollup(w http.ResponseWriter, r *http.Request) error {
	if b.results == nil || b.env.Catalog == nil {
		return callboard.Errorf(callboard.NotFound, "scorecard results need the portal's database")
	}
	s := b.set().Get(r.PathValue("id"))
	if s == nil {
		return callboard.Errorf(callboard.NotFound, "no scorecard %q", r.PathValue("id"))
	}
	visible, err := b.visible(r.Context())
	if err != nil {
		return err
	}
	ru, err := b.rollup(r.Context(), s, visible)
	if err != nil {
		return err
	}
	return writeJSON(w, ru)
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}
