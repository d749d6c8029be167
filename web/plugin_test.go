package web_test

import (
	"context"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/auth/policy"
	"callboard/catalog"
	"callboard/demo"
	"callboard/plugin"
	"callboard/plugin/ui"
	"callboard/store"
	"callboard/store/storetest"
	"callboard/web"
)

// sloPlugin is a plugin as a team writes one, all in this file: a tab, a
// card, a read route and a write route with their permissions, a job and a
// fact. jobRan receives each run of its job.
func sloPlugin(jobRan chan<- string) plugin.Plugin {
	return plugin.Plugin{
		ID: "slo", Title: "SLOs", ConfigKey: "slo",
		Permissions: []callboard.Permission{
			{Name: "slo.objective.read", ResourceType: callboard.ResourceEntity, Action: "read"},
			{Name: "slo.budget.reset", ResourceType: callboard.ResourceEntity, Action: "update"},
		},
		Setup: func(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
			hasSLO := func(e *callboard.Entity) bool { return strings.EqualFold(e.Kind, "component") }
			return &plugin.Instance{
				Tabs: []plugin.Tab{{ID: "slo", Title: "SLOs", Applies: hasSLO,
					Render: func(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
						return ui.KeyValues(ui.KV{Key: "Objective of " + e.Metadata.Name, Value: "99.9%"}), nil
					}}},
				Cards: []plugin.Card{{ID: "slo", Title: "SLOs", Applies: hasSLO,
					Render: func(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
						reset := ""
						if plugin.Allowed(ctx, "slo.budget.reset", e) {
							reset = " (you may reset the budget)"
						}
						return ui.Join(ui.Status(ui.OK, "Objective met"), ui.Text(reset)), nil
					}}},
				Routes: []plugin.Route{
					{Method: "GET", Path: "/objectives/{kind}/{namespace}/{name}", Permission: "slo.objective.read",
						Handler: func(w http.ResponseWriter, r *http.Request) error {
							w.Header().Set("Content-Type", "application/json")
							return json.NewEncoder(w).Encode(map[string]any{"entity": plugin.RouteEntity(r).Metadata.Name, "objective": 99.9})
						}},
					{Method: "POST", Path: "/budgets/{kind}/{namespace}/{name}/reset", Permission: "slo.budget.reset",
						Handler: func(w http.ResponseWriter, r *http.Request) error {
							w.WriteHeader(http.StatusNoContent)
							return nil
						}},
				},
				Jobs: []plugin.Job{{Name: "pull", Every: time.Hour, Run: func(ctx context.Context) error {
					jobRan <- "pulled"
					return nil
				}}},
				Facts: func(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, error) {
					return []callboard.Fact{{Key: "availability.objective", Value: 99.9}}, nil
				},
			}, nil
		},
	}
}

// slowPlugin's card, tab and facts wait until release closes, ignoring
// their context: the page must not wait for them.
func slowPlugin(release <-chan struct{}) plugin.Plugin {
	wait := func(context.Context, *callboard.Entity) (template.HTML, error) {
		<-release
		return "late", nil
	}
	return plugin.Plugin{ID: "slow", Title: "Slow", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{
			Cards: []plugin.Card{{ID: "slow", Title: "Slow", Render: wait}},
			Tabs:  []plugin.Tab{{ID: "slow", Title: "Slow", Render: wait}},
			Facts: func(context.Context, *callboard.Entity) ([]callboard.Fact, error) {
				<-release
				return nil, nil
			},
		}, nil
	}}
}

// boomPlugin panics in everything it renders.
func boomPlugin() plugin.Plugin {
	boom := func(context.Context, *callboard.Entity) (template.HTML, error) { panic("nil map in boom") }
	return plugin.Plugin{ID: "boom", Title: "Boom", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{
			Cards: []plugin.Card{{ID: "boom", Title: "Boom", Render: boom}},
			Tabs:  []plugin.Tab{{ID: "boom", Title: "Boom", Render: boom}},
		}, nil
	}}
}

// mustEnable runs each plugin's Setup, as serve does.
func mustEnable(t testing.TB, plugins ...plugin.Plugin) []plugin.Enabled {
	t.Helper()
	if err := plugin.Check(plugins); err != nil {
		t.Fatal(err)
	}
	var out []plugin.Enabled
	for _, p := range plugins {
		en, err := plugin.Enable(t.Context(), p, plugin.Env{Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, en)
	}
	return out
}

// sloPolicy lets owners read their objectives and SREs reset budgets; the
// rest is denied.
const sloPolicy = `
rules:
  - name: everyone reads the catalog
    permission: catalog.entity.read
    decision: allow
  - name: owners read their objectives
    permission: slo.objective.read
    entity: { isEntityOwner: true }
    decision: allow
  - name: SREs reset budgets
    permission: slo.budget.reset
    user: { groups: [sre] }
    decision: allow
`

var sloPrincipals = map[string]callboard.Principal{
	"owner": {Subject: "user:default/pat", Ownership: []string{"user:default/pat", "group:default/payments-team"}},
	"sre":   {Subject: "user:default/sam", Ownership: []string{"user:default/sam", "group:default/sre"}},
	"other": {Subject: "user:default/olga", Ownership: []string{"user:default/olga", "group:default/team-b"}},
}

type pluginEnv struct {
	srv     *httptest.Server
	db      *store.DB
	plugins []plugin.Enabled
	jobRan  chan string
}

// newPluginServer serves the demo catalog with the slo, slow and boom
// plugins under sloPolicy; X-Test-User names the caller (sloPrincipals).
func newPluginServer(t *testing.T) pluginEnv {
	t.Helper()
	db := storetest.Open(t)
	cat := catalog.New(db, catalog.Options{
		Reader:    &catalog.Reader{Embedded: demo.FS()},
		Locations: []catalog.StaticLocation{{Type: catalog.TypeEmbedded, Target: "/catalog-info.yaml"}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	jobRan := make(chan string, 10)
	sloDecl, slow, boom := sloPlugin(jobRan), slowPlugin(release), boomPlugin()
	plugins := mustEnable(t, sloDecl, slow, boom)
	az, err := policy.Parse("policy.yaml", []byte(sloPolicy), plugin.Permissions([]plugin.Plugin{sloDecl, slow, boom})...)
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{
		Plugins: plugins, PluginTimeout: 500 * time.Millisecond, Authorizer: az, Audit: db,
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := sloPrincipals[r.Header.Get("X-Test-User")]; ok {
			r = r.WithContext(callboard.WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return pluginEnv{srv: srv, db: db, plugins: plugins, jobRan: jobRan}
}

// call sends a request as user and returns the status and body.
func (env pluginEnv) call(t *testing.T, user, method, path string, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, env.srv.URL+path, nil)
	req.Header.Set("X-Test-User", user)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestPluginPanelsOnARealPage(t *testing.T) {
	env := newPluginServer(t)
	const page = "/catalog/default/component/payment-service"
	tests := []struct {
		name, path string
		want       []string
		notWant    []string
	}{
		{"overview with cards", page, []string{
			`<span class="status state-ok"><span class="dot" aria-hidden="true"></span>Objective met</span>`,
			`data-plugin-panel="slow" data-unavailable`, "Slow is unavailable: no answer within 500ms",
			`data-plugin-panel="boom" data-unavailable`, "Boom is unavailable: internal error",
			`href="/catalog/default/component/payment-service/slo"`, `href="/catalog/default/component/payment-service/boom"`,
			"About", // the built-in cards render too
		}, []string{"nil map in boom", "late"}},
		{"the plugin's tab inside the page", page + "/slo", []string{
			`<nav class="tabs"`, `aria-current="page" data-tab>SLOs</a>`, `<th scope="row">Objective of payment-service</th><td>99.9%</td>`,
		}, nil},
		{"a slow tab", page + "/slow", []string{"Slow is unavailable: no answer within 500ms", `<nav class="tabs"`}, []string{"late"}},
		{"a panicking tab", page + "/boom", []string{"Boom is unavailable: internal error", `<nav class="tabs"`}, []string{"nil map"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := env.call(t, "owner", "GET", tc.path, nil)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page has %s", w)
				}
			}
		})
	}
	t.Run("plugin.Allowed in a card", func(t *testing.T) {
		if _, body := env.call(t, "sre", "GET", page, nil); !strings.Contains(body, "you may reset the budget") {
			t.Errorf("an SRE's card does not offer the reset")
		}
		if _, body := env.call(t, "owner", "GET", page, nil); strings.Contains(body, "you may reset the budget") {
			t.Errorf("an owner's card offers the reset the policy denies")
		}
	})
}

func TestPluginRoutesGoThroughTheServersWrappers(t *testing.T) {
	env := newPluginServer(t)
	const obj = "/api/slo/objectives/component/default/payment-service"
	const reset = "/api/slo/budgets/component/default/payment-service/reset"
	tests := []struct {
		name, user, method, path string
		header                   map[string]string
		status                   int
		want                     string
	}{
		{"owner reads", "owner", "GET", obj, nil, 200, `"entity":"payment-service"`},
		{"others may not", "other", "GET", obj, nil, 403, `{"error":{"name":"NotAllowedError","message":"user:default/olga is not allowed to call GET component:default/payment-service (permission slo.objective.read)"}`},
		{"unknown entity", "owner", "GET", "/api/slo/objectives/component/default/nope", nil, 404, `"name":"NotFoundError"`},
		{"reset needs sign-in", "", "POST", reset, nil, 401, `"name":"AuthenticationError"`},
		{"reset refused", "owner", "POST", reset, nil, 403, `"name":"NotAllowedError"`},
		{"reset from another site", "sre", "POST", reset, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-origin request refused"},
		{"SRE resets", "sre", "POST", reset, map[string]string{"X-Request-Id": "req-reset"}, 204, ""},
		{"unknown route of the plugin", "owner", "GET", "/api/slo/nope", nil, 404, `"name":"NotFoundError"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := env.call(t, tc.user, tc.method, tc.path, tc.header)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s %s as %q = %d %s; want %d with %s", tc.method, tc.path, tc.user, status, body, tc.status, tc.want)
			}
		})
	}
	events, err := env.db.AuditEvents(t.Context(), callboard.AuditFilter{Action: "slo.budget.reset"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		got = append(got, ev.Actor+" "+ev.Outcome+" "+ev.Target)
		if ev.RequestID == "" {
			t.Errorf("audit event %+v has no request ID", ev)
		}
	}
	want := []string{"user:default/sam success component:default/payment-service", "user:default/pat denied component:default/payment-service"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("audit = %q, want %q", got, want)
	}
	if events[0].RequestID != "req-reset" {
		t.Errorf("audit request ID = %q, want the request's req-reset", events[0].RequestID)
	}
	if reads, _ := env.db.AuditEvents(t.Context(), callboard.AuditFilter{Action: "slo.objective.read"}); len(reads) != 0 {
		t.Errorf("refused reads were audited: %+v", reads)
	}
}

func TestPluginFactsAndJobs(t *testing.T) {
	env := newPluginServer(t)
	status, body := env.call(t, "owner", "GET", "/api/facts/by-name/component/default/payment-service", nil)
	var got struct {
		EntityRef string
		Facts     []callboard.Fact
		// Unavailable lists the plugins that did not answer.
		Unavailable []struct{ Source, Message string }
	}
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil {
		t.Fatalf("facts: %d %v %s", status, err, body)
	}
	if len(got.Facts) != 1 || got.Facts[0].Source != "slo" || got.Facts[0].Key != "availability.objective" ||
		got.Facts[0].Value != 99.9 || got.Facts[0].Entity != "component:default/payment-service" || got.Facts[0].At.IsZero() {
		t.Errorf("facts = %+v", got.Facts)
	}
	if len(got.Unavailable) != 1 || got.Unavailable[0].Source != "slow" || got.Unavailable[0].Message != "Slow is unavailable: no answer within 500ms" {
		t.Errorf("unavailable = %+v", got.Unavailable)
	}

	ctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		plugin.RunJobs(ctx, env.plugins, env.db, "replica-1", slog.New(slog.DiscardHandler))
		close(done)
	}()
	if msg := <-env.jobRan; msg != "pulled" {
		t.Errorf("job said %q", msg)
	}
	holder, live, err := env.db.Lease(t.Context(), plugin.LeaseName("slo", "pull"))
	if err != nil || holder != "replica-1" || !live {
		t.Errorf("job lease = %q live %v (%v), want replica-1's", holder, live, err)
	}
	stop()
	<-done
}

func TestPluginTabIDsMustBeFree(t *testing.T) {
	taken := plugin.Plugin{ID: "bad", Title: "Bad", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{Tabs: []plugin.Tab{{ID: "relations", Title: "Relations", Render: func(context.Context, *callboard.Entity) (template.HTML, error) { return "", nil }}}}, nil
	}}
	defer func() {
		if recover() == nil {
			t.Errorf("a plugin tab reusing a built-in ID did not panic")
		}
	}()
	web.NewServer(slog.New(slog.DiscardHandler), nil, web.Options{Plugins: mustEnable(t, taken)})
}
