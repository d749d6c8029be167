// Package grafanafake is an in-process Grafana for tests: an httptest
// server speaking Grafana's documented HTTP API JSON for what the Grafana
// plugin reads: dashboard search (GET /api/search, with type, tag, query,
// limit and page), the unified alerting rules in Prometheus' format (GET
// /api/prometheus/grafana/api/v1/rules) and legacy alerts (GET
// /api/alerts, with dashboardTag). Knobs make it refuse the token (401),
// rate-limit (429 with Retry-After), fail a path with any status, or answer
// slowly.
package grafanafake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Dashboard is a dashboard in the fake; FolderUID empty means the General
// folder.
type Dashboard struct {
	UID, Title  string
	Tags        []string
	FolderUID   string
	FolderTitle string
}

// Rule is a unified alerting rule, in a folder and a group.
type Rule struct {
	UID, Name string
	// State is firing, pending or inactive; Health ok, error or nodata.
	State, Health string
	Labels        map[string]string
	Summary       string
	Folder, Group string
}

// LegacyAlert is a legacy (dashboard) alert of a panel.
type LegacyAlert struct {
	ID, PanelID   int
	Name          string
	State         string // alerting, ok, no_data, paused, pending
	DashboardUID  string
	DashboardSlug string
	DashboardTags []string
}

// Server is a fake Grafana. Requests must carry "Authorization: Bearer
// <Token>".
type Server struct {
	*httptest.Server
	Token string

	mu         sync.Mutex
	dashboards []Dashboard
	rules      []Rule
	legacy     []LegacyAlert
	fail       map[string]int // path -> status
	delay      time.Duration
	requests   []string
}

// New starts a fake Grafana with no dashboards, rules or alerts, accepting
// token; it is closed when the test ends.
func New(t testing.TB, token string) *Server {
	s := &Server{Token: token, fail: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/search", s.handleSearch)
	mux.HandleFunc("GET /api/prometheus/grafana/api/v1/rules", s.handleRules)
	mux.HandleFunc("GET /api/alerts", s.handleAlerts)
	s.Server = httptest.NewServer(s.wrap(mux))
	t.Cleanup(s.Close)
	return s
}

// SetDashboards replaces the dashboards.
func (s *Server) SetDashboards(ds ...Dashboard) { s.mu.Lock(); s.dashboards = ds; s.mu.Unlock() }

// SetRules replaces the unified alerting rules.
func (s *Server) SetRules(rs ...Rule) { s.mu.Lock(); s.rules = rs; s.mu.Unlock() }

// SetLegacyAlerts replaces the legacy alerts.
func (s *Server) SetLegacyAlerts(as ...LegacyAlert) { s.mu.Lock(); s.legacy = as; s.mu.Unlock() }

// Fail makes every request to path answer status (401, 429, 500...);
// status 0 heals it.
func (s *Server) Fail(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.fail, path)
		return
	}
	s.fail[path] = status
}

// Delay makes every answer wait d, or until the caller gives up.
func (s *Server) Delay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// Requests returns the request URIs served so far, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// wrap records requests and applies the token, failure and delay knobs.
func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.RequestURI())
		status, delay := s.fail[r.URL.Path], s.delay
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case r.Header.Get("Authorization") != "Bearer "+s.Token || status == http.StatusUnauthorized:
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
		case status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "30")
			writeJSON(w, status, map[string]string{"message": "Too many requests"})
		case status != 0:
			writeJSON(w, status, map[string]string{"message": http.StatusText(status)})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// searchHit is one row of GET /api/search.
type searchHit struct {
	ID          int      `json:"id"`
	UID         string   `json:"uid"`
	Title       string   `json:"title"`
	URI         string   `json:"uri"`
	URL         string   `json:"url"`
	Slug        string   `json:"slug"`
	Type        string   `json:"type"`
	Tags        []string `json:"tags"`
	IsStarred   bool     `json:"isStarred"`
	FolderID    int      `json:"folderId,omitempty"`
	FolderUID   string   `json:"folderUid,omitempty"`
	FolderTitle string   `json:"folderTitle,omitempty"`
	FolderURL   string   `json:"folderUrl,omitempty"`
}

func slug(title string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(title)), "-")
}

// handleSearch serves GET /api/search: type=dash-db, every tag given must
// be on the dashboard, query is a case-insensitive title substring, limit
// (default 1000) and page (from 1) page the hits, sorted by title.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && t != "dash-db" && t != "dash-folder" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "invalid type"})
		return
	}
	limit, page := 1000, 1
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if limit <= 0 || page <= 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "invalid limit or page"})
		return
	}
	s.mu.Lock()
	ds := slices.Clone(s.dashboards)
	s.mu.Unlock()
	slices.SortStableFunc(ds, func(a, b Dashboard) int { return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) })
	hits := []searchHit{}
	for i, d := range ds {
		if q.Get("type") == "dash-folder" {
			continue
		}
		if !containsAll(d.Tags, q["tag"]) || !strings.Contains(strings.ToLower(d.Title), strings.ToLower(q.Get("query"))) {
			continue
		}
		h := searchHit{ID: i + 1, UID: d.UID, Title: d.Title, URI: "db/" + slug(d.Title), URL: "/d/" + d.UID + "/" + slug(d.Title),
			Slug: slug(d.Title), Type: "dash-db", Tags: append([]string{}, d.Tags...)}
		if d.FolderUID != "" {
			h.FolderID, h.FolderUID, h.FolderTitle = 1000+i, d.FolderUID, d.FolderTitle
			h.FolderURL = "/dashboards/f/" + d.FolderUID + "/" + slug(d.FolderTitle)
		}
		hits = append(hits, h)
	}
	start := min((page-1)*limit, len(hits))
	writeJSON(w, http.StatusOK, hits[start:min(start+limit, len(hits))])
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// handleRules serves the unified alerting rules in Prometheus' rules API
// format, as Grafana does: groups by folder (file) and group name.
func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) {
	type alert struct {
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		State       string            `json:"state"`
		ActiveAt    string            `json:"activeAt"`
		Value       string            `json:"value"`
	}
	type rule struct {
		State          string            `json:"state"`
		Name           string            `json:"name"`
		Query          string            `json:"query"`
		Duration       int               `json:"duration"`
		Annotations    map[string]string `json:"annotations"`
		Labels         map[string]string `json:"labels"`
		Alerts         []alert           `json:"alerts"`
		Health         string            `json:"health"`
		Type           string            `json:"type"`
		LastEvaluation string            `json:"lastEvaluation"`
		EvaluationTime float64           `json:"evaluationTime"`
		UID            string            `json:"uid"`
	}
	type group struct {
		Name           string  `json:"name"`
		File           string  `json:"file"`
		Rules          []rule  `json:"rules"`
		Interval       int     `json:"interval"`
		LastEvaluation string  `json:"lastEvaluation"`
		EvaluationTime float64 `json:"evaluationTime"`
	}
	s.mu.Lock()
	rs := slices.Clone(s.rules)
	s.mu.Unlock()
	var groups []group
	index := map[string]int{}
	totals := map[string]int{}
	for _, rl := range rs {
		key := rl.Folder + "\x00" + rl.Group
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, group{Name: rl.Group, File: rl.Folder, Rules: []rule{}, Interval: 60, LastEvaluation: "2026-12-07T06:00:00Z"})
		}
		health := rl.Health
		if health == "" {
			health = "ok"
		}
		out := rule{State: rl.State, Name: rl.Name, Query: `[{"refId":"A"}]`, Annotations: map[string]string{"summary": rl.Summary},
			Labels: rl.Labels, Alerts: []alert{}, Health: health, Type: "alerting", LastEvaluation: "2026-12-07T06:00:00Z", UID: rl.UID}
		if out.Labels == nil {
			out.Labels = map[string]string{}
		}
		if rl.State == "firing" || rl.State == "pending" {
			st := map[string]string{"firing": "Alerting", "pending": "Pending"}[rl.State]
			out.Alerts = append(out.Alerts, alert{Labels: out.Labels, Annotations: out.Annotations, State: st, ActiveAt: "2026-12-07T05:50:00Z", Value: "A=1"})
		}
		totals[rl.State]++
		groups[i].Rules = append(groups[i].Rules, out)
	}
	if groups == nil {
		groups = []group{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "data": map[string]any{"groups": groups, "totals": totals}})
}

// handleAlerts serves legacy GET /api/alerts: every dashboardTag given
// must be on the alert's dashboard; state filters.
func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	type alert struct {
		ID             int    `json:"id"`
		DashboardID    int    `json:"dashboardId"`
		DashboardUID   string `json:"dashboardUId"`
		DashboardSlug  string `json:"dashboardSlug"`
		PanelID        int    `json:"panelId"`
		Name           string `json:"name"`
		State          string `json:"state"`
		NewStateDate   string `json:"newStateDate"`
		EvalDate       string `json:"evalDate"`
		EvalData       any    `json:"evalData"`
		ExecutionError string `json:"executionError"`
		URL            string `json:"url"`
	}
	q := r.URL.Query()
	s.mu.Lock()
	as := slices.Clone(s.legacy)
	s.mu.Unlock()
	out := []alert{}
	for _, a := range as {
		if !containsAll(a.DashboardTags, q["dashboardTag"]) || (q.Get("state") != "" && q.Get("state") != "ALL" && q.Get("state") != a.State) {
			continue
		}
		out = append(out, alert{ID: a.ID, DashboardID: a.ID, DashboardUID: a.DashboardUID, DashboardSlug: a.DashboardSlug, PanelID: a.PanelID,
			Name: a.Name, State: a.State, NewStateDate: "2026-12-07T05:50:00Z", EvalDate: "0001-01-01T00:00:00Z",
			URL: fmt.Sprintf("/d/%s/%s", a.DashboardUID, a.DashboardSlug)})
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
