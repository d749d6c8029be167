// Package slo is a callboard plugin: a card on the page of every service
// with the annotation slo.example.com/service, showing its availability
// objective and error budget as the team's SLO service reports them over
// HTTP, and the same as JSON at /api/teamslo/objectives/{kind}/{namespace}/{name}.
package slo

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// Annotation names an entity's service in the SLO service.
const Annotation = "slo.example.com/service"

// PermRead lets a caller read an entity's objective through the API.
const PermRead = "teamslo.objective.read"

// Config is the teamslo section of app-config.yaml.
type Config struct {
	// BaseURL is the SLO service, e.g. https://slo.internal.example.com.
	BaseURL string `yaml:"baseUrl"`
	// Token is sent as a bearer token; write it as ${SLO_TOKEN}.
	Token string `yaml:"token"`
}

// Plugin is the SLO card. It is enabled when app-config.yaml has a teamslo
// section.
func Plugin() plugin.Plugin {
	return plugin.Plugin{
		ID:          "teamslo",
		Title:       "SLOs",
		ConfigKey:   "teamslo",
		Permissions: []callboard.Permission{{Name: PermRead, ResourceType: callboard.ResourceEntity, Action: "read"}},
		Setup:       setup,
	}
}

func setup(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
	var cfg Config
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, callboard.Errorf(callboard.Invalid, "teamslo.baseUrl must be an http or https URL, got %q", cfg.BaseURL)
	}
	c := &client{base: strings.TrimSuffix(cfg.BaseURL, "/"), token: cfg.Token, http: env.HTTPClient}
	hasSLO := func(e *callboard.Entity) bool { return e.Annotation(Annotation) != "" }
	return &plugin.Instance{
		Cards: []plugin.Card{{ID: "teamslo", Title: "SLOs", Applies: hasSLO, Render: c.card}},
		Routes: []plugin.Route{{Method: "GET", Path: "/objectives/{kind}/{namespace}/{name}",
			Permission: PermRead, Handler: c.handleObjective}},
	}, nil
}

// Objective is what the SLO service reports for a service.
type Objective struct {
	Target          float64   `json:"target"`          // percent, e.g. 99.9
	Current         float64   `json:"current"`         // percent over the window
	BudgetRemaining float64   `json:"budgetRemaining"` // share of the error budget left, 0 to 1
	UpdatedAt       time.Time `json:"updatedAt"`
}

type client struct {
	base, token string
	http        *http.Client
}

// objective asks the SLO service about service: NotFound when it has no
// objective, Upstream when it fails.
func (c *client) objective(ctx context.Context, service string) (*Objective, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/services/"+url.PathEscape(service)+"/slo", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "the SLO service did not answer")
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, callboard.Errorf(callboard.NotFound, "the SLO service has no objective for %s", service)
	case resp.StatusCode != http.StatusOK:
		return nil, callboard.Errorf(callboard.Upstream, "the SLO service answered %s", resp.Status)
	}
	var o Objective
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "the SLO service sent a malformed answer")
	}
	return &o, nil
}

// card renders the objective with the portal's building blocks.
func (c *client) card(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	o, err := c.objective(ctx, e.Annotation(Annotation))
	if callboard.ErrorKind(err) == callboard.NotFound {
		return ui.Empty("No objective yet", "Define one for "+e.Annotation(Annotation)+" in the SLO service."), nil
	}
	if err != nil {
		return "", err
	}
	level := ui.OK
	switch {
	case o.BudgetRemaining <= 0:
		level = ui.Bad
	case o.BudgetRemaining < 0.25:
		level = ui.Warn
	}
	return ui.Join(
		ui.Status(level, fmt.Sprintf("%.2f%% against %.2f%%", o.Current, o.Target)),
		ui.KeyValues(
			ui.KV{Key: "Error budget left", Value: fmt.Sprintf("%.0f%%", o.BudgetRemaining*100)},
			ui.KV{Key: "Updated", Value: ui.TimeAgo(o.UpdatedAt)},
			ui.KV{Key: "Details", Value: ui.Link(c.base+"/services/"+url.PathEscape(e.Annotation(Annotation)), "Open in the SLO service")},
		),
	), nil
}

// handleObjective serves GET /api/teamslo/objectives/{kind}/{namespace}/{name}.
// The portal has checked PermRead on the entity already.
func (c *client) handleObjective(w http.ResponseWriter, r *http.Request) error {
	e := plugin.RouteEntity(r)
	service := e.Annotation(Annotation)
	if service == "" {
		return callboard.Errorf(callboard.NotFound, "%s has no %s annotation", e.Ref(), Annotation)
	}
	o, err := c.objective(r.Context(), service)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(o)
}
