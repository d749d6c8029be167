package web_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"callboard/catalog"
	"callboard/scaffold"
	"callboard/store/storetest"
	"callboard/web"
)

const helloTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: hello, title: Hello}
spec:
  owner: group:default/team-a
  type: service
  parameters:
    - title: Name
      required: [name]
      properties:
        name: {type: string, pattern: '^[a-z]+$'}
  steps:
    - id: fetch
      name: Fetch
      action: fetch:template
      input: {url: ./skeleton, values: {name: '${{ parameters.name }}'}}
    - id: log
      action: debug:log
      input: {message: 'made ${{ parameters.name }}', listWorkspace: true}
  output:
    text: [{title: Done, content: 'Made ${{ parameters.name }}'}]
`

// newScaffolderServer serves a catalog holding the hello template, with a
// running scaffolder; writes need the token "t0k" (subject ci).
func newScaffolderServer(t *testing.T) *httptest.Server {
	return newScaffolderServerWith(t, helloTemplate, web.Options{Tokens: map[string]string{"t0k": "ci"}}, nil)
}

// newScaffolderServerWith serves the templates in catalog (YAML documents;
// ./skeleton holds hello.txt) with a running scaffolder, under opts, with
// wrap (if any) around the server.
func newScaffolderServerWith(t *testing.T, templates string, opts web.Options, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "skeleton"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(templates), 0o644)
	os.WriteFile(filepath.Join(dir, "skeleton", "hello.txt"), []byte("hi ${{ values.name }}\n"), 0o644)
	db := storetest.Open(t)
	cat := catalog.New(db, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "template.yaml")}},
		Rules:     []catalog.Rule{{Allow: []string{"Template", "Location"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	actions := scaffold.NewActions()
	scaffold.AddBuiltins(actions, &scaffold.Builtins{Catalog: cat})
	runner := scaffold.NewRunner(db, actions, scaffold.RunnerOptions{WorkDir: t.TempDir(), PollInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); runner.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	opts.Scaffolder = scaffold.NewService(db, actions, runner, cat, nil)
	var h http.Handler = web.NewServer(slog.New(slog.DiscardHandler), cat, opts)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestScaffolderAPI(t *testing.T) {
	srv := newScaffolderServer(t)
	const sc = "/api/scaffolder/v2"
	// Outside dev mode every call, reads too, carries the token.

	var schema struct {
		Title string
		Steps []struct {
			Title  string
			Schema map[string]any
		}
	}
	mustGetWith(t, srv, sc+"/templates/default/template/hello/parameter-schema", "t0k", http.StatusOK, &schema)
	if schema.Title != "Hello" || len(schema.Steps) != 1 || schema.Steps[0].Title != "Name" || schema.Steps[0].Schema["required"] == nil {
		t.Errorf("parameter-schema = %+v", schema)
	}
	mustGetWith(t, srv, sc+"/templates/default/template/nope/parameter-schema", "t0k", http.StatusNotFound, nil)

	var actions []struct {
		ID     string
		Schema struct{ Input map[string]any }
	}
	mustGetWith(t, srv, sc+"/actions", "t0k", http.StatusOK, &actions)
	found := false
	for _, a := range actions {
		if a.ID == "fetch:template" {
			found = a.Schema.Input["properties"].(map[string]any)["url"] != nil
		}
	}
	if !found {
		t.Errorf("actions lack fetch:template with an input schema: %+v", actions)
	}

	// Writes need the token; bad values are a 400 naming the field.
	if resp, _ := do(t, srv, "POST", sc+"/tasks", "", map[string]any{"templateRef": "template:default/hello"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without token: %d, want 401", resp.StatusCode)
	}
	resp, body := do(t, srv, "POST", sc+"/tasks", "t0k", map[string]any{"templateRef": "template:default/hello", "values": map[string]any{"name": "Bob 1"}})
	var bad struct {
		Error  struct{ Name, Message string }
		Errors []struct {
			Path    []string
			Message string
		}
	}
	json.Unmarshal(body, &bad)
	if resp.StatusCode != http.StatusBadRequest || bad.Error.Name != "InputError" || len(bad.Errors) != 1 || bad.Errors[0].Path[0] != "name" {
		t.Errorf("POST bad values: %d %s", resp.StatusCode, body)
	}

	resp, body = do(t, srv, "POST", sc+"/tasks", "t0k", map[string]any{"templateRef": "template:default/hello", "values": map[string]any{"name": "bob"}})
	var created struct{ ID string }
	json.Unmarshal(body, &created)
	if resp.StatusCode != http.StatusCreated || created.ID == "" {
		t.Fatalf("POST tasks: %d %s", resp.StatusCode, body)
	}

	// The event stream runs until the completion event.
	events := readStream(t, srv.URL+sc+"/tasks/"+created.ID+"/eventstream", "t0k")
	last := events[len(events)-1]
	if last.Type != "completion" || !strings.Contains(string(last.Body), `"Made bob"`) {
		t.Fatalf("last event = %+v", last)
	}
	var log strings.Builder
	for _, ev := range events {
		log.Write(ev.Body)
	}
	if !strings.Contains(log.String(), "made bob") || !strings.Contains(log.String(), "hello.txt") {
		t.Errorf("events lack the step's log: %s", log.String())
	}

	var task struct {
		ID, Status, CreatedBy string
		Spec                  struct{ Parameters map[string]any }
	}
	mustGetWith(t, srv, sc+"/tasks/"+created.ID, "t0k", http.StatusOK, &task)
	if task.Status != "completed" || task.CreatedBy != "external:ci" || task.Spec.Parameters["name"] != "bob" {
		t.Errorf("task = %+v", task)
	}
	var list struct {
		Tasks      []struct{ ID string }
		TotalTasks int
	}
	mustGetWith(t, srv, sc+"/tasks?createdBy=external:ci&status=completed", "t0k", http.StatusOK, &list)
	if list.TotalTasks != 1 || list.Tasks[0].ID != created.ID {
		t.Errorf("task list = %+v", list)
	}
	mustGetWith(t, srv, sc+"/tasks?status=failed", "t0k", http.StatusOK, &list)
	if list.TotalTasks != 0 {
		t.Errorf("failed tasks = %+v", list)
	}
	var after []struct{ ID int64 }
	mustGetWith(t, srv, sc+"/tasks/"+created.ID+"/events?after="+itoa(events[len(events)-2].ID), "t0k", http.StatusOK, &after)
	if len(after) != 1 || after[0].ID != last.ID {
		t.Errorf("events after the second-last = %+v", after)
	}
	mustGetWith(t, srv, sc+"/tasks/nope", "t0k", http.StatusNotFound, nil)

	if resp, body := do(t, srv, "POST", sc+"/tasks/"+created.ID+"/retry", "t0k", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("retry of a completed task: %d %s, want 409", resp.StatusCode, body)
	}
	if resp, body := do(t, srv, "POST", sc+"/tasks/"+created.ID+"/cancel", "t0k", nil); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"completed"`) {
		t.Errorf("cancel of a completed task: %d %s", resp.StatusCode, body)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

type streamEvent struct {
	ID   int64           `json:"id"`
	Type string          `json:"type"`
	Body json.RawMessage `json:"body"`
}

// readStream reads server-sent events until the server ends the stream.
func readStream(t *testing.T, url, token string) []streamEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // a hang guard, not a timing check
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var out []streamEvent
	sc := bufio.NewScanner(resp.Body)
	var typ string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var ev streamEvent
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
				t.Fatalf("data %q: %v", line, err)
			}
			if ev.Type != typ {
				t.Errorf("event: %s but data type %s", typ, ev.Type)
			}
			out = append(out, ev)
		}
	}
	if len(out) == 0 {
		t.Fatal("no events")
	}
	return out
}

// TestScaffolderDryRun posts a template with its skeleton as
// directoryContents and gets the rendered files back.
func TestScaffolderDryRun(t *testing.T) {
	srv := newScaffolderServer(t)
	var tpl map[string]any
	if err := yamlToJSON(helloTemplate, &tpl); err != nil {
		t.Fatal(err)
	}
	req := map[string]any{"template": tpl, "values": map[string]any{"name": "ann"},
		"directoryContents": []map[string]any{{"path": "skeleton/hello.txt", "base64Content": base64.StdEncoding.EncodeToString([]byte("hi ${{ values.name }}\n"))}}}
	resp, body := do(t, srv, "POST", "/api/scaffolder/v2/dry-run", "t0k", req)
	var res struct {
		Log               []struct{ Body struct{ Message string } }
		DirectoryContents []struct{ Path, Base64Content string }
		Steps             []struct{ ID, Action string }
		Output            map[string]any
	}
	json.Unmarshal(body, &res)
	if resp.StatusCode != http.StatusOK || len(res.DirectoryContents) != 1 || res.DirectoryContents[0].Path != "hello.txt" {
		t.Fatalf("dry-run: %d %s", resp.StatusCode, body)
	}
	if b, _ := base64.StdEncoding.DecodeString(res.DirectoryContents[0].Base64Content); string(b) != "hi ann\n" {
		t.Errorf("hello.txt = %q", b)
	}
	if len(res.Steps) != 2 || res.Steps[0].Action != "fetch:template" || res.Output["text"] == nil {
		t.Errorf("steps = %+v, output = %v", res.Steps, res.Output)
	}
	req["values"] = map[string]any{"name": "ANN"}
	if resp, body := do(t, srv, "POST", "/api/scaffolder/v2/dry-run", "t0k", req); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"name"`) {
		t.Errorf("dry-run with bad values: %d %s", resp.StatusCode, body)
	}
	req["directoryContents"] = []map[string]any{{"path": "../escape.txt", "base64Content": ""}}
	req["values"] = map[string]any{"name": "ann"}
	if resp, body := do(t, srv, "POST", "/api/scaffolder/v2/dry-run", "t0k", req); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("dry-run with ../ in directoryContents: %d %s", resp.StatusCode, body)
	}
}

func yamlToJSON(s string, into any) error {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}
