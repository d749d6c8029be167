package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/store/storetest"
	"callboard/web"
)

// serveWriteTimeout serves h with a write timeout far shorter than the
// streams below take.
func serveWriteTimeout(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// streamTypes reads an event stream to its end and returns its event types.
func streamTypes(t *testing.T, url string, h http.Header) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a hang guard, not a timing check
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("GET %s: %d %s, want an event stream", url, resp.StatusCode, ct)
	}
	var types []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			types = append(types, ev)
		}
	}
	return types
}

// TestSSEStreamsOutliveWriteTimeout: the task event stream and the docs
// sync stream push their own write deadline ahead, so they end with their
// last event however short the server's write timeout.
func TestSSEStreamsOutliveWriteTimeout(t *testing.T) {
	t.Run("task events", func(t *testing.T) {
		const slow = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: slow}
spec:
  owner: group:default/team-a
  type: service
  steps:
    - {id: wait, action: debug:wait, input: {milliseconds: 600}}
    - {id: log, action: debug:log, input: {message: done waiting}}
`
		var h http.Handler
		newScaffolderServerWith(t, slow, web.Options{Dev: true}, func(inner http.Handler) http.Handler { h = inner; return inner })
		base := serveWriteTimeout(t, h)
		resp, err := http.Post(base+"/api/scaffolder/v2/tasks", "application/json", strings.NewReader(`{"templateRef":"template:default/slow","values":{}}`))
		if err != nil {
			t.Fatal(err)
		}
		var created struct{ ID string }
		err = json.NewDecoder(resp.Body).Decode(&created)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %v", resp.StatusCode, err)
		}
		types := streamTypes(t, base+"/api/scaffolder/v2/tasks/"+created.ID+"/eventstream", http.Header{})
		if len(types) == 0 || types[len(types)-1] != "completion" {
			t.Errorf("event stream ended with %v, want the completion event", types)
		}
	})
	t.Run("docs sync", func(t *testing.T) {
		dir := t.TempDir()
		catFile := filepath.Join(dir, "catalog-info.yaml")
		if err := os.WriteFile(catFile, []byte(docsCatalog), 0o644); err != nil {
			t.Fatal(err)
		}
		cat := catalog.New(storetest.Open(t), catalog.Options{
			Locations: []catalog.StaticLocation{{Type: "file", Target: catFile}},
			Rules:     []catalog.Rule{{Allow: []string{"Component", "Location"}}},
		})
		if err := cat.ProcessAll(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		build := func(ctx context.Context, _ callboard.EntityRef) (bool, error) {
			select { // a build that takes longer than the write timeout
			case <-time.After(600 * time.Millisecond):
				return true, nil
			case <-ctx.Done():
				return false, ctx.Err()
			}
		}
		base := serveWriteTimeout(t, web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true, DocsSync: build}))
		types := streamTypes(t, base+td+"/sync/default/component/payment-service", http.Header{"Accept": {"text/event-stream"}})
		if len(types) != 1 || types[0] != "finish" {
			t.Errorf("sync stream events = %v, want finish", types)
		}
	})
}
