package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"callboard"
	"callboard/plugin"
	"callboard/store"
)

// slowTemplate waits five minutes in its only step.
const slowTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: slow}
spec:
  owner: group:default/platform
  type: service
  steps:
    - id: wait
      name: Wait
      action: debug:wait
      input: {minutes: 5}
`

// slowPlugin has a route, GET /api/slow/answer, that answers once release
// is closed; entered is closed when a request arrives.
func slowPlugin(entered, release chan struct{}) plugin.Plugin {
	return plugin.Plugin{ID: "slow", Title: "Slow", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{Routes: []plugin.Route{{Method: "GET", Path: "/answer",
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				close(entered)
				<-release
				fmt.Fprint(w, "answered after the stop")
				return nil
			}}}}, nil
	}}
}

// TestServeDrainsOnSIGTERM stops serve (its context ends, as SIGTERM ends
// Main's) while a request is in flight and a task waits in debug:wait:
// new connections are refused at once, the request in flight completes,
// the task goes back to the queue (open, to resume after its last
// completed step), and serve returns nil.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "template.yaml")
	cfg := filepath.Join(dir, "app-config.yaml")
	db := filepath.Join(dir, "cb.sqlite")
	for name, data := range map[string]string{tpl: slowTemplate, cfg: fmt.Sprintf(`backend:
  database: {client: better-sqlite3, connection: %s}
  workingDirectory: %s
  auth:
    externalAccess: [{type: static, options: {token: %s, subject: e2e}}]
catalog:
  rules: [{allow: [Template]}]
  locations: [{type: file, target: %s}]
`, db, dir, e2eToken, tpl)} {
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entered, release := make(chan struct{}), make(chan struct{})
	ctx, stop := context.WithCancel(t.Context())
	var stdout syncBuffer
	s := &e2eServer{stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"serve", "--config", cfg, "--port", "0"}, func(string) string { return "" },
			&stdout, s.stderr, []plugin.Plugin{slowPlugin(entered, release)})
	}()
	released := false
	t.Cleanup(func() {
		stop()
		if !released {
			close(release)
			<-done
		}
	})
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		m := re.FindStringSubmatch(stdout.String())
		if m != nil {
			s.base = m[1]
		}
		return m != nil
	}, s.stderr)
	schema := "/api/scaffolder/v2/templates/default/template/slow/parameter-schema"
	waitFor(t, "template in the catalog", func() bool { return s.call(t, "GET", schema, nil, nil) == 200 }, s.stderr)
	id := s.createTask(t, "template:default/slow", map[string]any{}, false)
	s.followEvents(t, id, 0, func(ev e2eEvent) bool { return ev.Body["message"] == "Beginning step Wait" })

	answer := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, s.base+"/api/slow/answer", nil)
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answer <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answer <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	<-entered
	stop()
	waitFor(t, "new connections refused", func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
		if err == nil {
			c.Close()
		}
		return err != nil
	}, s.stderr)
	close(release)
	released = true
	if got, want := <-answer, "200 answered after the stop"; got != want {
		t.Errorf("request in flight at the stop = %q, want %q", got, want)
	}
	if err := <-done; err != nil {
		t.Errorf("serve = %v, want nil", err)
	}

	st, err := store.Open(t.Context(), "sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	task, err := st.Task(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if task.Status != callboard.TaskOpen {
		t.Errorf("task after the stop is %s, want %s (handed back to the queue)", task.Status, callboard.TaskOpen)
	}
	evs, err := st.TaskEvents(t.Context(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bodies strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&bodies, "%s: %s\n", ev.Type, ev.Body)
	}
	if !strings.Contains(bodies.String(), "The worker stopped") {
		t.Errorf("no event says the worker stopped:\n%s", bodies.String())
	}
}
