package scaffold_test

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/scaffold"
	"callboard/store"
	"callboard/store/storetest"
	"callboard/urlread"
)

// env is a scaffolder over a real database, a real catalog and a real
// git server.
type env struct {
	db      *store.DB
	cat     *catalog.Service
	git     *gitServer
	actions *scaffold.Actions
	runner  *scaffold.Runner
	svc     *scaffold.Service
	workDir string
}

// newEnv registers testdata/git-service in a catalog that may read from
// the git server, and starts a runner until the test ends.
func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{db: db, git: newGitServer(t), workDir: t.TempDir()}
	host := strings.TrimPrefix(e.git.srv.URL, "http://")
	e.cat = catalog.New(db, catalog.Options{
		Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(host)}},
		Rules:  []catalog.Rule{{Allow: []string{"Component", "Location", "Template"}}},
	})
	tpl, _ := filepath.Abs("testdata/git-service/template.yaml")
	if _, _, _, err := e.cat.AddLocation(t.Context(), "file", tpl, false); err != nil {
		t.Fatalf("register template: %v", err)
	}
	e.actions = scaffold.NewActions()
	scaffold.AddBuiltins(e.actions, &scaffold.Builtins{Catalog: e.cat, GitAllowHosts: []string{host}})
	e.runner = scaffold.NewRunner(db, e.actions, testRunnerOptions(e.workDir))
	e.svc = scaffold.NewService(db, e.actions, e.runner, e.cat, nil)
	startRunner(t, e.runner)
	return e
}

func testRunnerOptions(workDir string) scaffold.RunnerOptions {
	return scaffold.RunnerOptions{Workers: 2, WorkDir: workDir, PollInterval: 20 * time.Millisecond,
		HeartbeatInterval: 50 * time.Millisecond}
}

// startRunner runs r until the test ends, and returns a func that stops
// it and waits for it.
func startRunner(t *testing.T, r *scaffold.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			t.Errorf("Runner.Run: %v", err)
		}
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// values returns the git-service values for a service called name.
func (e *env) values(t *testing.T, name string) map[string]any {
	remote := e.git.newRepo(t, name+".git")
	return map[string]any{"name": name, "owner": "group:default/platform", "remote": remote,
		"rawBase": e.git.srv.URL + "/raw/" + name + ".git/main"}
}

// waitTask polls until the task is done; the deadline only stops a hung
// test.
func waitTask(t *testing.T, svc *scaffold.Service, id string) callboard.Task {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		task, err := svc.Task(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status.Done() {
			return task
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("task %s did not finish", id)
	return callboard.Task{}
}

// eventsOf returns a task's events as type and body.
func eventsOf(t *testing.T, svc *scaffold.Service, id string) []map[string]any {
	t.Helper()
	evs, err := svc.Events(t.Context(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, ev := range evs {
		var body map[string]any
		if err := json.Unmarshal(ev.Body, &body); err != nil {
			t.Fatalf("event %d body %s: %v", ev.ID, ev.Body, err)
		}
		body["type"] = ev.Type
		out = append(out, body)
	}
	return out
}

// outputLinks returns the two output links of a completion event.
func outputLinks(t *testing.T, ev map[string]any) []map[string]any {
	t.Helper()
	out, _ := ev["output"].(map[string]any)
	list, _ := out["links"].([]any)
	var links []map[string]any
	for _, l := range list {
		m, _ := l.(map[string]any)
		links = append(links, m)
	}
	if len(links) != 2 {
		t.Fatalf("output links of %v: want 2", ev)
	}
	return links
}

func logText(evs []map[string]any) string {
	var b strings.Builder
	for _, ev := range evs {
		b.WriteString(ev["type"].(string) + ": ")
		if m, ok := ev["message"].(string); ok {
			b.WriteString(m)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestEndToEnd runs testdata/git-service: fetch:template, publish:git to a
// bare repository over smart HTTP, catalog:register of what was pushed.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t, storetest.Open(t))
	vals := e.values(t, "payments-api")
	start := time.Now()
	id, err := e.svc.Create(t.Context(), scaffold.CreateRequest{TemplateRef: "template:default/git-service", Values: vals},
		callboard.Principal{Subject: "user:default/jane"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	task := waitTask(t, e.svc, id)
	evs := eventsOf(t, e.svc, id)
	if task.Status != callboard.TaskCompleted {
		t.Fatalf("status = %s, want completed; log:\n%s", task.Status, logText(evs))
	}
	t.Logf("submit to registered entity: %s", time.Since(start))
	if task.CreatedBy != "user:default/jane" {
		t.Errorf("CreatedBy = %q", task.CreatedBy)
	}

	// The pushed repository holds the rendered skeleton.
	if got := e.git.branches(t, "payments-api.git"); len(got) != 1 || got[0] != "main" {
		t.Errorf("branches = %v, want [main]", got)
	}
	readme, _ := e.git.show(t, "payments-api.git", "main", "README.md")
	if want := "# payments-api\n\nListens on port 8080.\nOwned by group:default/platform.\n"; readme != want {
		t.Errorf("README.md = %q, want %q", readme, want)
	}
	if _, ok := e.git.show(t, "payments-api.git", "main", "src/payments-api.txt"); !ok {
		t.Errorf("src/payments-api.txt was not pushed (the file name is templated)")
	}
	msg := mustGit(t, filepath.Join(e.git.root, "payments-api.git"), "log", "-1", "--format=%an <%ae> %s", "main")
	if strings.TrimSpace(msg) != "Callboard Test <test@example.com> feat: scaffold payments-api" {
		t.Errorf("commit = %q", msg)
	}

	// The catalog has the entity, read from the pushed repository.
	ent, err := e.cat.Entity(t.Context(), callboard.MustParseRef("component:default/payments-api"))
	if err != nil {
		t.Fatalf("registered entity: %v", err)
	}
	if ent.SpecString("owner") != "group:default/platform" {
		t.Errorf("owner = %q", ent.SpecString("owner"))
	}
	// The location catalog:register made records the task's creator, who
	// may then re-point it (catalog.location.update).
	loc, err := e.cat.LocationByEntity(t.Context(), callboard.MustParseRef("component:default/payments-api"))
	if err != nil {
		t.Fatalf("location of the registered entity: %v", err)
	}
	if loc.CreatedBy != "user:default/jane" {
		t.Errorf("location CreatedBy = %q, want the task's creator user:default/jane", loc.CreatedBy)
	}

	// The completion event carries the rendered output links.
	last := evs[len(evs)-1]
	if last["type"] != "completion" {
		t.Fatalf("last event = %v, want completion", last)
	}
	links := outputLinks(t, last)
	if got := links[0]["url"]; got != vals["remote"] {
		t.Errorf("repository link = %v, want %v", got, vals["remote"])
	}
	if got := links[1]["entityRef"]; got != "component:default/payments-api" {
		t.Errorf("entityRef link = %v", got)
	}
	// The skipped step says so.
	steps, _ := e.svc.Steps(t.Context(), id)
	if s := steps[len(steps)-1]; s.StepID != "explode" || s.Status != "skipped" {
		t.Errorf("last step = %+v, want explode skipped", s)
	}
}

// TestRollback makes the last step fail: the pushed branch is deleted and
// the registered location removed, in reverse order, each reported; with
// noRollback both stay.
func TestRollback(t *testing.T) {
	e := newEnv(t, storetest.Open(t))
	vals := e.values(t, "doomed")
	vals["fail"] = true
	id, err := e.svc.Create(t.Context(), scaffold.CreateRequest{TemplateRef: "template:default/git-service", Values: vals}, callboard.Principal{Subject: "user:default/jane"})
	if err != nil {
		t.Fatal(err)
	}
	task := waitTask(t, e.svc, id)
	evs := eventsOf(t, e.svc, id)
	log := logText(evs)
	if task.Status != callboard.TaskFailed {
		t.Fatalf("status = %s, want failed; log:\n%s", task.Status, log)
	}
	if got := e.git.branches(t, "doomed.git"); len(got) != 0 {
		t.Errorf("branches after rollback = %v, want none", got)
	}
	if _, err := e.cat.Entity(t.Context(), callboard.MustParseRef("component:default/doomed")); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("entity after rollback: err = %v, want NotFound", err)
	}
	unreg, undidPush := strings.Index(log, "Unregistered location"), strings.Index(log, "Deleted branch main")
	if unreg < 0 || undidPush < 0 || unreg > undidPush {
		t.Errorf("rollback must undo register, then publish; log:\n%s", log)
	}
	if !strings.Contains(log, "input.files[0].from: does-not-exist does not exist") {
		t.Errorf("log does not name the failure:\n%s", log)
	}
	steps, _ := e.svc.Steps(t.Context(), id)
	want := map[string]string{"fetch": "rolledback", "publish": "rolledback", "register": "rolledback", "explode": "failed"}
	for _, s := range steps {
		if want[s.StepID] != s.Status {
			t.Errorf("step %s = %s, want %s", s.StepID, s.Status, want[s.StepID])
		}
	}

	// Retry runs every rolled-back step again; it fails the same way.
	if err := e.svc.Retry(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if task := waitTask(t, e.svc, id); task.Status != callboard.TaskFailed {
		t.Errorf("retried status = %s, want failed", task.Status)
	}
	if got := e.git.branches(t, "doomed.git"); len(got) != 0 {
		t.Errorf("branches after the retry's rollback = %v, want none", got)
	}

	// With noRollback, the results stay for debugging.
	vals = e.values(t, "kept")
	vals["fail"] = true
	id, err = e.svc.Create(t.Context(), scaffold.CreateRequest{TemplateRef: "template:default/git-service", Values: vals, NoRollback: true}, callboard.Principal{})
	if err != nil {
		t.Fatal(err)
	}
	if task := waitTask(t, e.svc, id); task.Status != callboard.TaskFailed {
		t.Fatalf("status = %s, want failed", task.Status)
	}
	if got := e.git.branches(t, "kept.git"); len(got) != 1 {
		t.Errorf("branches with noRollback = %v, want [main]", got)
	}
	if _, err := e.cat.Entity(t.Context(), callboard.MustParseRef("component:default/kept")); err != nil {
		t.Errorf("entity with noRollback: %v", err)
	}

	// Registering a location that exists keeps it and names its entity.
	again := e.values(t, "kept-again")
	again["rawBase"] = vals["rawBase"]
	id, err = e.svc.Create(t.Context(), scaffold.CreateRequest{TemplateRef: "template:default/git-service", Values: again}, callboard.Principal{})
	if err != nil {
		t.Fatal(err)
	}
	task = waitTask(t, e.svc, id)
	evs = eventsOf(t, e.svc, id)
	if task.Status != callboard.TaskCompleted || !strings.Contains(logText(evs), "is already registered; keeping it") {
		t.Fatalf("status = %s; log:\n%s", task.Status, logText(evs))
	}
	links := outputLinks(t, evs[len(evs)-1])
	if got := links[1]["entityRef"]; got != "component:default/kept" {
		t.Errorf("entityRef = %v, want component:default/kept", got)
	}
}

// TestCreateInvalidValues names each bad field and stores no task.
func TestCreateInvalidValues(t *testing.T) {
	e := newEnv(t, storetest.Open(t))
	_, err := e.svc.Create(t.Context(), scaffold.CreateRequest{TemplateRef: "template:default/git-service",
		Values: map[string]any{"name": "Bad Name", "port": "x"}}, callboard.Principal{})
	var ve *scaffold.ValidationError
	if !asValidation(err, &ve) {
		t.Fatalf("Create = %v, want a ValidationError", err)
	}
	if callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("kind = %v, want invalid", callboard.ErrorKind(err))
	}
	fields := map[string]bool{}
	for _, f := range ve.Fields {
		fields[strings.Join(f.Path, ".")] = true
	}
	for _, f := range []string{"name", "owner", "port", "remote"} {
		if !fields[f] {
			t.Errorf("no error for field %s in %v", f, ve.Fields)
		}
	}
	if tasks, n, _ := e.svc.Tasks(t.Context(), callboard.TaskFilter{}); n != 0 {
		t.Errorf("tasks = %v, want none", tasks)
	}
	if _, err := e.svc.Create(t.Context(), scaffold.CreateRequest{TemplateRef: "template:default/nope"}, callboard.Principal{}); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("unknown template kind = %v, want not_found", callboard.ErrorKind(err))
	}
}

func asValidation(err error, ve **scaffold.ValidationError) bool {
	v, ok := err.(*scaffold.ValidationError)
	*ve = v
	return ok
}

// TestTokenNotLogged pushes with a token over HTTP basic auth; the token
// reaches git and never the task's log.
func TestTokenNotLogged(t *testing.T) {
	e := newEnv(t, storetest.Open(t))
	token := "s3cr3t-t0ken"
	e.git.token.Store(&token)
	remote := e.git.newRepo(t, "private.git")
	spec := map[string]any{"steps": []any{
		map[string]any{"id": "p", "action": "publish:git", "input": map[string]any{
			"repoUrl": remote, "token": "${{ secrets.token }}"}},
		map[string]any{"id": "l", "action": "debug:log", "input": map[string]any{"message": "token is ${{ secrets.token }}"}},
	}}
	id := createSpecTask(t, e, spec, map[string]string{"token": "s3cr3t-t0ken"})
	task := waitTask(t, e.svc, id)
	log := logText(eventsOf(t, e.svc, id))
	if task.Status != callboard.TaskCompleted {
		t.Fatalf("status = %s; log:\n%s", task.Status, log)
	}
	if strings.Contains(log, "s3cr3t") || !strings.Contains(log, "token is ***") {
		t.Errorf("log leaks or does not mask the secret:\n%s", log)
	}
	stored, _ := e.db.Task(t.Context(), id)
	if strings.Contains(string(stored.Spec), "s3cr3t") {
		t.Errorf("spec holds the secret: %s", stored.Spec)
	}
	if sec, _ := e.db.TaskSecrets(t.Context(), id); sec != nil {
		t.Errorf("secrets stored without a key: %q", sec)
	}
	if got := e.git.branches(t, "private.git"); len(got) != 1 {
		t.Errorf("branches = %v, want [main]", got)
	}
}

// createSpecTask stores a task for an inline template spec.
func createSpecTask(t *testing.T, e *env, spec map[string]any, secrets map[string]string) string {
	t.Helper()
	ent := &callboard.Entity{APIVersion: scaffold.TemplateAPIVersion, Kind: "Template",
		Metadata: callboard.Metadata{Name: "inline-" + strings.ToLower(url.PathEscape(t.Name()))}, Spec: spec}
	ent.Metadata.Name = strings.NewReplacer("/", "-", "%2f", "-").Replace(ent.Metadata.Name)
	tpl, err := scaffold.ParseTemplate(ent)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.svc.Start(t.Context(), tpl.Spec(nil, callboard.TaskUser{Ref: "user:default/jane"}), "user:default/jane", secrets)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
