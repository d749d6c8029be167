package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"callboard/metrics"
	"callboard/metrics/metricstest"
)

// newTestMetrics serves m's /metrics on a test server and returns its URL.
func newTestMetrics(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSeriesMove: each Observe method moves its series, runtime and
// process collectors are there, and two Metrics do not share a registry.
func TestSeriesMove(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	url := newTestMetrics(t, m)
	m.ObserveRequest("GET", "GET /catalog/{namespace}/{kind}/{name}", 200, 3*time.Millisecond)
	m.ObserveRequest("BREW", "/", 404, time.Millisecond)
	m.ObserveProcessing("url:https://bot:s3cret@github.com/acme/repo/blob/main/catalog-info.yaml?token=t0k", time.Millisecond, true)
	m.ObserveProcessing("file:/srv/catalog/all.yaml", time.Millisecond, false)
	m.ObserveTask("template:default/service", "completed", time.Second)
	m.ObserveDocsBuild(time.Second, errors.New("mkdocs.yml missing"))
	m.CountEntities(func() map[string]int { return map[string]int{"Component": 3, "Group": 1} })
	m.QueueDepth(func(context.Context) (map[string]int, error) { return map[string]int{"open": 2, "processing": 1}, nil })
	m.RegisterLag(func() float64 { return 0.25 })

	f := metricstest.Scrape(t, url, "")
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"callboard_http_request_duration_seconds", []string{"method", "GET", "route", "GET /catalog/{namespace}/{kind}/{name}", "status", "200"}, 1},
		{"callboard_http_request_duration_seconds", []string{"method", "OTHER", "route", "/", "status", "404"}, 1},
		{"callboard_catalog_processing_duration_seconds", []string{"location", "url:https://github.com/acme/repo/blob/main/catalog-info.yaml"}, 1},
		{"callboard_catalog_processing_errors_total", []string{"location", "url:https://github.com/acme/repo/blob/main/catalog-info.yaml"}, 1},
		{"callboard_catalog_processing_errors_total", []string{"location", "file:/srv/catalog/all.yaml"}, 0},
		{"callboard_scaffolder_task_duration_seconds", []string{"template", "template:default/service", "status", "completed"}, 1},
		{"callboard_techdocs_build_duration_seconds", []string{"result", "failed"}, 1},
		{"callboard_catalog_entities", []string{"kind", "Component"}, 3},
		{"callboard_scaffolder_tasks", []string{"status", "open"}, 2},
		{"callboard_changelog_lag_seconds", nil, 0.25},
	} {
		got, found := f.Value(c.name, c.labels...)
		if !found || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, found, c.want)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes"} {
		if _, found := f.Value(name); !found && (name != "process_resident_memory_bytes" || onLinux()) {
			t.Errorf("%s missing from the scrape", name)
		}
	}
	for _, loc := range f.LabelValues("callboard_catalog_processing_errors_total", "location") {
		if strings.Contains(loc, "s3cret") || strings.Contains(loc, "t0k") {
			t.Errorf("location label %q carries credentials", loc)
		}
	}

	other := metricstest.Scrape(t, newTestMetrics(t, metrics.New()), "")
	if _, found := other.Value("callboard_http_request_duration_seconds"); found {
		t.Error("a second Metrics sees the first one's requests: the registry is shared")
	}
}

// TestQueueDepthError: a count that fails is reported in the scrape, and
// the other series are still served.
func TestQueueDepthError(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.QueueDepth(func(context.Context) (map[string]int, error) { return nil, errors.New("database is down") })
	m.ObserveDocsBuild(time.Second, nil)
	resp, err := http.Get(newTestMetrics(t, m))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	f, err := metricstest.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Value("callboard_techdocs_build_duration_seconds", "result", "built"); got != 1 {
		t.Errorf("docs builds = %v, want 1 despite the failing collector", got)
	}
	if _, found := f.Value("callboard_scaffolder_tasks"); found {
		t.Error("queue depth served although its count failed")
	}
}

// TestTransport: a plugin's calls are counted under its ID, by status,
// with failures (5xx, no answer) counted as errors.
func TestTransport(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer up.Close()
	m := metrics.New()
	c := &http.Client{Transport: m.Transport("pagerduty", nil)}
	for _, p := range []string{"/ok", "/ok", "/down"} {
		resp, err := c.Get(up.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if _, err := c.Get("http://127.0.0.1:1/refused"); err == nil {
		t.Fatal("GET on port 1 succeeded")
	}
	f := metricstest.Scrape(t, newTestMetrics(t, m), "")
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"plugin", "pagerduty", "code", "200"}, 2},
		{[]string{"plugin", "pagerduty", "code", "503"}, 1},
		{[]string{"plugin", "pagerduty", "code", "error"}, 1},
	} {
		if got, _ := f.Value("callboard_plugin_request_duration_seconds", c.labels...); got != c.want {
			t.Errorf("plugin calls %v = %v, want %v", c.labels, got, c.want)
		}
	}
	if got, _ := f.Value("callboard_plugin_request_errors_total", "plugin", "pagerduty"); got != 2 {
		t.Errorf("plugin errors = %v, want 2 (one 503, one refused)", got)
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"file:/srv/catalog/all.yaml":                                 "file:/srv/catalog/all.yaml",
		"url:https://x:tok@github.com/a/b/blob/main/c.yaml?ref=1#L2": "url:https://github.com/a/b/blob/main/c.yaml",
		"embedded:/catalog-info.yaml":                                "embedded:/catalog-info.yaml",
	} {
		if got := metrics.Location(in); got != want {
			t.Errorf("Location(%q) = %q, want %q", in, got, want)
		}
	}
}
