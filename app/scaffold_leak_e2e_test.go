package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"callboard/internal/githubfake"
	"callboard/store"
)

// leakEnv is serve with one template from a file, over SQLite in dir.
type leakEnv struct {
	dir string
	srv *e2eServer
}

// newLeakEnv writes template (its YAML) and the files under dir/tpl and
// starts serve with it in the catalog.
func newLeakEnv(t *testing.T, name, template string, files map[string]string) *leakEnv {
	t.Helper()
	dir := t.TempDir()
	files["template.yaml"] = template
	for p, body := range files {
		p = filepath.Join(dir, "tpl", p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := &leakEnv{dir: dir, srv: startServe(t, e2eConfig(t, dir, githubfake.NewServer(t), filepath.Join(dir, "tpl", "template.yaml")))}
	path := "/api/scaffolder/v2/templates/default/template/" + name + "/parameter-schema"
	waitFor(t, name+" in the catalog", func() bool { return e.srv.call(t, "GET", path, nil, nil) == 200 }, e.srv.stderr)
	return e
}

// run creates a task and returns, once it completed, its events and, raw,
// its events and the task as the API returns them.
func (e *leakEnv) run(t *testing.T, req map[string]any) (id string, events []e2eEvent, rawEvents, rawTask string) {
	t.Helper()
	var created struct{ ID string }
	if st := e.srv.call(t, "POST", "/api/scaffolder/v2/tasks", req, &created); st != 201 {
		t.Fatalf("create task: %d; stderr:\n%s", st, e.srv.stderr.String())
	}
	events = e.srv.followEvents(t, created.ID, 0, nil)
	var evs, task json.RawMessage
	e.srv.call(t, "GET", "/api/scaffolder/v2/tasks/"+created.ID+"/events", nil, &evs)
	e.srv.call(t, "GET", "/api/scaffolder/v2/tasks/"+created.ID, nil, &task)
	return created.ID, events, string(evs), string(task)
}

// storedTasks stops serve and returns every row of the task tables as
// text.
func (e *leakEnv) storedTasks(t *testing.T) string {
	t.Helper()
	e.srv.stop()
	db, err := store.Open(context.Background(), "sqlite", filepath.Join(e.dir, "cb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, table := range []string{"tasks", "task_events", "task_steps"} {
		rows, err := db.SQL().QueryContext(t.Context(), "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%s\t", v)
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}

// TestAttackSecretDerivedInTaskLog: a template prints what it makes of a
// secret (lower, upper, reverse, replace, join, concatenation, a {% set %}
// variable, an object, an each item, the output, an error). None of it
// reaches the task's events, its steps in the database, or the API.
func TestAttackSecretDerivedInTaskLog(t *testing.T) {
	const secret = "S3cr3T-Tok3n"
	// Fragments of the secret in either case and either direction: what
	// any of the derivations would show.
	leak := regexp.MustCompile(`(?i)s3cr3t|tok3n|n3kot|t3rc3s`)
	e := newLeakEnv(t, "derived-secrets", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: derived-secrets}
spec:
  owner: group:default/platform
  type: service
  parameters: [{properties: {fail: {type: boolean}}}]
  steps:
    - {id: lower, action: debug:log, input: {message: "lower=${{ secrets.token | lower }}"}}
    - {id: upper, action: debug:log, input: {message: "upper=${{ secrets.token | upper }}"}}
    - {id: reverse, action: debug:log, input: {message: "reverse=${{ secrets.token | reverse }}"}}
    - {id: replace, action: debug:log, input: {message: "replace=${{ secrets.token | replace('-', '_') }}"}}
    - {id: join, action: debug:log, input: {message: "join=${{ [secrets.token, 'x'] | join('+') }}"}}
    - {id: concat, action: debug:log, input: {message: "concat=${{ 'pre' ~ secrets.token ~ 'post' }} ${{ secrets.token + '!' }}"}}
    - {id: set, action: debug:log, input: {message: "{% set t = secrets.token | lower %}set=${{ t }}"}}
    - {id: object, action: debug:log, input: {extra: "${{ {'k': secrets.token | upper, 'n': secrets.token | length} }}"}}
    - id: each
      each: "${{ [secrets.token | lower, 'plain'] }}"
      action: debug:log
      input: {message: "each=${{ each.value }}"}
    - id: fail
      if: ${{ parameters.fail }}
      action: fs:rename
      input: {files: [{from: "${{ secrets.token | lower }}", to: x}]}
  output:
    text: [{title: derived, content: "out=${{ secrets.token | upper }}"}]
`, map[string]string{})
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			_, events, evs, task := e.run(t, map[string]any{"templateRef": "template:default/derived-secrets",
				"values": map[string]any{"fail": fail}, "secrets": map[string]string{"token": secret}})
			log := eventLog(events)
			for _, want := range []string{"lower=***", "upper=***", "reverse=***", "replace=***", "join=***", "concat=pre***!",
				"set=***", `Extra: {"k":"***","n":12}`, "each=***", "each=plain"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			if st := completionStatus(events); st != map[bool]string{false: "completed", true: "failed"}[fail] {
				t.Errorf("status %q:\n%s", st, log)
			}
			if m := leak.FindString(evs + task); m != "" {
				t.Errorf("the API shows %q derived from the secret:\n%s\n%s", m, evs, task)
			}
		})
	}
	if m := leak.FindString(e.storedTasks(t)); m != "" {
		t.Errorf("the database holds %q derived from the secret", m)
	}
}

// TestAttackTaskEventsNoServerPaths: failing steps whose errors come from
// the file system, a template folder that does not exist, and a kept
// workspace: the events name the task and relative paths, never a
// directory of the server.
func TestAttackTaskEventsNoServerPaths(t *testing.T) {
	e := newLeakEnv(t, "server-paths", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: server-paths}
spec:
  owner: group:default/platform
  type: service
  parameters: [{properties: {case: {type: string}}}]
  steps:
    - {id: fetch, action: fetch:plain, input: {url: ./skeleton, targetPath: out}}
    - id: clash
      if: ${{ parameters.case == 'write' }}
      action: fetch:plain:file
      input: {url: ./skeleton/a.txt, targetPath: out}
    - id: missing
      if: ${{ parameters.case == 'missing' }}
      action: fetch:plain
      input: {url: ./no-such-dir}
`, map[string]string{"skeleton/a.txt": "a\n"})
	for _, tc := range []struct {
		name, want string
	}{
		{name: "write", want: "write out: open out: is a directory"},
		{name: "missing", want: "directory no-such-dir does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, events, evs, _ := e.run(t, map[string]any{"templateRef": "template:default/server-paths",
				"values": map[string]any{"case": tc.name}, "noRollback": true})
			log := eventLog(events)
			if !strings.Contains(log, tc.want) || !strings.Contains(log, "the workspace of task "+id+" is kept") {
				t.Errorf("log lacks %q or the kept workspace of %s:\n%s", tc.want, id, log)
			}
			for _, dir := range []string{e.dir, os.TempDir()} {
				if strings.Contains(evs, dir) {
					t.Errorf("the task's events show the server path %s:\n%s", dir, evs)
				}
			}
		})
	}
}
