package github_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/integration/github"
	"callboard/internal/githubfake"
)

// step is a StepContext over a temp workspace.
type step struct {
	ctx     context.Context
	dir     string
	outputs map[string]any
	undo    any
	logs    []string
	dry     bool
}

func newStep(t *testing.T, files map[string]string) *step {
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, p)
		_ = os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &step{ctx: t.Context(), dir: dir, outputs: map[string]any{}}
}

func (s *step) Context() context.Context { return s.ctx }
func (s *step) Workspace() string        { return s.dir }
func (s *step) Path(p string) (string, error) {
	full := filepath.Join(s.dir, p)
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		real = full
	}
	if rel, err := filepath.Rel(s.dir, real); err != nil || strings.HasPrefix(rel, "..") {
		return "", callboard.Errorf(callboard.Invalid, "%s leaves the workspace", p)
	}
	return full, nil
}
func (s *step) Logf(f string, a ...any)          { s.logs = append(s.logs, f) }
func (s *step) Output(n string, v any)           { s.outputs[n] = v }
func (s *step) SetUndo(v any)                    { s.undo = v }
func (s *step) User() callboard.TaskUser         { return callboard.TaskUser{} }
func (s *step) Template() callboard.TemplateInfo { return callboard.TemplateInfo{} }
func (s *step) DryRun() bool                     { return s.dry }

func TestPublishPushesRealFilesAndUndoDeletes(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme", "alice")
	s.AddTeam("acme", githubfake.Team{Slug: "platform"})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	sc := newStep(t, map[string]string{"out/README.md": "# svc\n", "out/cmd/main.go": "package main\n", "other.txt": "not pushed"})
	in := github.PublishInput{RepoURL: s.Host() + "?owner=acme&repo=new-svc", Description: "A service",
		RepoVisibility: "internal", DefaultBranch: "main", Topics: []string{"go", "service"}, Access: "acme/platform",
		Collaborators: []github.Collaborator{{User: "alice", Access: "push"}}, SourcePath: "out"}
	if err := c.Publish(sc, in); err != nil {
		t.Fatal(err)
	}
	repo := s.Repo("acme", "new-svc")
	if repo == nil || repo.Visibility != "internal" || repo.Description != "A service" || strings.Join(repo.Topics, ",") != "go,service" {
		t.Fatalf("repo = %+v", repo)
	}
	if repo.Teams["platform"] != "admin" || repo.Collaborators["alice"] != "push" || !repo.Protected["main"] {
		t.Fatalf("access/protection: teams %v collaborators %v protected %v", repo.Teams, repo.Collaborators, repo.Protected)
	}
	for p, want := range map[string]string{"README.md": "# svc\n", "cmd/main.go": "package main\n"} {
		if got, err := s.ReadFile("acme", "new-svc", "main", p); err != nil || got != want {
			t.Fatalf("pushed %s = %q, %v", p, got, err)
		}
	}
	if _, err := s.ReadFile("acme", "new-svc", "main", "other.txt"); err == nil {
		t.Fatal("a file outside sourcePath was pushed")
	}
	want := s.URL + "/acme/new-svc"
	if sc.outputs["remoteUrl"] != want+".git" || sc.outputs["repoContentsUrl"] != want+"/blob/main" || len(sc.outputs["commitHash"].(string)) != 40 {
		t.Fatalf("outputs = %v", sc.outputs)
	}
	for _, l := range sc.logs {
		if strings.Contains(l, githubfake.Token) {
			t.Fatal("token in logs")
		}
	}
	// Publishing the same repository again is a conflict.
	if err := c.Publish(newStep(t, nil), in); callboard.ErrorKind(err) != callboard.Conflict {
		t.Fatalf("second publish: %v", err)
	}
	state, _ := json.Marshal(sc.undo)
	if err := c.UndoPublish(sc, state); err != nil {
		t.Fatal(err)
	}
	if s.Repo("acme", "new-svc") != nil {
		t.Fatal("undo left the repository")
	}
	if err := c.UndoPublish(sc, state); err != nil {
		t.Fatalf("undo twice: %v", err)
	}
}

func TestPublishRefusesOtherHostsAndEscapes(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	sc := newStep(t, nil)
	if err := c.Publish(sc, github.PublishInput{RepoURL: "evil.example.com?owner=acme&repo=x"}); callboard.ErrorKind(err) != callboard.Forbidden {
		t.Fatalf("other host: %v", err)
	}
	if err := c.Publish(sc, github.PublishInput{RepoURL: s.Host() + "?owner=acme&repo=x", SourcePath: "../.."}); callboard.ErrorKind(err) != callboard.Invalid {
		t.Fatalf("sourcePath escape: %v", err)
	}
	if err := c.Publish(sc, github.PublishInput{RepoURL: s.Host() + "?owner=acme&repo=../x"}); callboard.ErrorKind(err) != callboard.Invalid {
		t.Fatalf("bad repo name: %v", err)
	}
	if len(s.Repos()) != 0 {
		t.Fatalf("repos created: %v", s.Repos())
	}
}

func TestPullRequestAndDispatch(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc", map[string]string{"README.md": "hi", ".github/workflows/ci.yaml": "on: workflow_dispatch"}, githubfake.RepoOptions{})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	sc := newStep(t, map[string]string{"catalog-info.yaml": "kind: Component\n"})
	in := github.PullRequestInput{RepoURL: s.Host() + "?owner=acme&repo=svc", BranchName: "add-catalog-info",
		Title: "Add catalog-info.yaml", Description: "Onboard", TargetPath: "meta", Reviewers: []string{"octocat"}}
	if err := c.PullRequest(sc, in); err != nil {
		t.Fatal(err)
	}
	pulls := s.Pulls("acme", "svc")
	if len(pulls) != 1 || pulls[0].Head != "add-catalog-info" || pulls[0].Base != "main" || pulls[0].Reviewers[0] != "octocat" {
		t.Fatalf("pulls = %+v", pulls)
	}
	if got, _ := s.ReadFile("acme", "svc", "add-catalog-info", "meta/catalog-info.yaml"); got != "kind: Component\n" {
		t.Fatalf("branch file = %q", got)
	}
	if got, _ := s.ReadFile("acme", "svc", "add-catalog-info", "README.md"); got != "hi" {
		t.Fatalf("branch lost README: %q", got)
	}
	if sc.outputs["pullRequestNumber"] != 1 || !strings.HasSuffix(sc.outputs["remoteUrl"].(string), "/acme/svc/pull/1") {
		t.Fatalf("outputs = %v", sc.outputs)
	}
	if err := c.PullRequest(newStep(t, nil), in); callboard.ErrorKind(err) != callboard.Conflict {
		t.Fatalf("second PR without update: %v", err)
	}
	in.Update = true
	if err := c.PullRequest(newStep(t, map[string]string{"x.txt": "2"}), in); err != nil || len(s.Pulls("acme", "svc")) != 1 {
		t.Fatalf("update: %v, pulls %d", err, len(s.Pulls("acme", "svc")))
	}
	if in.TargetPath = "../escape"; c.PullRequest(newStep(t, nil), in) == nil {
		t.Fatal("targetPath escape accepted")
	}

	d := github.DispatchInput{RepoURL: s.Host() + "?owner=acme&repo=svc", WorkflowID: "ci.yaml", BranchOrTagName: "main",
		WorkflowInputs: map[string]any{"env": "prod"}}
	if err := c.Dispatch(sc, d); err != nil {
		t.Fatal(err)
	}
	if ds := s.Dispatches(); len(ds) != 1 || ds[0].Workflow != "ci.yaml" || ds[0].Inputs["env"] != "prod" {
		t.Fatalf("dispatches = %+v", ds)
	}
	d.WorkflowID = "missing.yaml"
	if err := c.Dispatch(sc, d); callboard.ErrorKind(err) != callboard.NotFound {
		t.Fatalf("missing workflow: %v", err)
	}
	rc := newStep(t, nil)
	if err := c.RepoCreate(rc, github.PublishInput{RepoURL: s.Host() + "?owner=octocat&repo=mine", RepoVisibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if r := s.Repo("octocat", "mine"); r == nil || r.Private {
		t.Fatalf("user repo = %+v", r)
	}
}

func TestHostsRouteByRepoURL(t *testing.T) {
	a, b := githubfake.NewServer(t), githubfake.NewServer(t)
	a.AddOrg("acme")
	b.AddOrg("acme")
	hosts := github.Hosts{newClient(t, a, github.Config{Token: githubfake.Token}), newClient(t, b, github.Config{Token: githubfake.Token})}
	sc := newStep(t, map[string]string{"f.txt": "x"})
	if err := hosts.Publish(sc, github.PublishInput{RepoURL: b.Host() + "?owner=acme&repo=r", DefaultBranch: "main"}); err != nil {
		t.Fatal(err)
	}
	if a.Repo("acme", "r") != nil || b.Repo("acme", "r") == nil {
		t.Fatal("published on the wrong host")
	}
	state, _ := json.Marshal(sc.undo)
	if err := hosts.UndoPublish(sc, state); err != nil || b.Repo("acme", "r") != nil {
		t.Fatalf("undo: %v", err)
	}
	if err := hosts.Publish(sc, github.PublishInput{RepoURL: "github.com?owner=acme&repo=r"}); callboard.ErrorKind(err) != callboard.Forbidden {
		t.Fatalf("unconfigured host: %v", err)
	}
}

// TestPullRequestGitErrorReadable: a failing git command's message reaches
// the step's error as git wrote it, without the token (git.Runner's tests
// cover the empty token, which the old redaction turned into ***f***a...).
func TestPullRequestGitErrorReadable(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc", map[string]string{"README.md": "hi"}, githubfake.RepoOptions{})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	in := github.PullRequestInput{RepoURL: s.Host() + "?owner=acme&repo=svc", BranchName: "b", Title: "t", TargetBranchName: "no-such-base"}
	err := c.PullRequest(newStep(t, map[string]string{"f.txt": "x"}), in)
	if callboard.ErrorKind(err) != callboard.Upstream {
		t.Fatalf("PullRequest = %v; want Upstream", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "git clone: exit status 128: ") || !strings.Contains(msg, "fatal: Remote branch no-such-base not found") || strings.Contains(msg, githubfake.Token) {
		t.Errorf("error = %q; want git's message without the token", msg)
	}
}
