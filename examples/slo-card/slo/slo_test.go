package slo_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"callboard/plugin"
	"callboard/plugin/plugintest"

	"example.com/slo-card/slo"
)

// newSLOService fakes the SLO service: checkout has an objective, the
// rest none; a request without the token is refused.
func newSLOService(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "Bearer t0ken":
			http.Error(w, "no token", http.StatusUnauthorized)
		case r.URL.Path == "/api/v1/services/checkout/slo":
			w.Write([]byte(`{"target": 99.9, "current": 99.95, "budgetRemaining": 0.6, "updatedAt": "2026-03-01T12:00:00Z"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

const catalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations: {slo.example.com/service: checkout}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  annotations: {slo.example.com/service: search}
spec: {type: service, lifecycle: production, owner: group:default/discovery}
`

// policy lets everyone read the catalog and owners read their objectives.
const policy = `rules:
  - permission: catalog.entity.read
    decision: allow
  - permission: teamslo.objective.read
    entity: {isEntityOwner: true}
    decision: allow
`

func TestSLOCard(t *testing.T) {
	api := newSLOService(t)
	portal := plugintest.New(t, slo.Plugin(), plugintest.Options{
		Config:  "teamslo:\n  baseUrl: " + api.URL + "\n  token: t0ken\n",
		Catalog: catalog,
		Policy:  policy,
	})
	jane := plugintest.User("user:default/jane", "group:default/payments")
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"card", "/catalog/default/component/checkout", 200, "99.95% against 99.90%"},
		{"no objective", "/catalog/default/component/search", 200, "No objective yet"},
		{"route", "/api/teamslo/objectives/component/default/checkout", 200, `"budgetRemaining":0.6`},
		{"route needs the permission", "/api/teamslo/objectives/component/default/search", 403, "NotAllowedError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := portal.Get(t, tc.path, jane)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s = %d, want %d with %q", tc.path, status, tc.status, tc.want)
			}
		})
	}
}

func TestSLOConfig(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"typo", "teamslo:\n  baseUrl: https://slo.example.com\n  tokn: x\n", "app-config.yaml:3: teamslo.tokn"},
		{"no URL", "teamslo: {token: x}\n", "teamslo.baseUrl must be an http or https URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := slo.Plugin()
			_, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, tc.config))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
}
