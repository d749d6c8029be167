package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"callboard/internal/githubfake"
)

// e2eToken is the static token the scaffolder E2E tests call the API with.
const e2eToken = "e2e-token-0123456789"

// e2eOrg is the GitHub organization the compat templates hard-code.
const e2eOrg = "my-github-org"

// e2eConfig writes an app-config.yaml in dir for serve: SQLite and the
// task workspaces in dir, the integration for host github.com on the
// fake's API, a static token, and a catalog location per template.
func e2eConfig(t *testing.T, dir string, gh *githubfake.Server, templates ...string) string {
	t.Helper()
	var locs strings.Builder
	for _, tpl := range templates {
		fmt.Fprintf(&locs, "    - {type: file, target: %s}\n", tpl)
	}
	cfg := fmt.Sprintf(`
backend:
  database: {client: better-sqlite3, connection: %s}
  workingDirectory: %s
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: e2e}}
catalog:
  rules: [{allow: [Component, Location, Template, Group, User, System, API, Resource]}]
  locations:
%sintegrations:
  github:
    - host: github.com
      apiBaseUrl: %s
      token: ${GH_TOKEN}
`, filepath.Join(dir, "cb.sqlite"), filepath.Join(dir, "work"), e2eToken, locs.String(), gh.APIURL())
	path := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// e2eServer is one running `callboard serve`.
type e2eServer struct {
	base   string
	stderr *syncBuffer
	stop   func()
}

// startServe runs serve with the config until stop or the test's end.
func startServe(t *testing.T, cfgPath string) *e2eServer {
	t.Helper()
	env := map[string]string{"GH_TOKEN": githubfake.Token}
	ctx, cancel := context.WithCancel(t.Context())
	var stdout syncBuffer
	s := &e2eServer{stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", cfgPath, "--port", "0"}, func(k string) string { return env[k] }, &stdout, s.stderr)
	}()
	stopped := false
	s.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Logf("serve: %v", err)
			}
		}
	}
	t.Cleanup(s.stop)
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		m := re.FindStringSubmatch(stdout.String())
		if m != nil {
			s.base = m[1]
		}
		return m != nil
	}, s.stderr)
	return s
}

// call makes an authenticated API request and decodes a JSON answer into
// out (when not nil); it returns the status.
func (s *e2eServer) call(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, s.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 300 && out != nil {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// e2eEvent is a task event as the API serializes it.
type e2eEvent struct {
	ID   int64          `json:"id"`
	Type string         `json:"type"`
	Body map[string]any `json:"body"`
}

// createTask posts a task and returns its id.
func (s *e2eServer) createTask(t *testing.T, templateRef string, values map[string]any, noRollback bool) string {
	t.Helper()
	var created struct{ ID string }
	req := map[string]any{"templateRef": templateRef, "values": values}
	if noRollback {
		req["noRollback"] = true
	}
	if st := s.call(t, "POST", "/api/scaffolder/v2/tasks", req, &created); st != http.StatusCreated {
		t.Fatalf("create task of %s: status %d; stderr:\n%s", templateRef, st, s.stderr.String())
	}
	return created.ID
}

// followEvents reads /events after after until the completion event and
// returns the events read. When stop returns true for an event it returns
// early (the completion event is then absent).
func (s *e2eServer) followEvents(t *testing.T, id string, after int64, stop func(e2eEvent) bool) []e2eEvent {
	t.Helper()
	var all []e2eEvent
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var evs []e2eEvent
		if st := s.call(t, "GET", fmt.Sprintf("/api/scaffolder/v2/tasks/%s/events?after=%d", id, after), nil, &evs); st != 200 {
			t.Fatalf("events of %s: status %d", id, st)
		}
		for _, ev := range evs {
			all = append(all, ev)
			after = ev.ID
			if ev.Type == "completion" || (stop != nil && stop(ev)) {
				return all
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("task %s did not complete; events %v; stderr:\n%s", id, all, s.stderr.String())
	return nil
}

// eventLog is the events' messages, one a line, for assertions and
// failure messages.
func eventLog(evs []e2eEvent) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "%s: %v\n", ev.Type, ev.Body["message"])
	}
	return b.String()
}

// completionStatus is the status of the last event when it is the
// completion event.
func completionStatus(evs []e2eEvent) string {
	if len(evs) == 0 || evs[len(evs)-1].Type != "completion" {
		return ""
	}
	st, _ := evs[len(evs)-1].Body["status"].(string)
	return st
}
