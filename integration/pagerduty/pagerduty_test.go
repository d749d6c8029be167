package pagerduty_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/integration/pagerduty"
	"callboard/internal/pagerdutyfake"
	"callboard/plugin"
	"callboard/plugin/plugintest"
)

// catalog: payments has both annotations, checkout only an integration
// key, search a service PagerDuty does not know, ledger an integration key
// PagerDuty does not know.
const catalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations: {pagerduty.com/service-id: PSVC001, pagerduty.com/integration-key: ` + pagerdutyfake.IntegrationKey + `}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations: {pagerduty.com/integration-key: ` + pagerdutyfake.IntegrationKey + `}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  annotations: {pagerduty.com/service-id: PNOPE99}
spec: {type: service, lifecycle: production, owner: group:default/discovery}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations: {pagerduty.com/integration-key: ffffffffffffffffffffffffffffffff}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: plain
spec: {type: service, lifecycle: production, owner: group:default/payments}
`

// policy lets everyone read the catalog and owners trigger incidents.
const policy = `rules:
  - permission: catalog.entity.read
    decision: allow
  - permission: pagerduty.incident.create
    entity: {isEntityOwner: true}
    decision: allow
`

var (
	jane = plugintest.User("user:default/jane", "group:default/payments")
	bob  = plugintest.User("user:default/bob", "group:default/discovery")
)

func config(pd *pagerdutyfake.Server, extra string) string {
	return "pagerDuty:\n  apiBaseUrl: " + pd.URL + "\n  eventsBaseUrl: " + pd.URL + "/v2\n  apiToken: " + pagerdutyfake.Token + "\n" + extra
}

func newTestPortal(t *testing.T, pd *pagerdutyfake.Server, extra, pol string) *plugintest.Portal {
	t.Helper()
	return plugintest.New(t, pagerduty.Plugin(), plugintest.Options{Config: config(pd, extra), Catalog: catalog, Policy: pol})
}

func TestPagerDutyCard(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	portal := newTestPortal(t, pd, "", policy)
	tests := []struct {
		name, path string
		who        callboard.Principal
		want, not  []string
	}{
		{"on call, incidents, changes and the form", "/catalog/default/component/payments", jane,
			[]string{"On call now", "Level 1", "Jane Doe", "Level 2", "Sam Lee", "https://acme.pagerduty.com/users/PUSR001", "Payments escalation",
				"Open incidents", "Checkout latency above 2s", "high", "triggered", "Refund queue backlog", "acknowledged", "25 minutes ago", "https://acme.pagerduty.com/incidents/PINC001",
				"Recent changes", "Deploy payments v2.4.1", "argocd", "https://ci.example.com/runs/1",
				`action="/api/pagerduty/incidents/component/default/payments"`, `name="title"`, `name="description"`},
			[]string{"Not Ours", "Old and resolved"}},
		{"no form without the permission", "/catalog/default/component/payments", bob,
			[]string{"Jane Doe", "Checkout latency above 2s"}, []string{`name="title"`}},
		{"only an integration key: the trigger only", "/catalog/default/component/checkout", jane,
			[]string{`action="/api/pagerduty/incidents/component/default/checkout"`}, []string{"On call now", "Open incidents"}},
		{"only an integration key, without the permission", "/catalog/default/component/checkout", bob,
			[]string{"needs the permission pagerduty.incident.create"}, []string{`name="title"`}},
		{"an unknown service says so", "/catalog/default/component/search", bob,
			[]string{"On call now is unavailable: PagerDuty has no such object", "pagerduty.com/service-id"}, nil},
		{"no annotation, no card", "/catalog/default/component/plain", jane, nil, []string{"On call now", "pagerduty-trigger"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := portal.Get(t, tc.path, tc.who)
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d", tc.path, status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("the page shows %q", n)
				}
			}
		})
	}
	for _, h := range pd.Headers() {
		if got := h.Get("Authorization"); got != "Token token="+pagerdutyfake.Token {
			t.Errorf("Authorization = %q, want PagerDuty's token form", got)
		}
	}
}

// TestPagerDutyUnavailablePanels: a PagerDuty that refuses the token, is
// rate limited or too slow shows as unavailable in each of the card's
// sections, and the rest of the page renders.
func TestPagerDutyUnavailablePanels(t *testing.T) {
	tests := []struct {
		name, extra string
		status      int
		delay       time.Duration
		want        string
	}{
		{"401", "", http.StatusUnauthorized, 0, "PagerDuty refused the API token"},
		{"429", "", http.StatusTooManyRequests, 0, "PagerDuty&#39;s rate limit is used up (Rate Limit Exceeded); it resets in 42 s"},
		{"500", "", http.StatusInternalServerError, 0, "PagerDuty answered 500 Internal Server Error"},
		{"slow", "  timeout: 200ms\n", 0, 5 * time.Second, "PagerDuty did not answer: no answer in time"},
		// The default timeout is below the portal's 3s per card, so each
		// section says so, rather than the whole card.
		{"slow, default timeout", "", 0, 5 * time.Second, "PagerDuty did not answer: no answer in time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pd := pagerdutyfake.NewServer(t)
			pd.Fail(tc.status)
			pd.Delay(tc.delay)
			portal := newTestPortal(t, pd, tc.extra, policy)
			status, body := portal.Get(t, "/catalog/default/component/payments", jane)
			if status != http.StatusOK {
				t.Fatalf("GET = %d", status)
			}
			for _, section := range []string{"On call now", "Open incidents", "Recent changes"} {
				if !strings.Contains(body, section+" is unavailable: "+tc.want) {
					t.Errorf("%s does not say %q", section, tc.want)
				}
			}
			if !strings.Contains(body, "payments") || !strings.Contains(body, `name="title"`) {
				t.Errorf("the rest of the page (the entity, the trigger form) is missing")
			}
			if strings.Contains(body, pagerdutyfake.Token) {
				t.Errorf("the page shows the API token")
			}
		})
	}
}

func TestPagerDutyPaging(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	pd.AddIncidents("PSVC001", 230)
	portal := newTestPortal(t, pd, "", policy)
	_, body := portal.Get(t, "/catalog/default/component/payments", jane)
	for _, want := range []string{"Generated incident 0", "Generated incident 150", "Generated incident 229", "Checkout latency above 2s"} {
		if !strings.Contains(body, want) {
			t.Errorf("the card lacks %q (pages after the first not read?)", want)
		}
	}
}

func TestPagerDutyCache(t *testing.T) {
	tests := []struct {
		name, extra string
		cached      bool
	}{
		{"default 30s", "", true},
		{"turned off", "  cacheTtl: 0s\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pd := pagerdutyfake.NewServer(t)
			portal := newTestPortal(t, pd, tc.extra, policy)
			portal.Get(t, "/catalog/default/component/payments", jane)
			first := pd.Requests()
			portal.Get(t, "/catalog/default/component/payments", jane)
			if again := pd.Requests() - first; (again == 0) != tc.cached {
				t.Errorf("second render made %d requests (first %d); cached: %v", again, first, tc.cached)
			}
		})
	}
}

func TestPagerDutyTrigger(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	portal := newTestPortal(t, pd, "", policy)
	tests := []struct {
		name, path string
		who        callboard.Principal
		body       string
		status     int
		want       string
	}{
		{"owner triggers", "/api/pagerduty/incidents/component/default/payments", jane,
			`{"title": "Payments are failing", "description": "500s since 10:00"}`, http.StatusAccepted, `"status":"success"`},
		{"not the owner", "/api/pagerduty/incidents/component/default/payments", bob,
			`{"title": "x"}`, http.StatusForbidden, "pagerduty.incident.create"},
		{"no title", "/api/pagerduty/incidents/component/default/payments", jane,
			`{"title": "  "}`, http.StatusBadRequest, "an incident needs a title"},
		{"title too long", "/api/pagerduty/incidents/component/default/payments", jane,
			`{"title": "` + strings.Repeat("x", 1025) + `"}`, http.StatusBadRequest, "longer than PagerDuty"},
		{"no integration key", "/api/pagerduty/incidents/component/default/search", bob,
			`{"title": "x"}`, http.StatusNotFound, "has no pagerduty.com/integration-key annotation"},
		{"unknown integration key", "/api/pagerduty/incidents/component/default/ledger", jane,
			`{"title": "x"}`, http.StatusServiceUnavailable, "'routing_key' is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := portal.Do(t, "POST", tc.path, tc.who, strings.NewReader(tc.body))
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("POST %s = %d %s, want %d with %q", tc.path, status, body, tc.status, tc.want)
			}
			if strings.Contains(body, pagerdutyfake.IntegrationKey) || strings.Contains(body, pagerdutyfake.Token) {
				t.Errorf("the answer shows a credential: %s", body)
			}
		})
	}
	events := pd.Events()
	if len(events) != 1 {
		t.Fatalf("PagerDuty got %d events, want 1", len(events))
	}
	ev := events[0]
	if ev.RoutingKey != pagerdutyfake.IntegrationKey || ev.EventAction != "trigger" || ev.Payload.Summary != "Payments are failing" ||
		ev.Payload.Source != "component:default/payments" || ev.Payload.Severity != "error" ||
		ev.Payload.CustomDetails["description"] != "500s since 10:00" || ev.Payload.CustomDetails["triggered_by"] != "user:default/jane" {
		t.Errorf("event = %+v", ev)
	}
	audit, err := portal.DB.AuditEvents(t.Context(), callboard.AuditFilter{Action: pagerduty.PermCreate, Actor: "user:default/jane"})
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	for _, a := range audit {
		ok = ok || (a.Outcome == callboard.OutcomeSuccess && a.Target == "component:default/payments")
	}
	if !ok {
		t.Errorf("the audit log has no successful trigger by jane on payments: %+v", audit)
	}
	if denied, _ := portal.DB.AuditEvents(t.Context(), callboard.AuditFilter{Action: pagerduty.PermCreate, Actor: "user:default/bob",
		Target: "component:default/payments"}); len(denied) != 1 || denied[0].Outcome != callboard.OutcomeDenied {
		t.Errorf("bob's refused trigger is not in the audit log as denied: %+v", denied)
	}
	if _, body := portal.Get(t, "/catalog/default/component/payments", jane); !strings.Contains(body, "Incident triggered by user:default/jane: Payments are failing") {
		t.Errorf("the card does not confirm the trigger")
	}
}

// TestPagerDutyTriggerForm posts the card's form as a browser does,
// without script, and follows the redirect back to the entity's page.
func TestPagerDutyTriggerForm(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	portal := newTestPortal(t, pd, "", "") // dev mode: anyone may write
	form := url.Values{"title": {"Checkout is down"}, "description": {"from the form"}}
	req, err := http.NewRequest("POST", portal.URL+"/api/pagerduty/incidents/component/default/checkout", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", portal.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog/default/component/checkout" {
		t.Errorf("form post = %d to %q, want 303 to the entity's page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ev := pd.Events(); len(ev) != 1 || ev[0].Payload.Summary != "Checkout is down" || ev[0].Payload.CustomDetails["description"] != "from the form" {
		t.Errorf("events = %+v", ev)
	}
	if _, body := portal.Get(t, "/catalog/default/component/checkout", callboard.Principal{}); !strings.Contains(body, "Incident triggered by") {
		t.Errorf("the card does not confirm the trigger")
	}
}

// TestAttackCrossSiteTriggersIncident: another site's page posting the
// form (a simple POST, no preflight) must not page anyone.
func TestAttackCrossSiteTriggersIncident(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	portal := newTestPortal(t, pd, "", "")
	req, err := http.NewRequest("POST", portal.URL+"/api/pagerduty/incidents/component/default/checkout", strings.NewReader("title=pwned"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example.com")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(pd.Events()) != 0 {
		t.Errorf("cross-site post = %d with %d events, want 403 and none", resp.StatusCode, len(pd.Events()))
	}
}

// TestAttackTokenReachesBrowser: the API token and the integration key
// stay on the server: not in the card, not in error panels.
func TestAttackTokenReachesBrowser(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	portal := newTestPortal(t, pd, "", policy)
	for _, path := range []string{"/catalog/default/component/payments", "/catalog/default/component/checkout", "/catalog/default/component/search"} {
		_, body := portal.Get(t, path, jane)
		// The integration key is in the entity's own annotations, which
		// the page's metadata shows once; the card must not add it.
		if strings.Contains(body, pagerdutyfake.Token) || strings.Count(body, pagerdutyfake.IntegrationKey) > 1 {
			t.Errorf("%s shows a credential", path)
		}
	}
	// A wrong token: the error names the config key, not the token.
	pd2 := pagerdutyfake.NewServer(t)
	wrong := plugintest.New(t, pagerduty.Plugin(), plugintest.Options{Catalog: catalog, Policy: policy,
		Config: "pagerDuty:\n  apiBaseUrl: " + pd2.URL + "\n  apiToken: s3cr3t-wrong-token\n"})
	_, body := wrong.Get(t, "/catalog/default/component/payments", jane)
	if !strings.Contains(body, "check pagerDuty.apiToken") || strings.Contains(body, "s3cr3t-wrong-token") {
		t.Errorf("a refused token: want the hint without the token")
	}
}

func TestPagerDutyConfig(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"typo", "pagerDuty:\n  apiBaseUrl: https://api.pagerduty.com\n  apiTokn: x\n", "app-config.yaml:3: pagerDuty.apiTokn"},
		{"bad URL", "pagerDuty: {apiBaseUrl: 'ftp://x'}\n", "pagerDuty.apiBaseUrl must be an http or https URL"},
		{"credentials in the URL", "pagerDuty: {eventsBaseUrl: 'https://u:p@events.example.com'}\n", "pagerDuty.eventsBaseUrl must be an http or https URL without credentials"},
		{"bad duration", "pagerDuty: {cacheTtl: soon}\n", "pagerDuty.cacheTtl"},
		{"a bare number is no duration", "pagerDuty: {cacheTtl: 30}\n", "pagerDuty.cacheTtl"},
		{"no timeout", "pagerDuty: {timeout: 0s}\n", "pagerDuty.timeout must be above zero"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pagerduty.Plugin()
			_, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, tc.config))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
	p := pagerduty.Plugin()
	if _, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, "pagerDuty: {apiToken: x, cacheTtl: 5s, timeout: 2s}\n")); err != nil {
		t.Errorf("a good section: %v", err)
	}
}
