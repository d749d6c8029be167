package prometheus_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"callboard/integration/prometheus"
	"callboard/internal/promtest"
	"callboard/plugin"
	"callboard/plugin/plugintest"
)

const day = 24 * time.Hour

// services is the generated traffic, 1000 requests every step:
// payment-service answers 0.03% 5xx until 10 days ago and 0.12% since;
// ledger 2% all along.
var services = []promtest.Service{
	{Name: "payment-service", PerStep: 1000, Phases: []promtest.Phase{{ErrorRatio: 0.0003}, {Since: 10 * day, ErrorRatio: 0.0012}}},
	{Name: "ledger", PerStep: 1000, Phases: []promtest.Phase{{ErrorRatio: 0.02}}},
}

// entity is a Component with annotations.
func entity(name string, annotations map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\n  annotations:\n", name)
	for k, v := range annotations {
		b.WriteString("    " + k + ": " + mustJSON(v) + "\n")
	}
	b.WriteString("spec: {type: service, lifecycle: production, owner: group:default/payments}\n---\n")
	return b.String()
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

const sel = "callboard.io/slo-selector"

func config(url string) string {
	return "prometheus:\n  instances:\n    - name: main\n      url: " + url + "\n      headers: {Authorization: Bearer s3cret}\n"
}

// TestSLOCardFromPrometheus computes SLOs from a real Prometheus over 31
// days of backfilled series and checks them against values worked out by
// hand:
//
//   - payment-service over 30d: 20 days at 0.03% and 10 at 0.12% average
//     0.06% errors: availability 99.94%; budget used 0.06/0.1 = 60%, 40%
//     left; ok (99.94 >= 99.9); bar colour secondary (20 < 40 <= 50).
//   - over 7d: all 0.12%: 99.88%, used 120%, -20% left; warning.
//   - against 99.99: 99.94%, used 0.06/0.01 = 600%, -500% left; warning.
//   - ledger: 2%: 98%, used 2000%, -1900% left; error.
func TestSLOCardFromPrometheus(t *testing.T) {
	prom := promtest.Start(t, services...)
	cat := entity("payment-service", map[string]string{sel: `service="payment-service"`}) +
		entity("payment-week", map[string]string{sel: `service="payment-service"`, "callboard.io/slo-window": "7d"}) +
		entity("payment-strict", map[string]string{sel: `{service="payment-service", status!="418"}`, "callboard.io/slo-objective": "99.99"}) +
		entity("ledger", map[string]string{sel: `service=~"led.*"`, "callboard.io/prometheus-instance": "main"}) +
		entity("nothing", map[string]string{sel: `service="nothing"`}) +
		entity("bad-objective", map[string]string{sel: `service="ledger"`, "callboard.io/slo-objective": "lots"}) +
		entity("bad-window", map[string]string{sel: `service="ledger"`, "callboard.io/slo-window": "30 days"}) +
		entity("bad-instance", map[string]string{sel: `service="ledger"`, "callboard.io/prometheus-instance": "other"}) +
		entity("no-slo", nil)
	portal := plugintest.New(t, prometheus.Plugin(), plugintest.Options{Config: config(prom.URL), Catalog: cat})

	t.Run("api", func(t *testing.T) {
		tests := []struct {
			name                string
			avail, budget       float64
			status, window      string
			objective, burnLast float64
		}{
			{"payment-service", 99.94, 40, "ok", "30d", 99.9, 1.2},
			{"payment-week", 99.88, -20, "warning", "7d", 99.9, 1.2},
			{"payment-strict", 99.94, -500, "warning", "30d", 99.99, 12},
			{"ledger", 98, -1900, "error", "30d", 99.9, 20},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, body := portal.Get(t, "/api/slo/default/component/"+tc.name, plugintest.User("user:default/jane"))
				if status != http.StatusOK {
					t.Fatalf("GET = %d %s", status, body)
				}
				var got prometheus.Status
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatal(err)
				}
				if math.Abs(got.Availability-tc.avail) > 0.001 || math.Abs(got.ErrorBudget-tc.budget) > 1 ||
					got.Status != tc.status || got.Window != tc.window || got.Objective != tc.objective {
					t.Errorf("got availability %v, budget %v, status %s, window %s, objective %v; want %v, %v, %s, %s, %v",
						got.Availability, got.ErrorBudget, got.Status, got.Window, got.Objective, tc.avail, tc.budget, tc.status, tc.window, tc.objective)
				}
				if n := len(got.BurnRate); n < 50 || n > 61 {
					t.Fatalf("burn rate has %d points, want about 60", n)
				}
				if last := got.BurnRate[len(got.BurnRate)-1].Value; math.Abs(last-tc.burnLast) > tc.burnLast/100 {
					t.Errorf("burn rate now = %v, want %v", last, tc.burnLast)
				}
			})
		}
	})

	t.Run("card", func(t *testing.T) {
		tests := []struct {
			name string
			want []string
		}{
			{"payment-service", []string{"99.940%", "objective 99.9%", "40.0%", `data-colour="secondary"`, `class="chip state-ok">OK<`, `<polyline class="burn"`, `http_requests_total{service=&#34;payment-service&#34;} over 30d on main`}},
			{"payment-week", []string{"99.880%", "-20.0%", `data-colour="error"`, `width="0.0"`, `state-warn">Warning<`}},
			{"ledger", []string{"98.000%", "--cb-bad", `state-bad">Violated<`}},
			{"nothing", []string{"No requests yet", "has no http_requests_total{service=&#34;nothing&#34;} in the last 30d"}},
			{"bad-objective", []string{"SLO is unavailable", "callboard.io/slo-objective &#34;lots&#34; must be a percentage"}},
			{"bad-window", []string{"SLO is unavailable", "callboard.io/slo-window &#34;30 days&#34; is not a duration"}},
			{"bad-instance", []string{"SLO is unavailable", "callboard.io/prometheus-instance &#34;other&#34; is not one of prometheus.instances (main)"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, body := portal.Get(t, "/catalog/default/component/"+tc.name, plugintest.User("user:default/jane"))
				if status != http.StatusOK {
					t.Fatalf("GET = %d", status)
				}
				for _, w := range tc.want {
					if !strings.Contains(body, w) {
						t.Errorf("page lacks %q", w)
					}
				}
				if strings.Contains(body, "s3cret") {
					t.Error("the page shows the instance's Authorization header")
				}
			})
		}
	})

	t.Run("no annotation, no card", func(t *testing.T) {
		_, body := portal.Get(t, "/catalog/default/component/no-slo", plugintest.User("user:default/jane"))
		if strings.Contains(body, "Error budget") || strings.Contains(body, "SLO is unavailable") {
			t.Error("an entity without callboard.io/slo-selector has the SLO card")
		}
		status, _ := portal.Get(t, "/api/slo/default/component/no-slo", plugintest.User("user:default/jane"))
		if status != http.StatusNotFound {
			t.Errorf("GET /api/slo for it = %d, want 404", status)
		}
	})

	t.Run("route needs the permission", func(t *testing.T) {
		owners := plugintest.New(t, prometheus.Plugin(), plugintest.Options{Config: config(prom.URL), Catalog: cat,
			Policy: "rules:\n  - permission: catalog.entity.read\n    decision: allow\n  - permission: slo.status.read\n    entity: {isEntityOwner: true}\n    decision: allow\n"})
		for _, tc := range []struct {
			name   string
			who    []string
			status int
		}{{"owner", []string{"user:default/jane", "group:default/payments"}, 200}, {"not the owner", []string{"user:default/li"}, 403}} {
			status, body := owners.Get(t, "/api/slo/default/component/payment-service", plugintest.User(tc.who[0], tc.who[1:]...))
			if status != tc.status {
				t.Errorf("%s: GET = %d %.200s, want %d", tc.name, status, body, tc.status)
			}
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		shootCard(t, portal.URL+"/catalog/default/component/payment-service")
	})
}

// recorder is a stand-in Prometheus that records the queries it is sent
// and answers every one with an empty vector.
type recorder struct {
	*httptest.Server
	mu      sync.Mutex
	queries []string
	auth    []string
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req.ParseForm()
		r.mu.Lock()
		r.queries = append(r.queries, req.Form.Get("query"))
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) sent() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.queries...)
}

// TestAttackSLOSelectorInjectsPromQL: the selector annotation is written
// by whoever edits catalog-info.yaml. Spliced into the query as text, a
// quote or a brace ends the matcher and the rest is PromQL of the
// author's choosing (another service's numbers, a made-up 100%, an
// expensive query). The plugin parses the matchers and refuses these; the
// card shows why and Prometheus is never asked.
func TestAttackSLOSelectorInjectsPromQL(t *testing.T) {
	rec := newRecorder(t)
	attacks := []struct{ name, selector, why string }{
		{"closing brace then PromQL", `service="x"} or vector(1) or up{a="b"`, "expected , or the end"},
		{"escaped quote", `service="pay\"ment"`, `holds "\\", which is not allowed`},
		{"single quotes", `service='x'`, "must be in double quotes"},
		{"backticks", "service=`x`", "must be in double quotes"},
		{"newline in value", "service=\"a\nb\"", "which is not allowed"},
		{"trailing operator", `service="x" / on() vector(0)`, "expected , or the end"},
		{"subquery brackets", `service="x"}[30d:1s]`, "expected , or the end"},
		{"metric name", `__name__="up"`, "match labels only"},
		{"function as name", `sum(up)="1"`, "expected =, !=, =~ or !~ after sum"},
		{"bad regex", `service=~"(pay"`, "not a regular expression"},
		{"unclosed brace", `{service="x"`, "a { without its }"},
		{"empty", ` `, "expected a label name"},
	}
	cat := ""
	for i, a := range attacks {
		cat += entity(fmt.Sprintf("attack-%d", i), map[string]string{sel: a.selector})
	}
	portal := plugintest.New(t, prometheus.Plugin(), plugintest.Options{Config: config(rec.URL), Catalog: cat})
	for i, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			_, body := portal.Get(t, fmt.Sprintf("/catalog/default/component/attack-%d", i), plugintest.User("user:default/jane"))
			if !strings.Contains(body, "SLO is unavailable: callboard.io/slo-selector") || !strings.Contains(body, htmlEscape(a.why)) {
				t.Errorf("card does not refuse %q with %q", a.selector, a.why)
			}
			status, body := portal.Get(t, fmt.Sprintf("/api/slo/default/component/attack-%d", i), plugintest.User("user:default/jane"))
			if status != http.StatusBadRequest {
				t.Errorf("API = %d %s, want 400", status, body)
			}
		})
	}
	if q := rec.sent(); len(q) != 0 {
		t.Errorf("Prometheus was sent %d queries from refused selectors, the first %q", len(q), q[0])
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `"`, "&#34;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;").Replace(s)
}

// TestSLOSelectorIsRewritten: a selector that parses is written back
// by the plugin, so the query holds exactly the matchers, quoted, and the
// instance's headers go with it.
func TestSLOSelectorIsRewritten(t *testing.T) {
	rec := newRecorder(t)
	cat := entity("checkout", map[string]string{sel: `{ service = "checkout",env=~"prod|staging" , team!~"a.+",}`})
	portal := plugintest.New(t, prometheus.Plugin(), plugintest.Options{Config: config(rec.URL), Catalog: cat})
	_, body := portal.Get(t, "/catalog/default/component/checkout", plugintest.User("user:default/jane"))
	if !strings.Contains(body, "No requests yet") {
		t.Errorf("card for an empty answer lacks the empty state")
	}
	want := `avg_over_time((1 - (sum(rate(http_requests_total{service="checkout",env=~"prod|staging",team!~"a.+",status=~"5.."}[5m])) or vector(0)) / (sum(rate(http_requests_total{service="checkout",env=~"prod|staging",team!~"a.+"}[5m])) > 0))[30d:5m]) * 100`
	if q := rec.sent(); len(q) != 1 || q[0] != want {
		t.Errorf("queries = %q, want [%q]", q, want)
	}
	if rec.auth[0] != "Bearer s3cret" {
		t.Errorf("Authorization = %q, want the configured header", rec.auth[0])
	}
	// A second render within cacheTtl asks Prometheus nothing.
	portal.Get(t, "/catalog/default/component/checkout", plugintest.User("user:default/jane"))
	if n := len(rec.sent()); n != 1 {
		t.Errorf("second render sent %d queries in all, want the cached 1", n)
	}
}

func TestSLOConfig(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"typo", "prometheus:\n  instances: [{name: a, url: http://p:9090}]\n  cacheTTL: 1s\n", "app-config.yaml:3: prometheus.cacheTTL"},
		{"no instances", "prometheus: {timeout: 5s}\n", "prometheus.instances: list at least one instance"},
		{"no name", "prometheus:\n  instances: [{url: http://p:9090}]\n", "prometheus.instances[0].name is required"},
		{"twice", "prometheus:\n  instances: [{name: a, url: http://p:9090}, {name: a, url: http://q:9090}]\n", `prometheus.instances[1].name "a" is used twice`},
		{"bad url", "prometheus:\n  instances: [{name: a, url: 'ftp://p'}]\n", "prometheus.instances[0].url must be an http or https URL"},
		{"credentials in url", "prometheus:\n  instances: [{name: a, url: 'http://u:pw@p'}]\n", "without credentials"},
		{"bad timeout", "prometheus:\n  instances: [{name: a, url: 'http://p'}]\n  timeout: soon\n", "prometheus.timeout: want a duration"},
		{"bad header", "prometheus:\n  instances: [{name: a, url: 'http://p', headers: {'X Y': z}}]\n", `headers: "X Y" is not a header name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := prometheus.Plugin()
			_, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, tc.config))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSLOUpstreamErrors: a Prometheus that refuses the credentials, fails
// the query or is gone shows as the card's "SLO is unavailable" with a
// reason to act on, and never with the instance's headers.
func TestSLOUpstreamErrors(t *testing.T) {
	answer := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	tests := []struct {
		name, url, want string
	}{
		{"401", answer(401, "Unauthorized"), "Prometheus main refused the credentials (401 Unauthorized); check prometheus.instances[].headers"},
		{"query error", answer(422, `{"status":"error","errorType":"execution","error":"query timed out"}`), "Prometheus main: execution: query timed out"},
		{"502", answer(502, "bad gateway"), "Prometheus main answered 502 Bad Gateway"},
		{"not JSON", answer(200, "<html>"), "Prometheus main sent a malformed answer"},
		{"gone", gone.URL, "Prometheus main did not answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			portal := plugintest.New(t, prometheus.Plugin(), plugintest.Options{Config: config(tc.url),
				Catalog: entity("checkout", map[string]string{sel: `service="checkout"`})})
			_, body := portal.Get(t, "/catalog/default/component/checkout", plugintest.User("user:default/jane"))
			if !strings.Contains(body, "SLO is unavailable: "+htmlEscape(tc.want)) {
				t.Errorf("card lacks %q", tc.want)
			}
			if strings.Contains(body, "s3cret") {
				t.Error("the card shows the Authorization header")
			}
			status, _ := portal.Get(t, "/api/slo/default/component/checkout", plugintest.User("user:default/jane"))
			if status != http.StatusServiceUnavailable {
				t.Errorf("API = %d, want 503", status)
			}
		})
	}
}
