// Package pagerduty is the PagerDuty plugin: a card on the page of every
// entity with the annotation pagerduty.com/service-id or
// pagerduty.com/integration-key, showing who is on call now, the open
// incidents and the recent change events of the service, and a form that
// triggers an incident through the Events API v2 (permission
// pagerduty.incident.create). Its config is the pagerDuty section of
// @pagerduty/backstage-plugin: apiBaseUrl, eventsBaseUrl and apiToken.
package pagerduty

import (
	"context"
	"net/url"
	"strings"
	"time"

	"callboard"
	"callboard/plugin"
)

// The annotations the plugin reads, as Backstage's PagerDuty plugin does.
const (
	AnnotationServiceID      = "pagerduty.com/service-id"
	AnnotationIntegrationKey = "pagerduty.com/integration-key"
)

// PermCreate lets a caller trigger an incident for an entity.
const PermCreate = "pagerduty.incident.create"

// Config is the pagerDuty section of app-config.yaml.
type Config struct {
	// APIBaseURL is the REST API (https://api.eu.pagerduty.com for EU
	// accounts); default https://api.pagerduty.com.
	APIBaseURL string `yaml:"apiBaseUrl"`
	// EventsBaseURL is the Events API v2, to which /enqueue is added;
	// default https://events.pagerduty.com/v2.
	EventsBaseURL string `yaml:"eventsBaseUrl"`
	// APIToken is a REST API token (sent as "Token token=..."); write it
	// as ${PAGERDUTY_TOKEN}. Without it the card offers only the trigger.
	APIToken string `yaml:"apiToken"`
	// CacheTTL is how long an answer of the REST API is kept (default 30s).
	CacheTTL time.Duration `yaml:"cacheTtl"`
	// Timeout bounds each read of the REST API (default 2s: below
	// plugins.timeout, so a slow PagerDuty shows in the card's own
	// sections); a trigger may take triggerTimeout if that is longer.
	Timeout time.Duration `yaml:"timeout"`
}

// Plugin is the PagerDuty card. It is enabled when app-config.yaml has a
// pagerDuty section.
func Plugin() plugin.Plugin {
	return plugin.Plugin{
		ID:          "pagerduty",
		Title:       "PagerDuty",
		ConfigKey:   "pagerDuty",
		Permissions: []callboard.Permission{{Name: PermCreate, ResourceType: callboard.ResourceEntity, Action: "create"}},
		Setup:       setup,
	}
}

func setup(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
	cfg := Config{APIBaseURL: "https://api.pagerduty.com", EventsBaseURL: "https://events.pagerduty.com/v2",
		CacheTTL: 30 * time.Second, Timeout: 2 * time.Second}
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	for key, v := range map[string]string{"apiBaseUrl": cfg.APIBaseURL, "eventsBaseUrl": cfg.EventsBaseURL} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return nil, callboard.Errorf(callboard.Invalid, "pagerDuty.%s must be an http or https URL without credentials, got %q", key, v)
		}
	}
	if cfg.CacheTTL < 0 || cfg.Timeout <= 0 {
		return nil, callboard.Errorf(callboard.Invalid, "pagerDuty.cacheTtl must not be negative and pagerDuty.timeout must be above zero")
	}
	c := &client{api: strings.TrimSuffix(cfg.APIBaseURL, "/"), events: strings.TrimSuffix(cfg.EventsBaseURL, "/"),
		token: cfg.APIToken, http: env.HTTPClient, timeout: cfg.Timeout, cacheTTL: cfg.CacheTTL}
	p := &plug{client: c, baseURL: env.BaseURL, triggered: map[string]triggered{}}
	applies := func(e *callboard.Entity) bool {
		return e.Annotation(AnnotationServiceID) != "" || e.Annotation(AnnotationIntegrationKey) != ""
	}
	return &plugin.Instance{
		Cards: []plugin.Card{{ID: "pagerduty", Title: "PagerDuty", Applies: applies, Render: p.card, Wide: true}},
		Routes: []plugin.Route{{Method: "POST", Path: "/incidents/{kind}/{namespace}/{name}",
			Permission: PermCreate, Handler: p.handleTrigger}},
	}, nil
}
