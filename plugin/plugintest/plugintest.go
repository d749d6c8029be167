// Package plugintest runs a plugin inside a real portal for its tests: a
// catalog in SQLite, the web server with its sign-in, permission and audit
// wrappers, and the plugin enabled from app-config text as `callboard
// serve` enables it. Only the systems a plugin calls are faked, by the
// test (httptest servers).
package plugintest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"callboard"
	"callboard/auth/policy"
	"callboard/catalog"
	"callboard/config"
	"callboard/plugin"
	"callboard/store"
	"callboard/store/storetest"
	"callboard/web"
)

// Options describe the portal a plugin is tested in.
type Options struct {
	// Config is app-config.yaml text holding the plugin's section; the
	// file is called app-config.yaml in error messages.
	Config string
	// Catalog is catalog-info.yaml text (several documents allowed): the
	// entities the portal serves. Every kind is allowed.
	Catalog string
	// Policy is a permission policy in YAML; the plugin's permissions may
	// be named. Empty means no policy and dev mode: anyone may do
	// anything, writes need no sign-in.
	Policy string
	// Timeout bounds each render and facts call; zero means
	// plugin.DefaultTimeout.
	Timeout time.Duration
	// Facts is the fact store the plugin gets; nil means the portal's
	// own database. Another portal's DB makes the two replicas sharing
	// what their jobs computed.
	Facts callboard.FactStore
	// Plugins are further plugins, already enabled (plugin.Enable with
	// Env), whose tabs, facts and filters the portal has beside p's: a
	// plugin that reads others' facts (scorecards) is tested with them.
	Plugins []plugin.Enabled
}

// Portal is a running portal with one plugin enabled.
type Portal struct {
	// URL is the portal's base URL.
	URL string
	// DB is the portal's database: the audit log, the job leases, the
	// facts.
	DB      *store.DB
	Enabled plugin.Enabled
	srv     *httptest.Server
	cat     *catalog.Service
	timeout time.Duration
}

// New starts a portal with p enabled, closed when the test ends. It fails
// the test when the config, the catalog, the policy or p's Setup fails.
func New(t testing.TB, p plugin.Plugin, opts Options) *Portal {
	t.Helper()
	dir := t.TempDir()
	catFile := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(catFile, []byte(opts.Catalog), 0o644); err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	cat := catalog.New(db, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: catalog.TypeFile, Target: catFile}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatalf("plugintest: catalog: %v", err)
	}
	env := newEnv(t, p, opts.Config)
	env.Catalog, env.Entities, env.Facts, env.Scorecards = cat, cat, db, db
	if opts.Facts != nil {
		env.Facts = opts.Facts
	}
	// The plugin's own facts and those of opts.Plugins, as serve gathers
	// every enabled plugin's.
	var enabled []plugin.Enabled
	env.AllFacts = func(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, map[string]error) {
		return plugin.Facts(ctx, enabled, e, opts.Timeout)
	}
	if err := plugin.Check([]plugin.Plugin{p}); err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	en, err := plugin.Enable(t.Context(), p, env)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	enabled = append([]plugin.Enabled{en}, opts.Plugins...)
	if en.Close != nil {
		t.Cleanup(func() {
			if err := en.Close(); err != nil {
				t.Errorf("plugintest: close %s: %v", p.ID, err)
			}
		})
	}
	wopts := web.Options{Dev: opts.Policy == "", Plugins: enabled, PluginTimeout: opts.Timeout, Audit: db}
	if opts.Policy != "" {
		az, err := policy.Parse("policy.yaml", []byte(opts.Policy), p.Permissions...)
		if err != nil {
			t.Fatalf("plugintest: %v", err)
		}
		wopts.Authorizer = az
	}
	h := web.NewServer(slog.New(slog.DiscardHandler), cat, wopts)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var who callboard.Principal
		if s := r.Header.Get(principalHeader); s != "" && json.Unmarshal([]byte(s), &who) == nil {
			r = r.WithContext(callboard.WithPrincipal(r.Context(), who))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &Portal{URL: srv.URL, DB: db, Enabled: en, srv: srv, cat: cat, timeout: opts.Timeout}
}

// Env returns the environment serve would give p's Setup with config as
// app-config.yaml: for testing Setup and config errors alone. Its Catalog
// is nil.
func Env(t testing.TB, p plugin.Plugin, config string) plugin.Env {
	t.Helper()
	return newEnv(t, p, config)
}

func newEnv(t testing.TB, p plugin.Plugin, text string) plugin.Env {
	t.Helper()
	// The text is read as the file app-config.yaml, so errors name it so.
	const file = "app-config.yaml"
	cfg, err := config.Load([]string{file}, func(string) string { return "" }, func(name string) ([]byte, error) {
		if name == file {
			return []byte(text), nil
		}
		return os.ReadFile(name)
	})
	if err != nil {
		t.Fatalf("plugintest: config: %v", err)
	}
	env := plugin.Env{Log: slog.New(slog.DiscardHandler), HTTPClient: plugin.NewHTTPClient(), BaseURL: cfg.App.BaseURL}
	return env.WithConfig(p, cfg)
}

// principalHeader carries the test's caller to the portal.
const principalHeader = "X-Plugintest-Principal"

// User is a signed-in user: ref ("user:default/jane") and the groups they
// are a member of ("group:default/payments").
func User(ref string, groups ...string) callboard.Principal {
	return callboard.Principal{Subject: ref, Ownership: append([]string{ref}, groups...)}
}

// Do sends a request with body (nil for none) as who (the zero Principal
// for an anonymous caller) and returns the status and the body.
func (p *Portal) Do(t testing.TB, method, path string, who callboard.Principal, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, p.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if !who.Anonymous() {
		b, _ := json.Marshal(who)
		req.Header.Set(principalHeader, string(b))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(out)
}

// Get is Do for a GET.
func (p *Portal) Get(t testing.TB, path string, who callboard.Principal) (int, string) {
	t.Helper()
	return p.Do(t, http.MethodGet, path, who, nil)
}

// Facts returns the plugin's facts about the entity ref names
// ("component:default/checkout"), as GET /api/facts/by-name answers them;
// a plugin that fails fails the test.
func (p *Portal) Facts(t testing.TB, ref string) []callboard.Fact {
	t.Helper()
	r, err := callboard.ParseRef(ref, "component", callboard.DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.cat.Entity(t.Context(), r)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	facts, failed := plugin.Facts(t.Context(), []plugin.Enabled{p.Enabled}, e, p.timeout)
	if err := failed[p.Enabled.ID]; err != nil {
		t.Fatalf("plugintest: facts of %s: %v", ref, err)
	}
	return facts
}

// RunJob runs the plugin's job called name once, now, as serve's
// scheduler would, and returns its error.
func (p *Portal) RunJob(t testing.TB, name string) error {
	t.Helper()
	for _, j := range p.Enabled.Jobs {
		if j.Name == name {
			return j.Run(t.Context())
		}
	}
	t.Fatalf("plugintest: plugin %s has no job %q", p.Enabled.ID, name)
	return nil
}
