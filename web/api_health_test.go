package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/metrics"
	"callboard/metrics/metricstest"
	"callboard/store/storetest"
	"callboard/web"
)

type readyBody struct {
	Status  string            `json:"status"`
	Message string            `json:"message"`
	Checks  map[string]string `json:"checks"`
}

// TestReadyzBeforeIndexLoads: until the stored catalog is in the index,
// /readyz and Backstage's readiness answer 503 naming the index, while
// /healthz and liveness answer 200; once loaded, all four answer 200, to
// anonymous callers outside dev mode.
func TestReadyzBeforeIndexLoads(t *testing.T) {
	t.Parallel()
	cat := catalog.New(storetest.Open(t), catalog.Options{})
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Tokens: map[string]string{"tok": "ci"}}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/readyz", "/.backstage/health/v1/readiness"} {
		var body readyBody
		mustGet(t, srv, path, http.StatusServiceUnavailable, &body)
		if body.Status != "error" || body.Checks["index"] != "loading the stored catalog" || !strings.Contains(body.Message, "index") {
			t.Errorf("GET %s before the load = %+v, want status error naming the index", path, body)
		}
	}
	for _, path := range []string{"/healthz", "/.backstage/health/v1/liveness"} {
		mustGet(t, srv, path, http.StatusOK, nil)
	}
	if err := cat.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/readyz", "/.backstage/health/v1/readiness"} {
		var body readyBody
		mustGet(t, srv, path, http.StatusOK, &body)
		if body.Status != "ok" || body.Checks["index"] != "ok" {
			t.Errorf("GET %s after the load = %+v, want ok", path, body)
		}
	}
}

// TestReadyzChecks: a failing check (the database) and a stopping server
// each make /readyz 503, naming them; the body shows the check's message,
// never its cause.
func TestReadyzChecks(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		dbErr    error
		stopping bool
	)
	srv := newTestServer(t, web.Options{
		ReadyChecks: []web.ReadyCheck{{Name: "database", Check: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return dbErr
		}}},
		Stopping: func() bool { mu.Lock(); defer mu.Unlock(); return stopping },
	}, 1)
	var body readyBody
	mustGet(t, srv, "/readyz", http.StatusOK, &body)
	if body.Checks["database"] != "ok" {
		t.Errorf("database check = %q, want ok", body.Checks["database"])
	}

	mu.Lock()
	dbErr = callboard.Wrap(callboard.Upstream, errors.New("dial tcp db:5432 user=admin password=hunter2: refused"), "unreachable")
	mu.Unlock()
	_, raw := do(t, srv, "GET", "/readyz", "", nil)
	if strings.Contains(string(raw), "hunter2") || strings.Contains(string(raw), "admin") {
		t.Errorf("/readyz shows the check's cause: %s", raw)
	}
	body = readyBody{}
	mustGet(t, srv, "/readyz", http.StatusServiceUnavailable, &body)
	if body.Checks["database"] != "unreachable" || body.Message != "not ready: database: unreachable" {
		t.Errorf("with the database down /readyz = %+v, want database: unreachable", body)
	}

	mu.Lock()
	dbErr, stopping = nil, true
	mu.Unlock()
	body = readyBody{}
	mustGet(t, srv, "/readyz", http.StatusServiceUnavailable, &body)
	if body.Checks["server"] != "shutting down" {
		t.Errorf("stopping: /readyz = %+v, want server: shutting down", body)
	}
}

// logBuffer collects JSON log lines from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the log lines parsed as JSON; it fails the test on a line
// that is not JSON.
func (l *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	text := l.b.String()
	l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		out = append(out, m)
	}
	return out
}

// requestLine waits for the "request" log line with the request ID id.
func (l *logBuffer) requestLine(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, m := range l.lines(t) {
			if m["msg"] == "request" && m["request_id"] == id {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request log line with request_id %q in:\n%s", id, l.b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRequestIDAndLogLine: a caller's X-Request-Id is kept and echoed, a
// missing or malformed one is replaced by a new one; every request logs
// one JSON line with the ID, the route pattern and the status, and never
// the query string or the token.
func TestRequestIDAndLogLine(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	cat := catalog.New(storetest.Open(t), catalog.Options{})
	if err := cat.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	srv := httptest.NewServer(web.NewServer(log, cat, web.Options{Tokens: map[string]string{"tok-s3cret": "ci"}}))
	t.Cleanup(srv.Close)
	get := func(path, id string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer tok-s3cret")
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	resp := get("/api/catalog/entities/by-name/component/default/nope?token=q-s3cret", "trace-4bf92f3577b34da6")
	if got := resp.Header.Get("X-Request-Id"); got != "trace-4bf92f3577b34da6" {
		t.Errorf("X-Request-Id echoed = %q, want the caller's", got)
	}
	line := logs.requestLine(t, "trace-4bf92f3577b34da6")
	want := map[string]any{"level": "INFO", "method": "GET", "route": "GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}",
		"path": "/api/catalog/entities/by-name/component/default/nope", "status": float64(404)}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log line %s = %v, want %v", k, line[k], v)
		}
	}

	for _, bad := range []string{"", "two words<script>", strings.Repeat("x", 200)} {
		resp := get("/api/catalog/entities", bad)
		id := resp.Header.Get("X-Request-Id")
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
			t.Errorf("X-Request-Id for caller ID %q = %q, want a new 16-hex ID", bad, id)
			continue
		}
		if line := logs.requestLine(t, id); line["route"] != "GET /api/catalog/entities" {
			t.Errorf("log line route = %v, want GET /api/catalog/entities", line["route"])
		}
	}
	logs.mu.Lock()
	text := logs.b.String()
	logs.mu.Unlock()
	if strings.Contains(text, "s3cret") {
		t.Errorf("a secret (token or query) is in the log:\n%s", text)
	}
}

// TestRequestMetrics: requests are counted by route pattern, never by raw
// path, refused ones too; /metrics needs a caller outside dev mode.
func TestRequestMetrics(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	srv := newTestServer(t, web.Options{Tokens: map[string]string{"tok": "ci"}, ObserveRequest: m.ObserveRequest, Metrics: m.Handler()}, 2)
	for _, name := range []string{"svc-00", "svc-01", "nope"} {
		do(t, srv, "GET", "/api/catalog/entities/by-name/component/default/"+name, "tok", nil)
	}
	do(t, srv, "GET", "/api/catalog/entities", "", nil) // refused: no token
	mustGet(t, srv, "/metrics", http.StatusUnauthorized, nil)

	f := metricstest.Scrape(t, srv.URL+"/metrics", "tok")
	route := "GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}"
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"route", route, "status", "200"}, 2},
		{[]string{"route", route, "status", "404"}, 1},
		{[]string{"route", "GET /api/catalog/entities", "status", "401"}, 1},
		{[]string{"route", "GET /metrics", "status", "401"}, 1},
	} {
		if got, _ := f.Value("callboard_http_request_duration_seconds", c.labels...); got != c.want {
			t.Errorf("requests %v = %v, want %v", c.labels, got, c.want)
		}
	}
	for _, r := range f.LabelValues("callboard_http_request_duration_seconds", "route") {
		if strings.Contains(r, "svc-0") || strings.Contains(r, "nope") {
			t.Errorf("route label %q is a raw path", r)
		}
	}
}
