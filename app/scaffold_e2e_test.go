package app

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard/internal/compattest"
	"callboard/internal/githubfake"
)

// compatCase is one compat template and the values a user would submit.
type compatCase struct {
	template string // directory under compat/templates
	ref      string // its metadata.name
	name     string
	branch   string // publish:github's defaultBranch (Backstage's default: master)
	values   map[string]any
	// files whose rendered text must contain the name.
	named []string
}

func compatCases() []compatCase {
	repoURL := func(name string) string { return "github.com?owner=" + e2eOrg + "&repo=" + name }
	return []compatCase{
		{"create-go-service", "create-go-service", "payment-service", "main", map[string]any{
			"name": "payment-service", "description": "Payments", "owner": "group:default/platform",
			"httpPort": 8081, "enableKafka": true, "deployEnvs": []string{"dev", "staging"}, "repoOrg": e2eOrg,
			"repoVisibility": "private"}, []string{"catalog-info.yaml", "go.mod"}},
		{"docs-template", "docs-template", "team-docs", "master", map[string]any{
			"name": "team-docs", "description": "Docs", "owner": "group:default/platform",
			"repoUrl": repoURL("team-docs")}, []string{"catalog-info.yaml", "mkdocs.yml"}},
		{"react-ssr-template", "react-ssr-template", "web-shop", "master", map[string]any{
			"component_id": "web-shop", "description": "Shop", "owner": "group:default/platform",
			"repoUrl": repoURL("web-shop")}, []string{"catalog-info.yaml"}},
		{"springboot-grpc-template", "springboot-template", "orders-grpc", "master", map[string]any{
			"component_id": "orders-grpc", "java_package_name": "io.example.orders", "description": "Orders",
			"owner": "group:default/platform", "repoUrl": repoURL("orders-grpc")}, []string{"catalog-info.yaml"}},
	}
}

// newCompatEnv starts a fake GitHub with the templates' organization and
// serve with the four compat templates in its catalog.
func newCompatEnv(t *testing.T) (*githubfake.Server, string, string) {
	t.Helper()
	root := compattest.Dir(t, "templates")
	gh := githubfake.NewServer(t)
	gh.AddOrg(e2eOrg, "octocat")
	var tpls []string
	for _, c := range compatCases() {
		tpls = append(tpls, filepath.Join(root, c.template, "template.yaml"))
	}
	dir := t.TempDir()
	return gh, root, e2eConfig(t, dir, gh, tpls...)
}

// TestScaffoldE2ECompatTemplates runs each compat template through the
// API of a real serve against the fake GitHub: parameter schema, task,
// events to completion, then the repository, the entity and (for
// create-go-service) the workflow dispatch.
func TestScaffoldE2ECompatTemplates(t *testing.T) {
	gh, root, cfg := newCompatEnv(t)
	// init-service.yml is not in the brief's skeleton: on GitHub it would
	// have to come from the organization.
	gh.AddWorkflow(e2eOrg, "init-service.yml")
	srv := startServe(t, cfg)
	for _, c := range compatCases() {
		t.Run(c.template, func(t *testing.T) {
			ref := "template:default/" + c.ref
			path := "/api/scaffolder/v2/templates/default/template/" + c.ref + "/parameter-schema"
			var schema struct {
				Title string
				Steps []struct{ Title string }
			}
			waitFor(t, c.template+" in the catalog", func() bool { return srv.call(t, "GET", path, nil, nil) == 200 }, srv.stderr)
			if st := srv.call(t, "GET", path, nil, &schema); st != 200 || len(schema.Steps) < 2 {
				t.Fatalf("parameter-schema: %d %+v", st, schema)
			}

			start := time.Now()
			id := srv.createTask(t, ref, c.values, false)
			evs := srv.followEvents(t, id, 0, nil)
			if st := completionStatus(evs); st != "completed" {
				t.Fatalf("task ended %q:\n%s\nstderr:\n%s", st, eventLog(evs), srv.stderr.String())
			}
			var ent struct {
				Metadata struct{ Name string }
				Spec     struct{ Owner string }
			}
			entPath := "/api/catalog/entities/by-name/component/default/" + c.name
			if st := srv.call(t, "GET", entPath, nil, &ent); st != 200 {
				t.Fatalf("entity %s: status %d", c.name, st)
			}
			if c.template == "create-go-service" {
				t.Logf("submit to registered entity: %s", time.Since(start).Round(time.Millisecond))
			}
			if ent.Metadata.Name != c.name || ent.Spec.Owner != "group:default/platform" {
				t.Errorf("entity = %+v", ent)
			}
			checkSkeleton(t, gh, filepath.Join(root, c.template, "skeleton"), c)
			if c.template == "create-go-service" {
				checkDispatch(t, gh, c.name)
			}
		})
	}
}

// checkSkeleton reads every skeleton file from the published repository:
// present, rendered (no ${{ left) and, for c.named, naming the service.
func checkSkeleton(t *testing.T, gh *githubfake.Server, skel string, c compatCase) {
	t.Helper()
	if gh.Repo(e2eOrg, c.name) == nil {
		t.Fatalf("repository %s/%s missing; repos %v", e2eOrg, c.name, gh.Repos())
	}
	n := 0
	err := filepath.WalkDir(skel, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(skel, p)
		text, err := gh.ReadFile(e2eOrg, c.name, c.branch, filepath.ToSlash(rel))
		if err != nil {
			t.Errorf("%s not in the repository: %v", rel, err)
			return nil
		}
		n++
		if strings.Contains(text, "${{") || strings.Contains(text, "{%") {
			t.Errorf("%s is not rendered:\n%s", rel, text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.named {
		text, _ := gh.ReadFile(e2eOrg, c.name, c.branch, f)
		if !strings.Contains(text, c.name) {
			t.Errorf("%s does not name %s:\n%s", f, c.name, text)
		}
	}
	info, _ := gh.ReadFile(e2eOrg, c.name, c.branch, "catalog-info.yaml")
	if !strings.Contains(info, "group:default/platform") {
		t.Errorf("catalog-info.yaml lacks the owner:\n%s", info)
	}
	if n == 0 {
		t.Fatalf("no skeleton files under %s", skel)
	}
	if _, err := os.Stat(skel); err != nil {
		t.Fatal(err)
	}
}

// checkDispatch finds create-go-service's workflow dispatch in the fake.
func checkDispatch(t *testing.T, gh *githubfake.Server, name string) {
	t.Helper()
	for _, d := range gh.Dispatches() {
		if d.Owner == e2eOrg && d.Repo == name && d.Workflow == "init-service.yml" && d.Ref == "main" {
			if d.Inputs["service_name"] != name || d.Inputs["deploy_envs"] != "dev,staging" {
				t.Errorf("dispatch inputs = %v", d.Inputs)
			}
			return
		}
	}
	t.Errorf("no init-service.yml dispatch for %s: %+v", name, gh.Dispatches())
}
