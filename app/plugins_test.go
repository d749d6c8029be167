package app

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// uptimePlugin is a team's plugin, all in this file: its config section,
// a tab, a card, a route with a permission, a job and a fact. ran receives
// each run of its job.
func uptimePlugin(ran chan<- string) plugin.Plugin {
	type config struct {
		Greeting string `yaml:"greeting"`
	}
	return plugin.Plugin{
		ID: "uptime", Title: "Uptime", ConfigKey: "uptime",
		Permissions: []callboard.Permission{{Name: "uptime.status.read", ResourceType: callboard.ResourceEntity, Action: "read"}},
		Setup: func(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
			cfg := config{Greeting: "hello"}
			if err := env.Decode(&cfg); err != nil {
				return nil, err
			}
			render := func(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
				return ui.KeyValues(ui.KV{Key: cfg.Greeting, Value: e.Metadata.Name}), nil
			}
			return &plugin.Instance{
				Tabs:  []plugin.Tab{{ID: "uptime", Title: "Uptime", Render: render}},
				Cards: []plugin.Card{{ID: "uptime", Title: "Uptime", Render: render}},
				Routes: []plugin.Route{{Method: "GET", Path: "/status/{kind}/{namespace}/{name}", Permission: "uptime.status.read",
					Handler: func(w http.ResponseWriter, r *http.Request) error {
						fmt.Fprintf(w, "%s is up", plugin.RouteEntity(r).Metadata.Name)
						return nil
					}}},
				Jobs: []plugin.Job{{Name: "probe", Every: time.Hour, Run: func(context.Context) error {
					ran <- "probed"
					return nil
				}}},
				Facts: func(context.Context, *callboard.Entity) ([]callboard.Fact, error) {
					return []callboard.Fact{{Key: "greeting", Value: cfg.Greeting}}, nil
				},
			}, nil
		},
	}
}

// uptimePolicy lets everyone read the catalog, and the plugin's status of
// production entities only.
const uptimePolicy = `rules:
  - permission: catalog.entity.read
    decision: allow
  - permission: uptime.status.read
    entity: { lifecycle: production }
    decision: allow
`

// newPluginConfig writes a catalog of svc-a (production) and svc-b
// (experimental), uptimePolicy and an app-config with section, and
// returns the config file.
func newPluginConfig(t *testing.T, section string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"catalog-info.yaml": componentYAML("svc-a") + "---\n" + strings.Replace(componentYAML("svc-b"), "production", "experimental", 1),
		"policy.yaml":       uptimePolicy,
		"app-config.yaml": fmt.Sprintf(`backend:
  database: {client: better-sqlite3, connection: %s}
  auth:
    externalAccess: [{type: static, options: {token: `+pluginTestToken+`, subject: plugin-test}}]
catalog:
  locations: [{type: file, target: %s}]
permission:
  policyFile: %s
%s`, filepath.Join(dir, "cb.sqlite"), filepath.Join(dir, "catalog-info.yaml"), filepath.Join(dir, "policy.yaml"), section),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "app-config.yaml")
}

// startPluginServe runs serve with extra plugins and returns its base URL.
func startPluginServe(t *testing.T, config string, extra ...plugin.Plugin) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"serve", "--config", config, "--port", "0"}, func(string) string { return "" }, &stdout, &stderr, extra)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	base := ""
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		m := re.FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, &stderr)
	waitFor(t, "catalog ready", func() bool { return strings.Contains(stdout.String(), "catalog ready") }, &stderr)
	return base
}

// pluginTestToken is the static token the tests read with: outside dev
// mode nothing is read anonymously.
const pluginTestToken = "plugin-test-token-0123456789abcdef"

func getURL(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+pluginTestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPluginRegisteredWithOneLine adds a plugin to a binary with one line
// (Main's extra, here runWith's) and meets each of its parts through the
// real serve: config, tab, card, route and permission, job, fact.
func TestPluginRegisteredWithOneLine(t *testing.T) {
	ran := make(chan string, 10)
	extra := []plugin.Plugin{uptimePlugin(ran)}
	base := startPluginServe(t, newPluginConfig(t, "uptime: {greeting: bonjour}\n"), extra...)

	if msg := <-ran; msg != "probed" {
		t.Errorf("job said %q", msg)
	}
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"card", "/catalog/default/component/svc-a", 200, `<th scope="row">bonjour</th><td>svc-a</td>`},
		{"tab link", "/catalog/default/component/svc-a", 200, `href="/catalog/default/component/svc-a/uptime"`},
		{"tab", "/catalog/default/component/svc-a/uptime", 200, `<th scope="row">bonjour</th><td>svc-a</td>`},
		{"route", "/api/uptime/status/component/default/svc-a", 200, "svc-a is up"},
		{"route refused by the policy file", "/api/uptime/status/component/default/svc-b", 403, `"name":"NotAllowedError"`},
		{"fact", "/api/facts/by-name/component/default/svc-a", 200, `"source":"uptime","key":"greeting","value":"bonjour"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := getURL(t, base+tc.path)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s = %d, want %d with %s; body:\n%.2000s", tc.path, status, tc.status, tc.want, body)
			}
		})
	}
}

func TestPluginEnabledOnlyWithItsSection(t *testing.T) {
	base := startPluginServe(t, newPluginConfig(t, ""), uptimePlugin(make(chan string, 10)))
	if status, _ := getURL(t, base+"/api/uptime/status/component/default/svc-a"); status != 404 {
		t.Errorf("route of a plugin without its section: %d, want 404", status)
	}
	if _, body := getURL(t, base+"/catalog/default/component/svc-a"); strings.Contains(body, "/uptime") {
		t.Errorf("the page shows a plugin without its section")
	}
}

func TestPluginConfigErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, section, want string
	}{
		{"the plugin's section", "uptime:\n  greting: bonjour\n", "app-config.yaml:10: uptime.greting: unknown key"},
		{"the plugins section", "uptime: {}\nplugins:\n  timout: 1s\n", "app-config.yaml:11: plugins.timout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			config := newPluginConfig(t, tc.section)
			err := runWith(t.Context(), []string{"serve", "--config", config, "--port", "0"}, func(string) string { return "" },
				io.Discard, io.Discard, []plugin.Plugin{uptimePlugin(nil)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("serve = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestPolicyCommandsKnowPluginPermissions(t *testing.T) {
	dir := filepath.Dir(newPluginConfig(t, ""))
	pol := filepath.Join(dir, "policy.yaml")
	cases := filepath.Join(dir, "cases.yaml")
	if err := os.WriteFile(cases, []byte(`catalog: catalog-info.yaml
cases:
  - name: production status is public
    permission: uptime.status.read
    entity: component:default/svc-a
    expect: allow
  - name: experimental status is not
    permission: uptime.status.read
    entity: component:default/svc-b
    expect: deny
`), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := []plugin.Plugin{uptimePlugin(nil)}
	policy := func(plugins []plugin.Plugin, args ...string) (string, error) {
		var out bytes.Buffer
		err := runWith(t.Context(), append([]string{"policy"}, args...), func(string) string { return "" }, &out, io.Discard, plugins)
		return out.String(), err
	}
	if out, err := policy(extra, "check", pol); err != nil || !strings.Contains(out, "ok, 2 rules") {
		t.Errorf("policy check with the plugin = %q, %v", out, err)
	}
	if _, err := policy(nil, "check", pol); err == nil || !strings.Contains(err.Error(), `"uptime.status.read" names no known permission`) {
		t.Errorf("policy check without the plugin = %v, want the permission unknown", err)
	}
	if out, err := policy(extra, "test", pol, cases); err != nil || !strings.Contains(out, "2 cases: 2 passed, 0 failed") {
		t.Errorf("policy test with the plugin = %q, %v", out, err)
	}
	if out, _ := policy(extra, "default"); !strings.Contains(out, ", uptime.status.read]") {
		t.Errorf("policy default does not let everyone read the plugin's read permission:\n%s", out)
	}
}

func TestBadPluginListStopsEveryCommand(t *testing.T) {
	dup := []plugin.Plugin{uptimePlugin(nil), uptimePlugin(nil)}
	err := runWith(t.Context(), []string{"version"}, func(string) string { return "" }, io.Discard, io.Discard, dup)
	if err == nil || !strings.Contains(err.Error(), `plugin "uptime": two plugins have this ID`) {
		t.Errorf("run with two uptime plugins = %v", err)
	}
}
