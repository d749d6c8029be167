package argocd_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"callboard/integration/argocd"
	"callboard/internal/argocdfake"
	"callboard/plugin"
	"callboard/plugin/plugintest"
)

const repo = "https://github.com/lanting/payment-service.git"

// newTestArgo is a fake Argo CD with the payments applications: prod
// synced and healthy, staging out of sync and degraded, both labelled
// team=payments; and orders-prod, labelled team=orders.
func newTestArgo(t *testing.T) *argocdfake.Server {
	t.Helper()
	srv := argocdfake.NewServer(t)
	now := time.Now()
	staging := argocdfake.Broken("payment-service-staging", repo, now)
	staging.Metadata.Labels = map[string]string{"team": "payments"}
	srv.Add(
		argocdfake.Sample("payment-service-prod", repo, map[string]string{"team": "payments"}, now),
		staging,
		argocdfake.Sample("orders-prod", "git@github.com:lanting/orders.git", map[string]string{"team": "orders"}, now),
	)
	return srv
}

const catalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-service
  annotations: {argocd/app-name: "payment-service-prod, payment-service-staging"}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-selected
  annotations: {argocd/app-selector: team=payments}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations: {argocd/app-name: orders-prod}
spec: {type: service, lifecycle: production, owner: group:default/orders}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ghost
  annotations: {argocd/app-name: ghost-prod}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: pinned-elsewhere
  annotations: {argocd/app-name: orders-prod, argocd/instance-name: nowhere}
spec: {type: service, lifecycle: production, owner: group:default/orders}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-on-prod
  annotations: {argocd/app-name: orders-prod, argocd/instance-name: prod}
spec: {type: service, lifecycle: production, owner: group:default/orders}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: plain
spec: {type: service, lifecycle: production, owner: group:default/orders}
`

func tokenConfig(url string, extra string) string {
	return "argocd:\n  baseUrl: " + url + "\n  token: " + argocdfake.Token + "\n" + extra
}

func TestArgoCDCardAndTab(t *testing.T) {
	api := newTestArgo(t)
	portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: tokenConfig(api.URL, ""), Catalog: catalog})
	commit := "https://github.com/lanting/payment-service/commit/" + argocdfake.Revisions[2]
	tests := []struct {
		name, path string
		want       []string
		not        []string
	}{
		{"card shows each app", "/catalog/default/component/payment-service", []string{
			`href="` + api.URL + `/applications/payment-service-prod"`, ">payment-service-prod<",
			"Synced", "Healthy", "OutOfSync", "Degraded", "Succeeded", "Failed",
			`href="` + commit + `"`, ">" + argocdfake.Revisions[2][:7] + "<",
			"one or more objects failed to apply (payment-service-staging)",
		}, nil},
		{"selector finds the labelled apps", "/catalog/default/component/payments-selected", []string{
			">payment-service-prod<", ">payment-service-staging<",
		}, []string{"orders-prod"}},
		{"scp-like repo links to its commit", "/catalog/default/component/orders", []string{
			`href="https://github.com/lanting/orders/commit/` + argocdfake.Revisions[2] + `"`,
		}, nil},
		{"missing app", "/catalog/default/component/ghost", []string{"ghost-prod", "not found in Argo CD"}, nil},
		{"no instances to pin with baseUrl", "/catalog/default/component/pinned-elsewhere", []string{">orders-prod<", "Synced"}, nil},
		{"no annotation, no card", "/catalog/default/component/plain", nil, []string{"Argo CD"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := portal.Get(t, tc.path, plugintest.User("user:default/jane"))
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d", tc.path, status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %q", tc.path, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s has %q", tc.path, n)
				}
			}
		})
	}

	t.Run("tab lists deployments newest first", func(t *testing.T) {
		status, body := portal.Get(t, "/catalog/default/component/orders/argocd", plugintest.User("user:default/jane"))
		if status != http.StatusOK {
			t.Fatalf("GET tab = %d", status)
		}
		// Newest first, each with who started it: the current one from
		// operationState, the others from their history entries.
		order := []string{argocdfake.Revisions[2][:7], "admin", argocdfake.Revisions[1][:7], "chen.jing", argocdfake.Revisions[0][:7], "automated sync"}
		at := 0
		for _, w := range order {
			i := strings.Index(body[at:], w)
			if i < 0 {
				t.Fatalf("tab lacks %q after position %d (want order %q)", w, at, order)
			}
			at += i
		}
	})
}

func TestArgoCDRoute(t *testing.T) {
	api := newTestArgo(t)
	policy := "rules:\n  - permission: catalog.entity.read\n    decision: allow\n  - permission: argocd.application.read\n    entity: {isEntityOwner: true}\n    decision: allow\n"
	portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: tokenConfig(api.URL, ""), Catalog: catalog, Policy: policy})
	jane := plugintest.User("user:default/jane", "group:default/payments")

	status, body := portal.Get(t, "/api/argocd/applications/component/default/payment-service", jane)
	if status != http.StatusOK {
		t.Fatalf("GET route = %d: %s", status, body)
	}
	var apps []struct {
		Name, Sync, Health, Revision string
		History                      []struct{ Revision, TriggeredBy string }
	}
	if err := json.Unmarshal([]byte(body), &apps); err != nil {
		t.Fatal(err)
	}
	if len(apps) != 2 || apps[0].Name != "payment-service-prod" || apps[0].Sync != "Synced" || apps[1].Health != "Degraded" {
		t.Fatalf("apps = %+v", apps)
	}
	if h := apps[0].History; len(h) != 3 || h[0].Revision != argocdfake.Revisions[2] || h[0].TriggeredBy != "admin" {
		t.Errorf("history = %+v, want newest first, started by admin", h)
	}

	status, body = portal.Get(t, "/api/argocd/applications/component/default/orders", jane)
	if status != http.StatusForbidden || !strings.Contains(body, "NotAllowedError") {
		t.Errorf("GET route of another team's entity = %d %s, want 403", status, body)
	}
}

// TestArgoCDFetchesAppsConcurrently: the fake answers nothing until both
// applications of payment-service are asked for at once, so a client that
// asks one after the other runs out of time.
func TestArgoCDFetchesAppsConcurrently(t *testing.T) {
	api := newTestArgo(t)
	api.HoldUntil(2)
	portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: tokenConfig(api.URL, ""), Catalog: catalog})
	_, body := portal.Get(t, "/catalog/default/component/payment-service", plugintest.User("user:default/jane"))
	if !strings.Contains(body, "OutOfSync") || !strings.Contains(body, "Synced") || strings.Contains(body, "unavailable") {
		t.Errorf("card does not show both applications:\n%s", cardText(body))
	}
}

func TestArgoCDCache(t *testing.T) {
	tests := []struct {
		name, extra string
		want        int64
	}{
		{"default keeps answers", "", 1},
		{"cacheTtl 0s asks every time", "  cacheTtl: 0s\n", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestArgo(t)
			portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: tokenConfig(api.URL, tc.extra), Catalog: catalog})
			for range 3 {
				portal.Get(t, "/catalog/default/component/orders", plugintest.User("user:default/jane"))
			}
			if got := api.Requests(); got != tc.want {
				t.Errorf("Argo CD got %d requests for 3 pages, want %d", got, tc.want)
			}
		})
	}
}

// TestArgoCDSessionLogin: with a username and password the plugin logs
// in once, reuses the session token, and logs in again when Argo CD
// refuses it (401).
func TestArgoCDSessionLogin(t *testing.T) {
	api := newTestArgo(t)
	cfg := "argocd:\n  baseUrl: " + api.URL + "\n  username: " + argocdfake.Username + "\n  password: " + argocdfake.Password + "\n  cacheTtl: 0s\n"
	portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: cfg, Catalog: catalog})
	page := func() string {
		_, body := portal.Get(t, "/catalog/default/component/orders", plugintest.User("user:default/jane"))
		return body
	}
	for range 2 {
		if body := page(); !strings.Contains(body, "Synced") {
			t.Fatalf("card:\n%s", cardText(body))
		}
	}
	if n := api.Logins(); n != 1 {
		t.Errorf("logins after 2 pages = %d, want 1 (the session is reused)", n)
	}
	api.ExpireSessions()
	if body := page(); !strings.Contains(body, "Synced") {
		t.Fatalf("card after the session expired:\n%s", cardText(body))
	}
	if n := api.Logins(); n != 2 {
		t.Errorf("logins after the session expired = %d, want 2", n)
	}
}

// TestArgoCDUnavailable: a failing, refusing, rate-limiting or slow Argo
// CD shows why in the plugin's panel; the rest of the page renders.
func TestArgoCDUnavailable(t *testing.T) {
	tests := []struct {
		name   string
		config func(url string) string
		knob   func(*argocdfake.Server)
		want   string
	}{
		{"server error", func(u string) string { return tokenConfig(u, "") },
			func(s *argocdfake.Server) { s.FailWith(http.StatusServiceUnavailable) },
			"Argo CD is unavailable: Argo CD HOST answered 503: Service Unavailable"},
		{"rate limited", func(u string) string { return tokenConfig(u, "") },
			func(s *argocdfake.Server) { s.RateLimit(5) },
			"Argo CD is unavailable: Argo CD HOST is rate limiting (429); retry after 7s"},
		{"bad token", func(u string) string { return "argocd:\n  baseUrl: " + u + "\n  token: wrong\n" },
			func(*argocdfake.Server) {}, "Argo CD is unavailable: Argo CD HOST refused the token (401)"},
		{"bad password", func(u string) string {
			return "argocd:\n  baseUrl: " + u + "\n  username: backstage\n  password: wrong\n"
		},
			func(*argocdfake.Server) {}, "Argo CD is unavailable: Argo CD HOST refused the username and password (401)"},
		{"slow", func(u string) string { return tokenConfig(u, "  timeout: 100ms\n") },
			func(s *argocdfake.Server) { s.Delay(10 * time.Second) },
			"Argo CD is unavailable: Argo CD HOST did not answer within 100ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestArgo(t)
			tc.knob(api)
			portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: tc.config(api.URL), Catalog: catalog})
			status, body := portal.Get(t, "/catalog/default/component/orders", plugintest.User("user:default/jane"))
			want := strings.Replace(tc.want, "HOST", strings.TrimPrefix(api.URL, "http://"), 1)
			if status != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("GET = %d, want 200 with %q:\n%s", status, want, cardText(body))
			}
			if !strings.Contains(body, "group:default/orders") && !strings.Contains(body, ">orders<") {
				t.Errorf("the rest of the page did not render")
			}
		})
	}
}

// TestArgoCDInstances: with two instances and no argocd/instance-name,
// each is asked; one that is down shows in its own part of the card while
// the other's application renders. Per-instance credentials win over the
// section's.
func TestArgoCDInstances(t *testing.T) {
	up, down := newTestArgo(t), argocdfake.NewServer(t)
	down.FailWith(http.StatusBadGateway)
	cfg := "argocd:\n  username: nobody\n  password: wrong\n  appLocatorMethods:\n    - type: config\n      instances:\n" +
		"        - {name: prod, url: " + up.URL + ", token: " + argocdfake.Token + "}\n" +
		"        - {name: staging, url: " + down.URL + ", token: " + argocdfake.Token + "}\n"
	portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: cfg, Catalog: catalog})
	_, body := portal.Get(t, "/catalog/default/component/orders", plugintest.User("user:default/jane"))
	for _, w := range []string{">orders-prod (prod)<", "Synced", "orders-prod (staging) is unavailable: Argo CD staging answered 502"} {
		if !strings.Contains(body, w) {
			t.Errorf("card lacks %q:\n%s", w, cardText(body))
		}
	}
	_, body = portal.Get(t, "/catalog/default/component/orders-on-prod", plugintest.User("user:default/jane"))
	if !strings.Contains(body, "Synced") || strings.Contains(body, "unavailable") {
		t.Errorf("card of an entity pinned to prod asks staging too:\n%s", cardText(body))
	}
	_, body = portal.Get(t, "/catalog/default/component/pinned-elsewhere", plugintest.User("user:default/jane"))
	if w := "Argo CD is unavailable: argocd/instance-name names the instance &#34;nowhere&#34;"; !strings.Contains(body, w) {
		t.Errorf("card of an entity pinned to an unknown instance lacks %q:\n%s", w, cardText(body))
	}
}

// TestAttackUpstreamEchoesCredentials: an Argo CD whose error messages
// repeat the request's Authorization header (or the login password) does
// not get the token, the session or the password onto the page.
func TestAttackUpstreamEchoesCredentials(t *testing.T) {
	tests := []struct {
		name, config string
		secrets      []string
	}{
		{"api token", "  token: " + argocdfake.Token + "\n", []string{argocdfake.Token}},
		{"session", "  username: " + argocdfake.Username + "\n  password: " + argocdfake.Password + "\n", []string{argocdfake.Password, "session-token-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestArgo(t)
			api.EchoCredentials(true)
			api.FailWith(http.StatusInternalServerError)
			portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: "argocd:\n  baseUrl: " + api.URL + "\n" + tc.config, Catalog: catalog})
			for _, path := range []string{"/catalog/default/component/orders", "/catalog/default/component/orders/argocd", "/api/argocd/applications/component/default/orders"} {
				_, body := portal.Get(t, path, plugintest.User("user:default/jane"))
				if !strings.Contains(body, "answered 500") {
					t.Errorf("GET %s does not say Argo CD failed:\n%s", path, cardText(body))
				}
				for _, s := range tc.secrets {
					if strings.Contains(body, s) {
						t.Errorf("GET %s shows the secret %q", path, s)
					}
				}
			}
		})
	}
}

func TestArgoCDConfig(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"typo", "argocd:\n  baseUrl: https://argocd.example.com\n  tokn: x\n", "app-config.yaml:3: argocd.tokn"},
		{"nothing to ask", "argocd: {token: x}\n", "argocd needs baseUrl or appLocatorMethods"},
		{"bad URL", "argocd: {baseUrl: 'ftp://x', token: x}\n", "argocd.baseUrl: url must be an http or https URL"},
		{"URL with credentials", "argocd: {baseUrl: 'https://u:pw@argocd.example.com', token: x}\n", `got "https://argocd.example.com"`},
		{"no credentials", "argocd: {baseUrl: 'https://argocd.example.com'}\n", "needs a token, or a username and password"},
		{"unknown locator", "argocd:\n  token: x\n  appLocatorMethods: [{type: cluster}]\n", `argocd.appLocatorMethods[0].type: "cluster" is not supported`},
		{"instance without name", "argocd:\n  token: x\n  appLocatorMethods: [{type: config, instances: [{url: 'https://a'}]}]\n", "instances[0].name is missing"},
		{"instance twice", "argocd:\n  token: x\n  appLocatorMethods: [{type: config, instances: [{name: a, url: 'https://a'}, {name: a, url: 'https://b'}]}]\n", `instance name "a" is used twice`},
		{"bad timeout", "argocd: {baseUrl: 'https://a', token: x, timeout: soon}\n", `argocd.timeout: want a duration such as 30s, got "soon"`},
		{"bad cacheTtl", "argocd: {baseUrl: 'https://a', token: x, cacheTtl: -1s}\n", `argocd.cacheTtl: want a duration`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := argocd.Plugin()
			_, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, tc.config))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("Roadie's example", func(t *testing.T) {
		p := argocd.Plugin()
		cfg := "argocd:\n  username: admin\n  password: pw\n  waitCycles: 25\n  appLocatorMethods:\n    - type: 'config'\n      instances:\n" +
			"        - name: argoInstance1\n          url: https://argoInstance1.com\n          token: tok\n        - name: argoInstance2\n          url: https://argoInstance2.com\n"
		if _, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, cfg)); err != nil {
			t.Errorf("Enable = %v", err)
		}
	})
}

// cardText is the part of a page worth showing in a failure.
func cardText(body string) string {
	if i := strings.Index(body, "Argo CD"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000]
	}
	return body
}
