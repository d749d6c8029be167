// Package grafana is a callboard plugin showing an entity's Grafana
// dashboards and alerts, configured as the community Backstage plugin
// (@k-phoen/backstage-plugin-grafana, now @backstage-community/plugin-grafana)
// is: the grafana section (domain, proxyPath, unifiedAlerting) and the
// proxy entry '/grafana/api' holding Grafana's address and credentials,
// or grafana.token. Entities choose with the annotations
// grafana/dashboard-selector, grafana/alert-label-selector (or
// grafana/tag-selector for legacy alerts) and grafana/overview-dashboard.
//
// The credentials stay on the server: the portal calls Grafana, the
// browser only sees titles, states and links to Grafana's own UI.
package grafana

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"callboard"
	"callboard/plugin"
)

// Annotations the plugin reads, as the community plugin names them.
const (
	// AnnotationDashboardSelector selects dashboards: a tag, or an
	// expression such as "tags @> 'payments' && title != 'Old'".
	AnnotationDashboardSelector = "grafana/dashboard-selector"
	// AnnotationTagSelector is the community plugin's older annotation: a
	// comma-separated list of dashboard tags; it selects dashboards when
	// there is no dashboard selector, and legacy alerts.
	AnnotationTagSelector = "grafana/tag-selector"
	// AnnotationAlertLabelSelector selects unified alerting rules by
	// label: "service=payment-service", several comma-separated meaning
	// any of them.
	AnnotationAlertLabelSelector = "grafana/alert-label-selector"
	// AnnotationOverviewDashboard is the URL of the entity's overview
	// dashboard, shown as a link.
	AnnotationOverviewDashboard = "grafana/overview-dashboard"
)

// PermDashboardRead lets a caller read an entity's dashboards and alerts
// through the API.
const PermDashboardRead = "grafana.dashboard.read"

// Config is the grafana section of app-config.yaml.
type Config struct {
	// Domain is Grafana's address as users reach it, for links
	// (https://monitoring.example.com); it is also the API's address
	// when no proxy entry names a target.
	Domain string `yaml:"domain"`
	// ProxyPath is the proxy entry holding Grafana's target and headers
	// (default /grafana/api), in proxy or proxy.endpoints.
	ProxyPath string `yaml:"proxyPath"`
	// UnifiedAlerting reads alert rules from the unified alerting API;
	// false (the community plugin's default) reads legacy /api/alerts.
	UnifiedAlerting bool `yaml:"unifiedAlerting"`
	// Token is a Grafana service account token, sent as a bearer token;
	// it replaces the proxy entry's Authorization header. Write it as
	// ${GRAFANA_TOKEN}.
	Token string `yaml:"token"`
	// Timeout bounds each call to Grafana (default 10s); CacheTTL is how
	// long an answer is reused (default 30s, 0s for never). Both are Go
	// durations such as 30s.
	Timeout  string `yaml:"timeout"`
	CacheTTL string `yaml:"cacheTtl"`
}

// proxyEntry is a Backstage proxy entry: a target URL, or a mapping with
// target, headers and the proxy's own options (kept but unused).
type proxyEntry struct {
	Target  string
	Headers map[string]string
}

// Plugin is the Grafana plugin, enabled when app-config.yaml has a grafana
// section.
func Plugin() plugin.Plugin {
	return plugin.Plugin{
		ID:        "grafana",
		Title:     "Grafana",
		ConfigKey: "grafana",
		Permissions: []callboard.Permission{
			{Name: PermDashboardRead, ResourceType: callboard.ResourceEntity, Action: "read"},
		},
		Setup: setup,
	}
}

func setup(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
	cfg := Config{ProxyPath: "/grafana/api"}
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	entry, err := readProxy(env, cfg.ProxyPath)
	if err != nil {
		return nil, err
	}
	c, err := newClient(cfg, entry, env)
	if err != nil {
		return nil, err
	}
	hasDashboards := func(e *callboard.Entity) bool {
		return e.Annotation(AnnotationDashboardSelector) != "" || e.Annotation(AnnotationTagSelector) != "" ||
			e.Annotation(AnnotationOverviewDashboard) != ""
	}
	hasAlerts := func(e *callboard.Entity) bool { return c.alertSelector(e) != "" }
	return &plugin.Instance{
		Cards: []plugin.Card{
			{ID: "dashboards", Title: "Grafana dashboards", Applies: hasDashboards, Render: c.dashboardsCard},
			{ID: "alerts", Title: "Grafana alerts", Applies: hasAlerts, Render: c.alertsCard},
		},
		Routes: []plugin.Route{{Method: "GET", Path: "/dashboards/{kind}/{namespace}/{name}",
			Permission: PermDashboardRead, Handler: c.handleDashboards}},
	}, nil
}

// readProxy finds Grafana's proxy entry: proxy.endpoints[path] (Backstage's
// newer form) or proxy[path]; absent is the zero entry.
func readProxy(env plugin.Env, path string) (proxyEntry, error) {
	var proxy map[string]any
	if err := env.ConfigAt("proxy", &proxy); err != nil {
		return proxyEntry{}, err
	}
	key, v := "proxy."+path, proxy[path]
	if eps, ok := proxy["endpoints"].(map[string]any); ok && eps[path] != nil {
		key, v = "proxy.endpoints."+path, eps[path]
	}
	var e proxyEntry
	switch v := v.(type) {
	case nil:
	case string:
		e.Target = v
	case map[string]any:
		t, ok := v["target"].(string)
		if !ok {
			return e, callboard.Errorf(callboard.Invalid, "%s.target must be Grafana's URL", key)
		}
		e.Target = t
		if hs, ok := v["headers"].(map[string]any); ok {
			e.Headers = map[string]string{}
			for k, hv := range hs {
				s, ok := hv.(string)
				if !ok {
					return e, callboard.Errorf(callboard.Invalid, "%s.headers.%s must be a string", key, k)
				}
				e.Headers[k] = s
			}
		} else if v["headers"] != nil {
			return e, callboard.Errorf(callboard.Invalid, "%s.headers must be a mapping of header names to values", key)
		}
	default:
		return e, callboard.Errorf(callboard.Invalid, "%s must be a URL or a mapping with target and headers", key)
	}
	return e, nil
}

// httpURL checks that s is an absolute http or https URL, for the config
// key named; it returns s without a trailing slash.
func httpURL(key, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", callboard.Errorf(callboard.Invalid, "%s must be an http or https URL", key)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Redacted: a target may carry a password in its user info.
		return "", callboard.Errorf(callboard.Invalid, "%s must be an http or https URL, got %q", key, u.Redacted())
	}
	return strings.TrimSuffix(s, "/"), nil
}

// describe is the selector's annotation and value, for messages.
func describe(annotation, value string) string {
	return fmt.Sprintf("%s %q", annotation, value)
}
