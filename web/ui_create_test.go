package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard/catalog"
	"callboard/demo"
	"callboard/internal/compattest"
	"callboard/internal/githubfake"
	"callboard/scaffold"
	"callboard/store/storetest"
	"callboard/web"
)

// createEnv is a portal with a working scaffolder: the demo catalog (its
// groups and users feed the owner picker), Backstage's example templates
// from shared/compat, and testdata/create/local-go-service, whose
// publish:git pushes to repositories under Root.
type createEnv struct {
	srv  *httptest.Server
	cat  *catalog.Service
	Root string             // where local-go-service's repositories live
	gh   *githubfake.Server // the compat templates' github.com
}

// newCreateServer starts the portal and a task runner until the test ends.
func newCreateServer(t testing.TB, opts web.Options) *createEnv {
	t.Helper()
	dir := compattest.Dir(t, "templates")
	env := &createEnv{Root: t.TempDir()}
	locs := []catalog.StaticLocation{{Type: catalog.TypeEmbedded, Target: "/catalog-info.yaml"}}
	for _, name := range []string{"create-go-service", "docs-template", "react-ssr-template", "springboot-grpc-template"} {
		locs = append(locs, catalog.StaticLocation{Type: catalog.TypeFile, Target: filepath.Join(dir, name, "template.yaml")})
	}
	locs = append(locs, catalog.StaticLocation{Type: catalog.TypeFile, Target: localTemplate(t, env.Root)})
	db := storetest.Open(t)
	reader := &catalog.Reader{Embedded: demo.FS()}
	actions := scaffold.NewActions()
	env.gh = addGitHub(t, actions, reader)
	cat := catalog.New(db, catalog.Options{
		Reader:    reader,
		Locations: locs,
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	env.cat = cat
	scaffold.AddBuiltins(actions, &scaffold.Builtins{Catalog: cat, AllowFileRemotes: true})
	runner := scaffold.NewRunner(db, actions, scaffold.RunnerOptions{WorkDir: t.TempDir(),
		PollInterval: 50 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := runner.Run(ctx); err != nil {
			t.Errorf("Runner.Run: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	opts.Scaffolder = scaffold.NewService(db, actions, runner, cat, nil)
	env.srv = httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, opts))
	t.Cleanup(env.srv.Close)
	return env
}

// localTemplate copies testdata/create/local-go-service to a temporary
// folder with @ROOT@ set to root, and returns its template.yaml.
func localTemplate(t testing.TB, root string) string {
	t.Helper()
	src := filepath.Join("testdata", "create", "local-go-service")
	dst := filepath.Join(t.TempDir(), "local-go-service")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), bytes.ReplaceAll(b, []byte("@ROOT@"), []byte(root)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "template.yaml")
}

// newPushTarget makes Root/owner/repo a git repository that accepts a
// push to its checked-out branch and updates its files, so the catalog
// can read what publish:git pushed.
func (e *createEnv) newPushTarget(t testing.TB, owner, repo string) string {
	t.Helper()
	dir := filepath.Join(e.Root, owner, repo)
	for _, args := range [][]string{
		{"init", "-q", "-b", "main", dir},
		{"-C", dir, "config", "receive.denyCurrentBranch", "updateInstead"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

func TestCreatePages(t *testing.T) {
	srv := newCreateServer(t, web.Options{Dev: true}).srv
	tests := []struct {
		name, path string
		status     int
		want, not  []string
	}{
		{name: "list", path: "/create", status: 200,
			want: []string{"创建 Go 微服务", "Documentation Template", "Spring Boot gRPC Service", `href="/create/templates/default/create-go-service"`, `name="tag" value="go"`, "6 templates"}},
		{name: "tag filter", path: "/create?tag=go", status: 200,
			want: []string{"创建 Go 微服务", "3 templates"}, not: []string{"Documentation Template"}},
		{name: "owner filter", path: "/create?owner=group:default/platform-team", status: 200,
			want: []string{"创建 Go 微服务"}, not: []string{"React SSR Template"}},
		{name: "text search", path: "/create?q=documentation", status: 200,
			want: []string{"Documentation Template"}, not: []string{"创建 Go 微服务"}},
		{name: "no match", path: "/create?q=zzzz-nothing", status: 200, want: []string{"No template matches"}},
		{name: "form", path: "/create/templates/default/create-go-service", status: 200,
			want: []string{
				`data-template-ref="template:default/create-go-service"`, "服务基本信息", "技术选型", "代码仓库",
				`data-path="name"`, `data-pattern="^[a-z][a-z0-9-]*[a-z0-9]$"`, `data-maxlength="50"`, "autofocus",
				`data-widget="owner"`, `&#34;allowArbitraryValues&#34;:false`, `data-widget="checkboxes"`, `value="&#34;staging&#34;"`,
				`data-widget="integer"`, `value="8080"`, `data-widget="select"`, `value="my-github-org"`, "/static/create.js",
			}},
		{name: "form repo picker", path: "/create/templates/default/docs-template", status: 200,
			want: []string{`data-widget="repourl"`, `data-part="host"`, "<option>github.com</option>", `data-widget="entityname"`, `&#34;allowedKinds&#34;:[&#34;Group&#34;]`}},
		{name: "form entity picker", path: "/create/templates/default/local-go-service", status: 200,
			want: []string{`data-widget="entity"`, `&#34;catalogFilter&#34;:[{&#34;kind&#34;:&#34;System&#34;}]`, `placeholder="输入系统名称"`, "服务所属的系统,可选",
				`value="&#34;staging&#34;">`, "预发", `data-widget="repourl"`, "<option>git.local</option>"}},
		{name: "missing template", path: "/create/templates/default/nope", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := getPage(t, srv, tc.path)
			if status != tc.status {
				t.Fatalf("GET %s = %d, want %d; body %.300s", tc.path, status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", tc.path, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s: body has %q, want it filtered out", tc.path, n)
				}
			}
		})
	}
}

// TestCreateFormOrder: the properties of a page come in required order,
// then the rest by name (the catalog keeps no YAML key order).
func TestCreateFormOrder(t *testing.T) {
	srv := newCreateServer(t, web.Options{Dev: true}).srv
	_, body := getPage(t, srv, "/create/templates/default/create-go-service")
	order := []string{`data-path="name"`, `data-path="description"`, `data-path="owner"`, `data-path="deployEnvs"`, `data-path="repoOrg"`, `data-path="repoVisibility"`}
	last := -1
	for _, o := range order {
		i := strings.Index(body, o)
		if i < last {
			t.Errorf("%s at %d comes before the previous field (at %d)", o, i, last)
		}
		last = i
	}
}

// postTask starts a task through the API as a script would.
func postTask(t *testing.T, srv *httptest.Server, body string) string {
	t.Helper()
	resp, err := http.Post(srv.URL+"/api/scaffolder/v2/tasks", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &out) != nil || out.ID == "" {
		t.Fatalf("POST /v2/tasks = %d %s", resp.StatusCode, b)
	}
	return out.ID
}

// waitTask polls the task API until the task is done.
func waitTask(t *testing.T, srv *httptest.Server, id, token string) string {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, b := do(t, srv, "GET", "/api/scaffolder/v2/tasks/"+id, token, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("task %s: %d %s", id, resp.StatusCode, b)
		}
		body := string(b)
		var task struct{ Status string }
		if err := json.Unmarshal([]byte(body), &task); err != nil {
			t.Fatalf("task %s: %v in %s", id, err, body)
		}
		if task.Status == "completed" || task.Status == "failed" || task.Status == "cancelled" {
			return task.Status
		}
	}
	t.Fatalf("task %s did not finish", id)
	return ""
}

// TestCreateTaskPages: a task whose registration fails shows the error and
// the pushed branch rolled back; the task list finds it under "mine".
func TestCreateTaskPages(t *testing.T) {
	env := newCreateServer(t, web.Options{Dev: true})
	id, bare := failingTask(t, env)
	if status := waitTask(t, env.srv, id, ""); status != "failed" {
		t.Fatalf("task status = %s, want failed", status)
	}
	status, body := getPage(t, env.srv, "/create/tasks/"+id)
	if status != 200 {
		t.Fatalf("task page = %d: %.300s", status, body)
	}
	for _, want := range []string{
		"The task failed", `class="tstep st-completed" data-step="fetch-base"`, `class="tstep st-rolledback" data-step="publish"`,
		"rolled back", `class="tstep st-failed" data-step="register"`, "Undid step publish", `data-done="true"`,
		`data-task-action="retry" data-url="/api/scaffolder/v2/tasks/` + id + `/retry"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("task page lacks %q", want)
		}
	}
	if out, err := exec.Command("git", "-C", bare, "branch", "--list", "main").CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("main in the bare repository after rollback = %q (%v), want it deleted", out, err)
	}

	_, list := getPage(t, env.srv, "/create/tasks?owned=mine")
	for _, want := range []string{`href="/create/tasks/` + id + `"`, "failed", "user:development/guest", `aria-current="page">Mine`} {
		if !strings.Contains(list, want) {
			t.Errorf("task list (mine) lacks %q", want)
		}
	}
	if status, _ := getPage(t, env.srv, "/create/tasks/no-such-task"); status != 404 {
		t.Errorf("unknown task page = %d, want 404", status)
	}
}

// failingTask starts a local-go-service task whose push succeeds but whose
// catalog-info.yaml is registered already, so catalog:register fails after
// publish:git and the push is undone. It returns the task and the repository.
func failingTask(t *testing.T, env *createEnv) (id, repo string) {
	t.Helper()
	repo = filepath.Join(env.Root, "acme", "broken")
	for _, args := range [][]string{{"init", "-q", "--bare", "-b", "main", repo}, {"-C", repo, "config", "receive.denyDeleteCurrent", "ignore"}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if _, _, _, err := env.cat.AddLocation(t.Context(), catalog.TypeFile, filepath.Join(repo, "catalog-info.yaml"), false); err != nil {
		t.Fatalf("register the location first: %v", err)
	}
	id = postTask(t, env.srv, `{"templateRef":"template:default/local-go-service","values":{"name":"broken-service",
		"description":"will fail","owner":"group:default/payments-team","repoUrl":"git.local?owner=acme&repo=broken"}}`)
	return id, repo
}

// TestCreateReadOnly: without dev mode or sign-in the form explains why it
// cannot create, and its Create button is disabled. Outside dev mode only a
// caller sees it (here a token holder); anonymous visitors are sent to sign in.
func TestCreateReadOnly(t *testing.T) {
	env := newCreateServer(t, web.Options{Tokens: map[string]string{"t0k": "ci"}})
	resp, b := do(t, env.srv, "GET", "/create/templates/default/create-go-service", "t0k", nil)
	body := string(b)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form with a token: %d %.300s", resp.StatusCode, body)
	}
	for _, want := range []string{"Creating needs sign-in", `data-create hidden disabled`, `"templateRef": "template:default/create-go-service"`} {
		if !strings.Contains(body, want) {
			t.Errorf("read-only form lacks %q", want)
		}
	}
	for _, path := range []string{"/create/templates/default/create-go-service", "/create/tasks?owned=mine"} {
		resp, err := noRedirect.Get(env.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?redirect=") {
			t.Errorf("anonymous GET %s: %d to %q, want 303 to the sign-in page", path, resp.StatusCode, loc)
		}
	}
}

// The Create page over the generated org of ui_bench_test.go: the template
// query and its facets must stay cheap however big the catalog is.
func BenchmarkUICreate(b *testing.B)     { benchPage(b, "/create") }
func BenchmarkUICreateText(b *testing.B) { benchPage(b, "/create?q=pay&tag=go") }
