package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"callboard/metrics/metricstest"
	"callboard/plugin"
)

// opsCatalog is the catalog the operations tests serve: two components,
// one with TechDocs next to it, and a template whose only step logs.
const opsCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: documented
  annotations: {backstage.io/techdocs-ref: "dir:."}
spec: {type: service, lifecycle: production, owner: group:default/platform}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: plain}
spec: {type: service, lifecycle: production, owner: group:default/platform}
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: hello}
spec:
  owner: group:default/platform
  type: service
  steps:
    - id: log
      name: Log
      action: debug:log
      input: {message: hello}
`

// opsServe is one serve run by the operations tests.
type opsServe struct {
	base    string
	stdout  *syncBuffer
	stderr  *syncBuffer
	stop    func()
	done    chan error
	catFile string
	dbPath  string
}

// startOpsServe writes the catalog and a config (SQLite in a temp dir, a
// static token, extraConfig under backend:) and runs serve with LOG_FORMAT
// =json and the extra plugins until stop or the test's end.
func startOpsServe(t *testing.T, extraConfig string, extra ...plugin.Plugin) *opsServe {
	t.Helper()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cat := write("catalog-info.yaml", opsCatalog)
	write("mkdocs.yml", "site_name: Documented\n")
	write("docs/index.md", "# Documented\n\nHello.\n")
	broken := write("broken/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: [oops\n")
	cfg := write("app-config.yaml", fmt.Sprintf(`backend:
  database: {client: better-sqlite3, connection: %s}
  workingDirectory: %s
  auth:
    externalAccess: [{type: static, options: {token: %s, subject: e2e}}]
%scatalog:
  rules: [{allow: [Component, Template, Location]}]
  locations: [{type: file, target: %s}, {type: file, target: %s}]
`, filepath.Join(dir, "cb.sqlite"), filepath.Join(dir, "work"), e2eToken, extraConfig, cat, broken))
	env := map[string]string{"LOG_FORMAT": "json"}
	ctx, cancel := context.WithCancel(t.Context())
	s := &opsServe{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1), catFile: cat,
		dbPath: filepath.Join(dir, "cb.sqlite")}
	go func() {
		s.done <- runWith(ctx, []string{"serve", "--config", cfg, "--port", "0"}, func(k string) string { return env[k] },
			s.stdout, s.stderr, extra)
	}()
	stopped := false
	s.stop = func() {
		if !stopped {
			stopped = true
			cancel()
		}
	}
	t.Cleanup(func() {
		if !stopped {
			s.stop()
			<-s.done
		}
	})
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		m := re.FindStringSubmatch(s.stdout.String())
		if m != nil {
			s.base = m[1]
		}
		return m != nil
	}, s.stderr)
	return s
}

// get makes a GET with the token ("" for none) and the request ID ("" for
// none) and returns the status, body and answered request ID.
func (s *opsServe) get(t *testing.T, path, token, requestID string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("X-Request-Id")
}

// pingPlugin has a route, GET /api/ping/out, that calls target through the
// HTTP client the host gave it.
func pingPlugin(target string) plugin.Plugin {
	return plugin.Plugin{ID: "ping", Title: "Ping", Setup: func(_ context.Context, env plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{Routes: []plugin.Route{{Method: "GET", Path: "/out",
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				resp, err := env.HTTPClient.Get(target + r.URL.Query().Get("p"))
				if err != nil {
					return err
				}
				resp.Body.Close()
				fmt.Fprint(w, resp.StatusCode)
				return nil
			}}}}, nil
	}}
}

// TestServeOperations runs serve and checks the operations endpoints move
// with real work: /readyz once loaded; /metrics (with the token) counting
// requests by route pattern, entities by kind, location reads and their
// errors, a scaffolder task by template, a docs build, a plugin's outside
// calls, and the Go runtime; JSON log lines carrying request IDs.
func TestServeOperations(t *testing.T) {
	outside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer outside.Close()
	s := startOpsServe(t, "", pingPlugin(outside.URL))

	waitFor(t, "/readyz 200", func() bool { st, _, _ := s.get(t, "/readyz", "", ""); return st == http.StatusOK }, s.stderr)
	_, body, _ := s.get(t, "/readyz", "", "")
	var ready struct{ Checks map[string]string }
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"database", "migrations", "index"} {
		if ready.Checks[c] != "ok" {
			t.Errorf("/readyz check %s = %q, want ok (%s)", c, ready.Checks[c], body)
		}
	}
	if st, _, _ := s.get(t, "/metrics", "", ""); st != http.StatusUnauthorized {
		t.Errorf("anonymous /metrics: %d, want 401 (metrics on the main port need a caller)", st)
	}

	scrape := func() metricstest.Families { return metricstest.Scrape(t, s.base+"/metrics", e2eToken) }
	value := func(f metricstest.Families, name string, labels ...string) float64 {
		v, _ := f.Value(name, labels...)
		return v
	}
	waitFor(t, "the catalog's entities in the metrics", func() bool {
		return value(scrape(), "callboard_catalog_entities", "kind", "Component") == 2
	}, s.stderr)

	byName := "GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}"
	before := scrape()
	for _, name := range []string{"documented", "plain", "nope"} {
		s.get(t, "/api/catalog/entities/by-name/component/default/"+name, e2eToken, "")
	}
	s.get(t, "/api/ping/out?p=/ok", e2eToken, "")
	s.get(t, "/api/ping/out?p=/fail", e2eToken, "")
	_, _, id := s.get(t, "/catalog/default/component/plain", e2eToken, "ops-e2e-7f3a")
	if id != "ops-e2e-7f3a" {
		t.Errorf("X-Request-Id answered %q, want the caller's ops-e2e-7f3a", id)
	}
	task := (&e2eServer{base: s.base, stderr: s.stderr}).createTask(t, "template:default/hello", map[string]any{}, false)
	evs := (&e2eServer{base: s.base, stderr: s.stderr}).followEvents(t, task, 0, nil)
	if st := completionStatus(evs); st != "completed" {
		t.Fatalf("task ended %q, want completed:\n%s", st, eventLog(evs))
	}
	waitFor(t, "a docs build", func() bool {
		return value(scrape(), "callboard_techdocs_build_duration_seconds", "result", "built") >= 1
	}, s.stderr)

	after := scrape()
	moved := func(name string, want float64, labels ...string) {
		t.Helper()
		if got := value(after, name, labels...) - value(before, name, labels...); got != want {
			t.Errorf("%s%v moved by %v, want %v", name, labels, got, want)
		}
	}
	moved("callboard_http_request_duration_seconds", 2, "route", byName, "status", "200")
	moved("callboard_http_request_duration_seconds", 1, "route", byName, "status", "404")
	moved("callboard_http_request_duration_seconds", 1, "route", "GET /catalog/{namespace}/{kind}/{name}", "status", "200")
	moved("callboard_plugin_request_duration_seconds", 1, "plugin", "ping", "code", "200")
	moved("callboard_plugin_request_duration_seconds", 1, "plugin", "ping", "code", "502")
	moved("callboard_plugin_request_errors_total", 1, "plugin", "ping")
	moved("callboard_scaffolder_task_duration_seconds", 1, "template", "template:default/hello", "status", "completed")
	for _, r := range after.LabelValues("callboard_http_request_duration_seconds", "route") {
		if strings.Contains(r, "documented") || strings.Contains(r, "plain") {
			t.Errorf("route label %q is a raw path", r)
		}
	}
	if v, found := after.Value("callboard_scaffolder_tasks", "status", "open"); !found || v != 0 {
		t.Errorf("queue depth (open) = %v (found %v), want 0 once the task ran", v, found)
	}
	loc := "file:" + s.catFile
	if v := value(after, "callboard_catalog_processing_duration_seconds", "location", loc); v < 1 {
		t.Errorf("reads of %s = %v, want at least 1", loc, v)
	}
	if v := value(after, "callboard_catalog_processing_errors_total", "location", loc); v != 0 {
		t.Errorf("errors of %s = %v, want 0", loc, v)
	}
	brokenLoc := "file:" + filepath.Join(filepath.Dir(s.catFile), "broken", "catalog-info.yaml")
	if v := value(after, "callboard_catalog_processing_errors_total", "location", brokenLoc); v < 1 {
		t.Errorf("errors of the broken location = %v, want at least 1", v)
	}
	for _, name := range []string{"go_goroutines", "go_gc_duration_seconds", "process_resident_memory_bytes"} {
		if _, found := after.Value(name); !found {
			t.Errorf("%s missing from /metrics", name)
		}
	}

	// Every stderr line is JSON; the page request's line has its ID.
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(s.stderr.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("LOG_FORMAT=json wrote a line that is not JSON: %v: %s", err, line)
		}
		if m["msg"] == "request" && m["request_id"] == "ops-e2e-7f3a" {
			found = true
			if m["route"] != "GET /catalog/{namespace}/{kind}/{name}" || m["status"] != float64(200) {
				t.Errorf("request log line = %v, want the page route and 200", m)
			}
		}
	}
	if !found {
		t.Errorf("no request log line with request_id ops-e2e-7f3a in:\n%s", s.stderr.String())
	}
	if strings.Contains(s.stderr.String(), e2eToken) {
		t.Error("the token is in the log")
	}
}
