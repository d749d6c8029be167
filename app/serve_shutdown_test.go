package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/config"
	"callboard/metrics/metricstest"
	"callboard/plugin"
	"callboard/store"
)

// TestServeShutdownTimeout: a request that never finishes does not hold
// serve past backend.lifecycle.shutdownTimeout: its connection is cut and
// serve returns while the handler is still blocked.
func TestServeShutdownTimeout(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s := startOpsServe(t, "  lifecycle: {shutdownTimeout: 1s}\n", slowPlugin(entered, release))
	answer := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, s.base+"/api/slow/answer", nil)
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				err = fmt.Errorf("answered %d", resp.StatusCode)
			}
		}
		answer <- err
	}()
	<-entered
	s.stop()
	if err := <-s.done; err != nil {
		t.Errorf("serve = %v, want nil after cutting the request", err)
	}
	if err := <-answer; err == nil || strings.Contains(err.Error(), "answered") {
		t.Errorf("request in flight past the timeout: %v, want its connection cut", err)
	}
	if !strings.Contains(s.stderr.String(), "cut") {
		t.Errorf("no log line says requests were cut:\n%s", s.stderr.String())
	}
}

// TestServeShutdownDelay: during backend.lifecycle.serverShutdownDelay,
// readiness fails ("shutting down") while requests are still served; then
// serve stops.
func TestServeShutdownDelay(t *testing.T) {
	s := startOpsServe(t, "  lifecycle: {serverShutdownDelay: 5s}\n")
	waitFor(t, "/readyz 200", func() bool { st, _, _ := s.get(t, "/readyz", "", ""); return st == http.StatusOK }, s.stderr)
	// Ready means the stored index is loaded; the locations' first read
	// may still be on its way, so wait for the entity asked for below.
	byName := "/api/catalog/entities/by-name/component/default/plain"
	waitFor(t, "the entity ingested", func() bool { st, _, _ := s.get(t, byName, e2eToken, ""); return st == http.StatusOK }, s.stderr)
	s.stop()
	var body struct {
		Status string
		Checks map[string]string
	}
	waitFor(t, "/readyz 503", func() bool {
		st, b, _ := s.get(t, "/readyz", "", "")
		_ = json.Unmarshal([]byte(b), &body)
		return st == http.StatusServiceUnavailable
	}, s.stderr)
	if body.Status != "error" || body.Checks["server"] != "shutting down" {
		t.Errorf("/readyz while stopping = %+v, want server: shutting down", body)
	}
	if st, _, _ := s.get(t, byName, e2eToken, ""); st != http.StatusOK {
		t.Errorf("a request during the delay: %d, want 200 (still served)", st)
	}
	if st, _, _ := s.get(t, "/.backstage/health/v1/readiness", "", ""); st != http.StatusServiceUnavailable {
		t.Errorf("Backstage readiness while stopping: %d, want 503", st)
	}
	if err := <-s.done; err != nil {
		t.Errorf("serve = %v, want nil", err)
	}
}

// TestServeMetricsListen: with backend.metrics.listen the metrics are on
// their own port, without authentication, and not on the main port.
func TestServeMetricsListen(t *testing.T) {
	s := startOpsServe(t, "  metrics: {listen: '127.0.0.1:0', path: /internal/metrics}\n")
	m := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("serve did not say where the metrics are:\n%s", s.stdout.String())
	}
	f := metricstest.Scrape(t, m[1], "")
	if _, found := f.Value("go_goroutines"); !found {
		t.Error("go_goroutines missing on the metrics port")
	}
	if st, body, _ := s.get(t, "/internal/metrics", e2eToken, ""); st != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
		t.Errorf("main port /internal/metrics: %d, want 404 (the metrics are on their own port)", st)
	}
}

// TestServeMetricsDisabled: backend.metrics.enabled false serves none.
func TestServeMetricsDisabled(t *testing.T) {
	s := startOpsServe(t, "  metrics: {enabled: false}\n")
	if st, body, _ := s.get(t, "/metrics", e2eToken, ""); st != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics with metrics disabled: %d, want 404", st)
	}
}

// TestReadyzDatabaseDown: with the database closed under a built server,
// /readyz answers 503 naming the database, and the body shows no path.
func TestReadyzDatabaseDown(t *testing.T) {
	dir := t.TempDir()
	dbPath := dir + "/cb.sqlite"
	db, err := store.Open(t.Context(), "sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Demo = false
	cfg.Backend.Database.Path = dbPath
	s, err := newServer(t.Context(), cfg, db, true, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if err := s.cat.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	ready := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		s.http.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("/readyz body: %v: %s", err, rec.Body)
		}
		return rec.Code, body
	}
	if code, body := ready(); code != http.StatusOK {
		t.Fatalf("/readyz with the database up: %d %v", code, body)
	}
	db.Close()
	code, body := ready()
	checks, _ := body["checks"].(map[string]any)
	if code != http.StatusServiceUnavailable || checks["database"] != "unreachable" || checks["index"] != "ok" {
		t.Errorf("/readyz with the database closed: %d %v, want 503 with database: unreachable", code, body)
	}
	if b, _ := json.Marshal(body); strings.Contains(string(b), dir) {
		t.Errorf("/readyz shows the database path: %s", b)
	}
}

// TestOpsConfig: backend.lifecycle and backend.metrics are read with their
// defaults, and bad values are errors naming the key.
func TestOpsConfig(t *testing.T) {
	load := func(yaml string) (opsConfig, error) {
		t.Helper()
		cfg, err := config.Load([]string{"c.yaml"}, func(string) string { return "" }, func(string) ([]byte, error) { return []byte(yaml), nil })
		if err != nil {
			return opsConfig{}, err
		}
		if len(cfg.Warnings) > 0 {
			t.Errorf("warnings for %q: %v", yaml, cfg.Warnings)
		}
		return readOps(cfg)
	}
	o, err := load("backend: {baseUrl: 'http://x'}\n")
	if err != nil || o.Lifecycle.ShutdownTimeout != config.Duration(defaultShutdownTimeout) || o.Metrics.Path != "/metrics" || !o.metricsEnabled() {
		t.Errorf("defaults = %+v, %v", o, err)
	}
	o, err = load("backend:\n  lifecycle: {shutdownTimeout: {seconds: 20}, serverShutdownDelay: 5s, startupRequestPauseTimeout: 5s}\n  metrics: {enabled: false}\n")
	if err != nil || o.Lifecycle.ShutdownTimeout != config.Duration(20e9) || o.Lifecycle.ServerShutdownDelay != config.Duration(5e9) || o.metricsEnabled() {
		t.Errorf("set = %+v, %v", o, err)
	}
	for yaml, key := range map[string]string{
		"backend:\n  lifecycle: {shutdownTimeout: -1s}\n": "backend.lifecycle.shutdownTimeout",
		"backend:\n  lifecycle: {shutdownTimeot: 1s}\n":   "shutdownTimeot",
		"backend:\n  metrics: {path: /api/metrics}\n":     "backend.metrics.path",
		"backend:\n  metrics: {path: metrics}\n":          "backend.metrics.path",
		"backend:\n  metrics: {listen: '9464'}\n":         "backend.metrics.listen",
	} {
		if _, err := load(yaml); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: err = %v, want one naming %s", yaml, err, key)
		}
	}
}

// TestServeRejectsBadLogFormat: LOG_FORMAT other than json or text stops
// serve with a message naming the variable.
func TestServeRejectsBadLogFormat(t *testing.T) {
	var stdout, stderr syncBuffer
	err := run(t.Context(), []string{"serve", "--port", "0"}, func(k string) string {
		if k == "LOG_FORMAT" {
			return "xml"
		}
		return ""
	}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "LOG_FORMAT") {
		t.Fatalf("serve with LOG_FORMAT=xml: %v; want an error naming LOG_FORMAT", err)
	}
}

// TestServeReleasesLeasesOnStop: a plugin job's lease, held while serve
// runs, is free once serve has stopped, so another replica runs the job
// at its next tick rather than after the lease expires.
func TestServeReleasesLeasesOnStop(t *testing.T) {
	ran := make(chan struct{}, 1)
	job := plugin.Plugin{ID: "hourly", Title: "Hourly", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{Jobs: []plugin.Job{{Name: "sync", Every: time.Hour, Run: func(context.Context) error {
			select {
			case ran <- struct{}{}:
			default:
			}
			return nil
		}}}}, nil
	}}
	s := startOpsServe(t, "", job)
	<-ran
	lease := plugin.LeaseName("hourly", "sync")
	db, err := store.Open(t.Context(), "sqlite", s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, live, err := db.Lease(t.Context(), lease); err != nil || !live {
		t.Fatalf("lease %s while serving: live %v, %v; want held", lease, live, err)
	}
	s.stop()
	if err := <-s.done; err != nil {
		t.Errorf("serve = %v", err)
	}
	// Released: the row is gone (NotFound) or no longer live.
	if holder, live, err := db.Lease(t.Context(), lease); (err != nil && callboard.ErrorKind(err) != callboard.NotFound) || live {
		t.Errorf("lease %s after the stop: held by %q (live %v, %v); want released", lease, holder, live, err)
	}
}
