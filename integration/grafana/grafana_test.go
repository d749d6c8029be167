package grafana_test

import (
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/integration/grafana"
	"callboard/internal/grafanafake"
	"callboard/plugin"
	"callboard/plugin/plugintest"
)

const token = "glsa_s3cr3t-token"

// newTestGrafana is a fake Grafana with the payments team's dashboards,
// rules and legacy alerts.
func newTestGrafana(t *testing.T) *grafanafake.Server {
	g := grafanafake.New(t, token)
	g.SetDashboards(
		grafanafake.Dashboard{UID: "pay1", Title: "Payment service", Tags: []string{"service=payment-service", "generated"}, FolderUID: "f1", FolderTitle: "Payments"},
		grafanafake.Dashboard{UID: "pay2", Title: "Payment SLOs", Tags: []string{"service=payment-service", "slo"}},
		grafanafake.Dashboard{UID: "ord1", Title: "Order service", Tags: []string{"service=order-service"}, FolderUID: "f2", FolderTitle: "Orders"},
		grafanafake.Dashboard{UID: "old1", Title: "Payment legacy", Tags: []string{"payments-old"}, FolderUID: "f1", FolderTitle: "Payments"},
	)
	g.SetRules(
		grafanafake.Rule{UID: "r1", Name: "Payment latency high", State: "firing", Labels: map[string]string{"service": "payment-service"}, Folder: "Payments", Group: "latency"},
		grafanafake.Rule{UID: "r2", Name: "Payment errors", State: "inactive", Labels: map[string]string{"service": "payment-service"}, Folder: "Payments", Group: "errors"},
		grafanafake.Rule{UID: "r3", Name: "Order backlog", State: "pending", Labels: map[string]string{"service": "order-service"}, Folder: "Orders", Group: "queue"},
	)
	g.SetLegacyAlerts(
		grafanafake.LegacyAlert{ID: 1, PanelID: 4, Name: "Payment 5xx", State: "alerting", DashboardUID: "pay1", DashboardSlug: "payment-service", DashboardTags: []string{"service=payment-service"}},
		grafanafake.LegacyAlert{ID: 2, PanelID: 2, Name: "Order lag", State: "ok", DashboardUID: "ord1", DashboardSlug: "order-service", DashboardTags: []string{"service=order-service"}},
	)
	return g
}

// component is a catalog entity with annotations.
func component(name string, annotations map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\n  annotations:\n", name)
	for k, v := range annotations {
		fmt.Fprintf(&b, "    %s: %q\n", k, v)
	}
	b.WriteString("spec: {type: service, lifecycle: production, owner: group:default/payments}\n")
	return b.String()
}

func entity(annotations map[string]string) *callboard.Entity {
	return &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component",
		Metadata: callboard.Metadata{Name: "svc", Namespace: "default", Annotations: annotations}}
}

// proxyConfig is the community plugin's documented setup: the proxy
// entry with the token, and the grafana section.
func proxyConfig(g *grafanafake.Server, extra string) string {
	return fmt.Sprintf("proxy:\n  '/grafana/api':\n    target: %s/\n    headers:\n      Authorization: Bearer %s\ngrafana:\n  domain: https://monitoring.example.com\n%s",
		g.URL, token, extra)
}

// mustEnable enables the plugin with config and returns it.
func mustEnable(t *testing.T, config string) plugin.Enabled {
	t.Helper()
	p := grafana.Plugin()
	en, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, config))
	if err != nil {
		t.Fatalf("Enable: %v", err)
	}
	return en
}

// render renders the plugin's card id on an entity with annotations.
func render(t *testing.T, en plugin.Enabled, id string, annotations map[string]string) (string, error) {
	t.Helper()
	for _, c := range en.Cards {
		if c.ID == id {
			e := entity(annotations)
			if !c.Applies(e) {
				return "(does not apply)", nil
			}
			h, err := c.Render(t.Context(), e)
			return html.UnescapeString(string(h)), err
		}
	}
	t.Fatalf("no card %s", id)
	return "", nil
}

func TestDashboardsCard(t *testing.T) {
	g := newTestGrafana(t)
	en := mustEnable(t, proxyConfig(g, ""))
	tests := []struct {
		name        string
		annotations map[string]string
		want        []string
		notWant     []string
	}{
		{"bare tag", map[string]string{"grafana/dashboard-selector": "service=payment-service"},
			[]string{"Payment service", "Payment SLOs", "Payments", "https://monitoring.example.com/d/pay1/payment-service", "https://monitoring.example.com/dashboards/f/f1/payments"},
			[]string{"Order service", "Payment legacy"}},
		{"comma-separated tags, any", map[string]string{"grafana/dashboard-selector": "service=order-service, payments-old"},
			[]string{"Order service", "Payment legacy"}, []string{"Payment SLOs"}},
		{"expression", map[string]string{"grafana/dashboard-selector": "(tags @> 'service=payment-service' || tags @> 'payments-old') && tags @> 'generated'"},
			[]string{"Payment service"}, []string{"Payment SLOs", "Payment legacy", "Order service"}},
		{"expression on title and folder", map[string]string{"grafana/dashboard-selector": `folderTitle == "Payments" && !(title == 'Payment legacy')`},
			[]string{"Payment service"}, []string{"Payment legacy", "Payment SLOs"}},
		{"General folder", map[string]string{"grafana/dashboard-selector": "tags @> 'slo'"},
			[]string{"Payment SLOs", "General"}, []string{"Payment service"}},
		{"older tag selector", map[string]string{"grafana/tag-selector": "payments-old"}, []string{"Payment legacy"}, []string{"Payment SLOs"}},
		{"nothing matches", map[string]string{"grafana/dashboard-selector": "service=nobody"},
			[]string{"No dashboards", `grafana/dashboard-selector "service=nobody"`}, nil},
		{"overview dashboard", map[string]string{"grafana/overview-dashboard": "https://monitoring.example.com/d/overview?kiosk"},
			[]string{"Open the overview dashboard", "https://monitoring.example.com/d/overview?kiosk"}, []string{"Payment"}},
		{"no annotation", map[string]string{"grafana/alert-label-selector": "service=payment-service"}, []string{"(does not apply)"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render(t, en, "dashboards", tc.annotations)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("card lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("card shows %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestBadDashboardSelectorsSayWhatIsWrong(t *testing.T) {
	g := newTestGrafana(t)
	en := mustEnable(t, proxyConfig(g, ""))
	tests := []struct{ name, selector, want string }{
		{"unknown name", "tag @> 'x'", `at column 1: unknown name "tag": use title, tags, url, folderTitle or folderUrl`},
		{"unclosed string", "tags @> 'x", "at column 9: the string is not closed with '"},
		{"includes on a string", "title @> 'x'", "at column 7: @> needs a list on its left"},
		{"compare a list", "tags == 'x'", "at column 6: == compares strings"},
		{"dangling operator", "tags @> 'x' &&", "at column 15: expected a name or a quoted string, got end of the selector"},
		{"not a condition", "'x'", "the selector must be a condition"},
		{"missing paren", "(tags @> 'x'", "expected ) before end of the selector"},
		{"stray character", "tags @> 'x' ; drop", `at column 13: unexpected ";"`},
		{"single =", "tags @> 'x' && title = 'y'", `at column 22: unexpected "="`},
		{"and of strings", "title && url", "&& joins conditions, not a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, en, "dashboards", map[string]string{"grafana/dashboard-selector": tc.selector})
			if callboard.ErrorKind(err) != callboard.Invalid || !strings.Contains(callboard.ErrorMessage(err), tc.want) ||
				!strings.Contains(callboard.ErrorMessage(err), "grafana/dashboard-selector") {
				t.Errorf("render = %v, want Invalid with %q", err, tc.want)
			}
		})
	}
	if n := len(g.Requests()); n != 0 {
		t.Errorf("bad selectors made %d requests to Grafana, want none", n)
	}
}

func TestAlertsCard(t *testing.T) {
	g := newTestGrafana(t)
	unified := mustEnable(t, proxyConfig(g, "  unifiedAlerting: true\n"))
	legacy := mustEnable(t, proxyConfig(g, "  unifiedAlerting: false\n"))
	tests := []struct {
		name        string
		en          plugin.Enabled
		annotations map[string]string
		want        []string
		notWant     []string
	}{
		{"unified", unified, map[string]string{"grafana/alert-label-selector": "service=payment-service"},
			[]string{"Payment latency high", "firing", "Payment errors", "inactive", "https://monitoring.example.com/alerting/grafana/r1/view"},
			[]string{"Order backlog"}},
		{"unified, any of several", unified, map[string]string{"grafana/alert-label-selector": "service=order-service,service=nobody"},
			[]string{"Order backlog", "pending"}, []string{"Payment"}},
		{"unified, none", unified, map[string]string{"grafana/alert-label-selector": "service=nobody"}, []string{"No alerts"}, nil},
		{"legacy", legacy, map[string]string{"grafana/alert-label-selector": "service=payment-service"},
			[]string{"Payment 5xx", "alerting", "https://monitoring.example.com/d/pay1/payment-service?viewPanel=4"}, []string{"Order lag"}},
		{"legacy tag selector", legacy, map[string]string{"grafana/tag-selector": "service=order-service"},
			[]string{"Order lag", "ok"}, []string{"Payment 5xx"}},
		{"no annotation", unified, map[string]string{"grafana/dashboard-selector": "x"}, []string{"(does not apply)"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render(t, tc.en, "alerts", tc.annotations)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("card lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("card shows %q:\n%s", w, got)
				}
			}
		})
	}
	if _, err := render(t, unified, "alerts", map[string]string{"grafana/alert-label-selector": "payment-service"}); !strings.Contains(callboard.ErrorMessage(err), `"payment-service" is not a label=value pair`) {
		t.Errorf("bad label selector: %v", err)
	}
}

func TestGrafanaFailuresAreUpstreamErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   string
	}{
		{"bad token", 401, "Grafana refused callboard's credentials (401 Unauthorized)"},
		{"forbidden", 403, "Grafana refused callboard's credentials (403 Forbidden)"},
		{"rate limited", 429, "Grafana is rate-limiting callboard (429 Too Many Requests); retry after 30s"},
		{"server error", 500, "Grafana answered 500 Internal Server Error to /api/search: Internal Server Error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newTestGrafana(t)
			g.Fail("/api/search", tc.status)
			en := mustEnable(t, proxyConfig(g, ""))
			_, err := render(t, en, "dashboards", map[string]string{"grafana/dashboard-selector": "slo"})
			if callboard.ErrorKind(err) != callboard.Upstream || !strings.Contains(callboard.ErrorMessage(err), tc.want) {
				t.Errorf("render = %v, want Upstream %q", err, tc.want)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error holds the token: %v", err)
			}
		})
	}
	for _, tc := range []struct{ name, path, config, want string }{
		{"no rules API", "/api/prometheus/grafana/api/v1/rules", "  unifiedAlerting: true\n", "set grafana.unifiedAlerting: false"},
		{"no legacy API", "/api/alerts", "", "set grafana.unifiedAlerting: true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newTestGrafana(t)
			g.Fail(tc.path, 404)
			_, err := render(t, mustEnable(t, proxyConfig(g, tc.config)), "alerts", map[string]string{"grafana/alert-label-selector": "service=payment-service"})
			if callboard.ErrorKind(err) != callboard.Upstream || !strings.Contains(callboard.ErrorMessage(err), tc.want) {
				t.Errorf("render = %v, want Upstream %q", err, tc.want)
			}
		})
	}
	t.Run("down", func(t *testing.T) {
		g := newTestGrafana(t)
		config := proxyConfig(g, "")
		g.Close()
		_, err := render(t, mustEnable(t, config), "dashboards", map[string]string{"grafana/dashboard-selector": "slo"})
		if callboard.ErrorKind(err) != callboard.Upstream || !strings.HasPrefix(callboard.ErrorMessage(err), "Grafana did not answer: dial tcp") ||
			strings.Contains(callboard.ErrorMessage(err), "/api/search") {
			t.Errorf("render = %v, want Upstream: Grafana did not answer: dial tcp..., without the URL", err)
		}
	})
	t.Run("slow", func(t *testing.T) {
		g := newTestGrafana(t)
		g.Delay(time.Minute)
		_, err := render(t, mustEnable(t, proxyConfig(g, "  timeout: 50ms\n")), "dashboards", map[string]string{"grafana/dashboard-selector": "slo"})
		if callboard.ErrorKind(err) != callboard.Upstream || callboard.ErrorMessage(err) != "Grafana did not answer within 50ms" {
			t.Errorf("render = %v, want Upstream: Grafana did not answer within 50ms", err)
		}
	})
}

func TestCredentialsFromProxyOrToken(t *testing.T) {
	g := newTestGrafana(t)
	tests := []struct{ name, config string }{
		{"proxy entry", proxyConfig(g, "")},
		{"proxy.endpoints entry", fmt.Sprintf("proxy:\n  endpoints:\n    /grafana/api:\n      target: %s\n      changeOrigin: true\n      headers: {Authorization: Bearer %s}\ngrafana: {domain: https://monitoring.example.com}\n", g.URL, token)},
		{"proxyPath", fmt.Sprintf("proxy:\n  /grafana-prod/api: {target: %s, headers: {Authorization: Bearer %s}}\ngrafana: {domain: https://monitoring.example.com, proxyPath: /grafana-prod/api}\n", g.URL, token)},
		{"token", fmt.Sprintf("grafana: {domain: %s, token: %s}\n", g.URL, token)},
		{"token over the proxy's header", fmt.Sprintf("proxy:\n  /grafana/api: {target: %s, headers: {authorization: Bearer old}}\ngrafana: {token: %s}\n", g.URL, token)},
		{"proxy target as a string", fmt.Sprintf("proxy:\n  /grafana/api: %s\ngrafana: {token: %s}\n", g.URL, token)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render(t, mustEnable(t, tc.config), "dashboards", map[string]string{"grafana/dashboard-selector": "slo"})
			if err != nil || !strings.Contains(got, "Payment SLOs") {
				t.Errorf("render = %v, %s", err, got)
			}
		})
	}
}

func TestGrafanaConfigErrors(t *testing.T) {
	tests := []struct{ name, config, want string }{
		{"typo", "grafana:\n  domain: https://g.example.com\n  unifiedAlertng: true\n", "app-config.yaml:3: grafana.unifiedAlertng"},
		{"no address", "grafana: {unifiedAlerting: true}\n", "grafana needs Grafana's address"},
		{"bad domain", "grafana: {domain: monitoring.example.com}\n", `grafana.domain must be an http or https URL, got "monitoring.example.com"`},
		{"bad target, password hidden", "proxy:\n  /grafana/api: {target: 'ftp://u:hunter2@g.example.com'}\ngrafana: {}\n", "must be an http or https URL, got \"ftp://u:xxxxx@g.example.com\""},
		{"headers not strings", "proxy:\n  /grafana/api: {target: https://g.example.com, headers: {X-Org: [1]}}\ngrafana: {}\n", "proxy./grafana/api.headers.X-Org must be a string"},
		{"bad ttl", "grafana: {domain: https://g.example.com, cacheTtl: soon}\n", `grafana.cacheTtl: want a duration such as 30s, got "soon"`},
		{"bad timeout", "grafana: {domain: https://g.example.com, timeout: -1s}\n", `grafana.timeout: want a duration`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := grafana.Plugin()
			_, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, tc.config))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestAnswersAreCached(t *testing.T) {
	tests := []struct {
		name     string
		ttl      string
		requests int
	}{
		{"default 30s", "", 1},
		{"no cache", "  cacheTtl: 0s\n", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newTestGrafana(t)
			en := mustEnable(t, proxyConfig(g, tc.ttl))
			for range 3 {
				if _, err := render(t, en, "dashboards", map[string]string{"grafana/dashboard-selector": "slo"}); err != nil {
					t.Fatal(err)
				}
			}
			if got := len(g.Requests()); got != tc.requests {
				t.Errorf("%d requests to Grafana for 3 renders, want %d", got, tc.requests)
			}
		})
	}
}

func TestExpressionSearchReadsEveryPage(t *testing.T) {
	g := grafanafake.New(t, token)
	var ds []grafanafake.Dashboard
	for i := range 2500 {
		ds = append(ds, grafanafake.Dashboard{UID: fmt.Sprintf("d%04d", i), Title: fmt.Sprintf("Dash %04d", i), Tags: []string{"bulk"}})
	}
	ds[2400].Tags = append(ds[2400].Tags, "needle")
	g.SetDashboards(ds...)
	got, err := render(t, mustEnable(t, proxyConfig(g, "")), "dashboards", map[string]string{"grafana/dashboard-selector": "tags @> 'needle'"})
	if err != nil || !strings.Contains(got, "Dash 2400") {
		t.Errorf("render = %v, %.300s", err, got)
	}
	if n := len(g.Requests()); n != 3 {
		t.Errorf("%d requests, want 3 pages: %v", n, g.Requests())
	}
}

// TestGrafanaCardsInPortal renders the cards inside a real entity page:
// the dashboards card fails (Grafana refuses the search) in its own panel,
// the alerts card and the rest of the page render, the token never
// reaches the page, and the route serves JSON behind its permission.
func TestGrafanaCardsInPortal(t *testing.T) {
	g := newTestGrafana(t)
	catalog := component("payment-service", map[string]string{
		"grafana/dashboard-selector":   "service=payment-service",
		"grafana/alert-label-selector": "service=payment-service",
	}) + "---\n" + component("order-service", map[string]string{"grafana/dashboard-selector": "service=order-service"})
	policy := "rules:\n  - permission: catalog.entity.read\n    decision: allow\n  - permission: grafana.dashboard.read\n    entity: {isEntityOwner: true}\n    decision: allow\n"
	portal := plugintest.New(t, grafana.Plugin(), plugintest.Options{Config: proxyConfig(g, "  unifiedAlerting: true\n"), Catalog: catalog, Policy: policy})
	jane := plugintest.User("user:default/jane", "group:default/payments")

	status, body := portal.Get(t, "/catalog/default/component/payment-service", jane)
	for _, w := range []string{"Payment service", "Payment latency high", "Grafana dashboards", "Grafana alerts"} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("page = %d, lacks %q", status, w)
		}
	}
	g.Fail("/api/search", 401)
	_, body = portal.Get(t, "/catalog/default/component/order-service", jane)
	if !strings.Contains(html.UnescapeString(body), "Grafana dashboards is unavailable: Grafana refused callboard's credentials") {
		t.Errorf("the failing card does not say it is unavailable")
	}
	if !strings.Contains(body, "order-service") {
		t.Errorf("the rest of the page did not render")
	}
	status, api := portal.Get(t, "/api/grafana/dashboards/component/default/payment-service", jane)
	if status != 200 || !strings.Contains(api, `"title":"Payment service"`) || !strings.Contains(api, `"state":"firing"`) {
		t.Errorf("route = %d %s", status, api)
	}
	if status, _ := portal.Get(t, "/api/grafana/dashboards/component/default/payment-service", plugintest.User("user:default/joe")); status != 403 {
		t.Errorf("route without the permission = %d, want 403", status)
	}
	for _, b := range []string{body, api} {
		if strings.Contains(b, token) {
			t.Errorf("the token reached the browser")
		}
	}
}

// TestSlowGrafanaKeepsThePageUp: a Grafana slower than plugins.timeout
// shows in the cards' own panels; the page and its other cards render.
func TestSlowGrafanaKeepsThePageUp(t *testing.T) {
	g := newTestGrafana(t)
	g.Delay(time.Minute)
	catalog := component("payment-service", map[string]string{
		"grafana/dashboard-selector":   "service=payment-service",
		"grafana/alert-label-selector": "service=payment-service",
	})
	portal := plugintest.New(t, grafana.Plugin(), plugintest.Options{Config: proxyConfig(g, "  unifiedAlerting: true\n"),
		Catalog: catalog, Timeout: 200 * time.Millisecond})
	status, body := portal.Get(t, "/catalog/default/component/payment-service", plugintest.User("user:default/jane"))
	body = html.UnescapeString(body)
	for _, w := range []string{"Grafana dashboards is unavailable: no answer within 200ms", "Grafana alerts is unavailable: no answer within 200ms", "About"} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("page = %d, lacks %q", status, w)
		}
	}
}
