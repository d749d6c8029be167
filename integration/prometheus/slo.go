// Package prometheus is the SLO card (issue 13): on the page of an entity
// with callboard.io/slo-selector, its availability over a window against
// its objective, the error budget left and the burn rate, computed from
// http_requests_total in a real Prometheus as the brief's slo-status
// backend does; the same as JSON at GET /api/slo/{namespace}/{kind}/{name}.
package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"callboard"
	"callboard/plugin"
)

// The annotations an entity's SLO is read from.
const (
	// AnnotationSelector holds label matchers for http_requests_total,
	// e.g. service="payment-service"; the card shows where it is set.
	AnnotationSelector = "callboard.io/slo-selector"
	// AnnotationObjective is the availability objective in percent
	// (default 99.9).
	AnnotationObjective = "callboard.io/slo-objective"
	// AnnotationWindow is the window in Prometheus's duration syntax
	// (default 30d).
	AnnotationWindow = "callboard.io/slo-window"
	// AnnotationInstance names one of prometheus.instances (default the
	// first).
	AnnotationInstance = "callboard.io/prometheus-instance"
)

// PermRead lets a caller read an entity's SLO through the API.
const PermRead = "slo.status.read"

// Defaults of the annotations.
const (
	DefaultObjective = 99.9
	DefaultWindow    = "30d"
)

// Plugin is the SLO card, enabled when app-config.yaml has a prometheus
// section.
func Plugin() plugin.Plugin {
	return plugin.Plugin{
		ID:          "slo",
		Title:       "SLO",
		ConfigKey:   "prometheus",
		Permissions: []callboard.Permission{{Name: PermRead, ResourceType: callboard.ResourceEntity, Action: "read"}},
		Setup:       setup,
	}
}

func setup(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
	var cfg Config
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	clients, err := cfg.clients(env.HTTPClient)
	if err != nil {
		return nil, err
	}
	s := &slo{clients: clients}
	hasSLO := func(e *callboard.Entity) bool { return e.Annotation(AnnotationSelector) != "" }
	return &plugin.Instance{
		Cards: []plugin.Card{{ID: "slo", Title: "SLO", Applies: hasSLO, Render: s.card}},
		Routes: []plugin.Route{{Method: "GET", Path: "/{namespace}/{kind}/{name}",
			Permission: PermRead, Handler: s.handleStatus}},
	}, nil
}

type slo struct {
	clients []*client
}

// Status is an entity's SLO as the card shows it and the API returns it;
// availability, errorBudget and status are the brief's fields.
type Status struct {
	// Availability is the share of requests over the window that did not
	// answer 5xx, in percent.
	Availability float64 `json:"availability"`
	// ErrorBudget is the error budget remaining, in percent; below zero
	// when the budget is overspent.
	ErrorBudget float64 `json:"errorBudget"`
	// Status is ok (availability at or above the objective), warning (at
	// or above 99.0) or error.
	Status    string  `json:"status"`
	Objective float64 `json:"objective"`
	Window    string  `json:"window"`
	Selector  string  `json:"selector"`
	Instance  string  `json:"instance"`
	// BurnRate is the error ratio over the budget's (1 - objective), per
	// step across the window: 1 spends the budget exactly by its end.
	BurnRate []BurnPoint `json:"burnRate"`
}

// BurnPoint is a point of the burn rate.
type BurnPoint struct {
	Time  time.Time `json:"time"`
	Value float64   `json:"value"`
}

// spec is an entity's SLO annotations, checked.
type spec struct {
	sel       selector
	objective float64 // percent
	window    string
	windowDur time.Duration
	client    *client
}

var promDuration = regexp.MustCompile(`^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$`)

// parseWindow reads a Prometheus duration such as 30d or 1w2d, at least
// an hour and at most a year.
func parseWindow(s string) (time.Duration, error) {
	m := promDuration.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, callboard.Errorf(callboard.Invalid, "%s %q is not a duration such as 30d or 4w", AnnotationWindow, s)
	}
	units := []time.Duration{365 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 1000 {
			return 0, callboard.Errorf(callboard.Invalid, "%s %q is too long", AnnotationWindow, s)
		}
		d += time.Duration(n) * u
	}
	if d < time.Hour || d > 366*24*time.Hour {
		return 0, callboard.Errorf(callboard.Invalid, "%s %q must be between 1h and 1y", AnnotationWindow, s)
	}
	return d, nil
}

// spec reads and checks e's annotations: a bad one is an Invalid error
// that the card shows.
func (s *slo) spec(e *callboard.Entity) (*spec, error) {
	text := e.Annotation(AnnotationSelector)
	if text == "" {
		return nil, callboard.Errorf(callboard.NotFound, "%s has no %s annotation", e.Ref(), AnnotationSelector)
	}
	sel, err := parseSelector(text)
	if err != nil {
		return nil, err
	}
	sp := &spec{sel: sel, objective: DefaultObjective, window: DefaultWindow, client: s.clients[0]}
	if o := e.Annotation(AnnotationObjective); o != "" {
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(o), "%"), 64)
		if err != nil || !(v > 0 && v < 100) {
			return nil, callboard.Errorf(callboard.Invalid, "%s %q must be a percentage above 0 and below 100, such as 99.9", AnnotationObjective, o)
		}
		sp.objective = v
	}
	if w := e.Annotation(AnnotationWindow); w != "" {
		sp.window = w
	}
	if sp.windowDur, err = parseWindow(sp.window); err != nil {
		return nil, err
	}
	if name := e.Annotation(AnnotationInstance); name != "" {
		sp.client = nil
		var names []string
		for _, c := range s.clients {
			names = append(names, c.name)
			if c.name == name {
				sp.client = c
			}
		}
		if sp.client == nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s %q is not one of prometheus.instances (%s)", AnnotationInstance, name, strings.Join(names, ", "))
		}
	}
	return sp, nil
}

// errorRatio is the brief's 5xx ratio of the selected requests over r:
// rate of the 5xx requests over the rate of all. Both sides are summed
// over their series (the brief divides the two vectors as they are,
// which matches each 5xx series with itself), a service without 5xx
// series has a ratio of 0, and a moment without requests has none.
func (sp *spec) errorRatio(r string) string {
	sel := sp.sel.String()
	return fmt.Sprintf(`(sum(rate(http_requests_total{%s,status=~"5.."}[%s])) or vector(0)) / (sum(rate(http_requests_total{%s}[%s])) > 0)`, sel, r, sel, r)
}

// availabilityQuery is the brief's availability: the average of 1 - the
// ratio over the window, every 5 minutes, in percent.
func (sp *spec) availabilityQuery() string {
	return fmt.Sprintf(`avg_over_time((1 - %s)[%s:5m]) * 100`, sp.errorRatio("5m"), sp.window)
}

// burnQuery is the burn rate over each step.
func (sp *spec) burnQuery(step time.Duration) string {
	return fmt.Sprintf(`%s / %s`, sp.errorRatio(promSeconds(step)), strconv.FormatFloat(1-sp.objective/100, 'g', -1, 64))
}

func promSeconds(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) + "s" }

// burnPoints is how many points the sparkline has.
const burnPoints = 60

// status queries Prometheus for e's SLO.
func (s *slo) status(ctx context.Context, e *callboard.Entity) (*Status, error) {
	sp, err := s.spec(e)
	if err != nil {
		return nil, err
	}
	avail, err := sp.client.query(ctx, sp.availabilityQuery())
	if err != nil {
		return nil, err
	}
	if len(avail) == 0 {
		return nil, callboard.Errorf(callboard.NotFound, "Prometheus %s has no http_requests_total{%s} in the last %s", sp.client.name, sp.sel, sp.window)
	}
	a := avail[0].V
	// The brief's budget: used = (1 - availability) / (1 - objective).
	used := (1 - a/100) / (1 - sp.objective/100) * 100
	st := &Status{
		Availability: a, ErrorBudget: 100 - used, Objective: sp.objective,
		Window: sp.window, Selector: sp.sel.String(), Instance: sp.client.name,
		Status: level(a, sp.objective), BurnRate: []BurnPoint{},
	}
	step := (sp.windowDur / burnPoints).Truncate(time.Minute)
	step = max(step, 5*time.Minute)
	end := time.Now().Truncate(step)
	burn, err := sp.client.queryRange(ctx, sp.burnQuery(step), end.Add(-sp.windowDur+step), end, step)
	if err != nil {
		return nil, err
	}
	for _, p := range burn {
		st.BurnRate = append(st.BurnRate, BurnPoint{Time: p.T, Value: p.V})
	}
	return st, nil
}

// level is the brief's status: ok at or above the objective, warning at
// or above 99.0, error below.
func level(availability, objective float64) string {
	switch {
	case availability >= objective:
		return "ok"
	case availability >= 99.0:
		return "warning"
	default:
		return "error"
	}
}

// handleStatus serves GET /api/slo/{namespace}/{kind}/{name}; the portal
// has checked PermRead on the entity already.
func (s *slo) handleStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.status(r.Context(), plugin.RouteEntity(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(st)
}
