package onboard_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"callboard/descriptor"
	"callboard/integration/github"
	"callboard/internal/githubfake"
	"callboard/onboard"
)

const org = "acme"

func newClient(t testing.TB, s *githubfake.Server, maxWait time.Duration) *github.Client {
	t.Helper()
	c, err := github.New(github.Config{Host: s.Host(), APIBaseURL: s.APIURL(), Token: githubfake.Token},
		github.Options{RequestsPerSecond: 1000, MaxWait: maxWait})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// want is what a repository of the fixture should come to.
type want struct {
	action    onboard.Action
	detail    string // substring of Detail
	name      string // metadata.name
	typ       string
	lifecycle string
	owner     string
	ownerFrom string
	techdocs  bool
	tags      []string
	descr     string
}

// newOrg builds an organization of 21 repositories, one per inference
// path and per action, and returns what each should give on a first run.
func newOrg(t *testing.T) (*githubfake.Server, map[string]want) {
	t.Helper()
	s := githubfake.NewServer(t)
	s.AddOrg(org, "alice", "bob")
	for _, slug := range []string{"payments", "frontend", "platform", "docs-team"} {
		s.AddTeam(org, githubfake.Team{Slug: slug, Members: []string{"alice"}})
	}
	ws := map[string]want{}
	add := func(name string, files map[string]string, opts githubfake.RepoOptions, w want) *githubfake.Repo {
		r := s.AddRepo(org, name, files, opts)
		ws[name] = w
		return r
	}
	const def = onboard.DefaultOwner
	add("payment-service", map[string]string{"main.go": "package main\n", "go.mod": "module x\n", "Dockerfile": "FROM scratch\n",
		".github/CODEOWNERS": "# owners\ndocs/ @acme/docs-team\n* @alice @acme/payments\n"},
		githubfake.RepoOptions{Description: "Takes payments"},
		want{action: onboard.Opened, name: "payment-service", typ: "service", lifecycle: "production",
			owner: "group:default/payments", ownerFrom: "CODEOWNERS", tags: []string{"go"}, descr: "Takes payments"})
	web := add("storefront", map[string]string{"package.json": "{}\n", "src/app.tsx": "export {}\n"},
		githubfake.RepoOptions{Topics: []string{"nextjs", "react"}, Languages: map[string]int{"TypeScript": 9000, "CSS": 100}},
		want{action: onboard.Opened, name: "storefront", typ: "website", lifecycle: "production",
			owner: "group:default/frontend", ownerFrom: "admin team", tags: []string{"nextjs", "react", "typescript"}})
	web.Teams["frontend"] = "admin"
	web.Teams["platform"] = "push"
	add("go-kit", map[string]string{"go.mod": "module kit\n", "kit.go": "package kit\n"},
		githubfake.RepoOptions{Topics: []string{"library"}},
		want{action: onboard.Opened, name: "go-kit", typ: "library", lifecycle: "production", owner: def, ownerFrom: "--owner"})
	add("handbook", map[string]string{"mkdocs.yml": "site_name: Handbook\n", "docs/index.md": "# Hi\n"},
		githubfake.RepoOptions{Description: "How we work"},
		want{action: onboard.Opened, name: "handbook", typ: "documentation", techdocs: true, lifecycle: "production", owner: def, ownerFrom: "--owner"})
	add("api-docs", map[string]string{"docs/a.md": "x\n", "gen.ts": "export {}\n", "mkdocs.yaml": "site_name: x\n"},
		githubfake.RepoOptions{Topics: []string{"documentation"}},
		want{action: onboard.Opened, name: "api-docs", typ: "documentation", techdocs: true, lifecycle: "production", owner: def, ownerFrom: "--owner"})
	add("registered", map[string]string{"catalog-info.yaml": "kind: Component\n", "main.go": "package main\n"},
		githubfake.RepoOptions{}, want{action: onboard.HasCatalog})
	add("old-monolith", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{Archived: true},
		want{action: onboard.Skipped, detail: "archived"})
	add("upstream-fork", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{Fork: true},
		want{action: onboard.Skipped, detail: "fork"})
	add("empty", nil, githubfake.RepoOptions{}, want{action: onboard.Skipped, detail: "empty"})
	add("search-poc", map[string]string{"main.go": "package main\n", "Dockerfile": "FROM x\n"},
		githubfake.RepoOptions{},
		want{action: onboard.Opened, name: "search-poc", typ: "service", lifecycle: "experimental", owner: def, ownerFrom: "--owner"})
	add("billing-v1", map[string]string{"app.py": "print(1)\n", "Procfile": "web: app\n"},
		githubfake.RepoOptions{Topics: []string{"legacy"}},
		want{action: onboard.Opened, name: "billing-v1", typ: "service", lifecycle: "deprecated", owner: def, ownerFrom: "--owner", tags: []string{"legacy", "python"}})
	add("Data__Pipeline..Jobs", map[string]string{"setup.py": "x\n", "jobs.py": "x\n"},
		githubfake.RepoOptions{},
		want{action: onboard.Opened, name: "data_pipeline.jobs", typ: "library", lifecycle: "production", owner: def, ownerFrom: "--owner"})
	add("notifier", map[string]string{"main.go": "package main\n", "CODEOWNERS": "* @someone-else/team @bob\n"},
		githubfake.RepoOptions{},
		want{action: onboard.Opened, name: "notifier", typ: "service", lifecycle: "production", owner: def, ownerFrom: "--owner"})
	pl := add("infra-tools", map[string]string{"cmd/tool/main.go": "package main\n", "go.mod": "module t\n", "CODEOWNERS": "* @alice\n"},
		githubfake.RepoOptions{},
		want{action: onboard.Opened, name: "infra-tools", typ: "service", lifecycle: "production", owner: "group:default/platform", ownerFrom: "admin team"})
	pl.Teams["platform"] = "admin"
	pl.Teams["payments"] = "maintain"
	add("readme-only", map[string]string{"README.md": "# Readme Only\n\n[![ci](x)](y)\n\nSends the weekly\nreport.\n\nMore.\n", "report.rb": "x\n"},
		githubfake.RepoOptions{},
		want{action: onboard.Opened, name: "readme-only", typ: "service", lifecycle: "production", owner: def, ownerFrom: "--owner", descr: "Sends the weekly report."})
	add("cpp-engine", map[string]string{"engine.cc": "x\n"},
		githubfake.RepoOptions{Topics: []string{"service", "Game Engine"}, Languages: map[string]int{"C++": 100}},
		want{action: onboard.Opened, name: "cpp-engine", typ: "service", lifecycle: "production", owner: def, ownerFrom: "--owner", tags: []string{"service", "game-engine", "c++"}})
	add("docs-site", map[string]string{"index.html": "<p>x</p>\n"}, githubfake.RepoOptions{},
		want{action: onboard.Opened, name: "docs-site", typ: "website", lifecycle: "production", owner: def, ownerFrom: "--owner"})
	add("broken", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{},
		want{action: onboard.Failed, detail: "list acme/broken/ at main: 500 Server Error"})
	s.Handle("GET /repos/acme/broken/contents/{path...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"Server Error"}`))
	}))

	// A repository with an open proposal already, one with a branch left
	// from an earlier run but no pull request, and one whose proposal a
	// reviewer closed.
	c := newClient(t, s, time.Second)
	add("has-pr", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{}, want{action: onboard.Exists, detail: "/pull/1"})
	s.Commit(org, "has-pr", onboard.DefaultBranch, map[string]string{"catalog-info.yaml": "kind: Component\n"})
	if _, err := c.OpenPull(t.Context(), org, "has-pr", onboard.DefaultBranch, "main", "Add catalog-info.yaml", "x"); err != nil {
		t.Fatal(err)
	}
	add("stale-branch", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{},
		want{action: onboard.Opened, detail: "branch reused", name: "stale-branch", typ: "service", lifecycle: "production", owner: def, ownerFrom: "--owner"})
	s.Commit(org, "stale-branch", onboard.DefaultBranch, map[string]string{"catalog-info.yaml": "stale: true\n"})
	add("declined", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{}, want{action: onboard.Skipped, detail: "was closed"})
	s.Commit(org, "declined", onboard.DefaultBranch, map[string]string{"x": "y\n"})
	if _, err := c.OpenPull(t.Context(), org, "declined", onboard.DefaultBranch, "main", "Add catalog-info.yaml", "x"); err != nil {
		t.Fatal(err)
	}
	s.ClosePull(org, "declined", 1)
	// A repository of another owner is not part of the org.
	s.AddRepo("octocat", "hello", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{})
	return s, ws
}

func byRepo(results []onboard.Result) map[string]onboard.Result {
	m := map[string]onboard.Result{}
	for _, r := range results {
		m[strings.TrimPrefix(r.Repo, org+"/")] = r
	}
	return m
}

// state is what a run may change: pull requests and branches per repository.
func state(s *githubfake.Server) string {
	var b strings.Builder
	for _, full := range s.Repos() {
		o, n, _ := strings.Cut(full, "/")
		b.WriteString(full + " branches=" + strings.Join(s.Branches(o, n), ","))
		for _, p := range s.Pulls(o, n) {
			b.WriteString(" pr" + p.Head + ":" + p.State)
		}
		if f, err := s.ReadFile(o, n, onboard.DefaultBranch, "catalog-info.yaml"); err == nil {
			b.WriteString(" file=" + f)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestRunOrg(t *testing.T) {
	s, ws := newOrg(t)
	c := newClient(t, s, time.Second)
	var progress bytes.Buffer
	results, err := onboard.Run(t.Context(), c, onboard.Options{WritesPerMinute: -1, Org: org, Concurrency: 4,
		Progress: onboard.NewProgress(&progress, false)})
	if err != nil {
		t.Fatal(err)
	}
	got := byRepo(results)
	if len(results) != len(ws) {
		t.Errorf("%d results, want %d (the org's repositories only)", len(results), len(ws))
	}
	for name, w := range ws {
		r := got[name]
		if r.Action != w.action || !strings.Contains(r.Detail, w.detail) {
			t.Errorf("%s: %s (%s), want %s (%s)", name, r.Action, r.Detail, w.action, w.detail)
			continue
		}
		if w.action != onboard.Opened {
			continue
		}
		if r.Owner != w.owner || r.OwnerFrom != w.ownerFrom {
			t.Errorf("%s: owner %s from %s, want %s from %s", name, r.Owner, r.OwnerFrom, w.owner, w.ownerFrom)
		}
		file, err := s.ReadFile(org, name, onboard.DefaultBranch, "catalog-info.yaml")
		if err != nil {
			t.Errorf("%s: no catalog-info.yaml on the branch: %v", name, err)
			continue
		}
		checkEntity(t, name, file, w)
		pulls := s.Pulls(org, name)
		if len(pulls) != 1 || pulls[0].Base != "main" || pulls[0].Head != onboard.DefaultBranch || !strings.Contains(pulls[0].Body, "spec.owner") {
			t.Errorf("%s: pull requests %+v, want one from %s into main", name, pulls, onboard.DefaultBranch)
		}
	}
	if n := strings.Count(progress.String(), "\n"); n != len(ws) {
		t.Errorf("progress has %d lines, want %d:\n%s", n, len(ws), progress.String())
	}
	var sum bytes.Buffer
	if err := onboard.WriteSummary(&sum, results); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"skipped (archived)", "skipped (PR #1 was closed)", "skipped (empty repository)", "skipped (fork)", "already has catalog-info",
		"CODEOWNERS", "admin team", "1 failed", "PR exists"} {
		if !strings.Contains(sum.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, sum.String())
		}
	}
	if onboard.CountFailed(results) != 1 {
		t.Errorf("CountFailed = %d, want 1 (broken only)", onboard.CountFailed(results))
	}
	t.Logf("summary:\n%s", sum.String())

	// A second run changes nothing: every proposal now exists.
	before := state(s)
	again, err := onboard.Run(t.Context(), c, onboard.Options{WritesPerMinute: -1, Org: org})
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range byRepo(again) {
		w := ws[name].action
		if w == onboard.Opened {
			w = onboard.Exists
		}
		if r.Action != w {
			t.Errorf("second run: %s: %s (%s), want %s", name, r.Action, r.Detail, w)
		}
	}
	if after := state(s); after != before {
		t.Errorf("second run changed the org:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func checkEntity(t *testing.T, name, file string, w want) {
	t.Helper()
	docs, problems := descriptor.Parse("catalog-info.yaml", []byte(file))
	if len(problems) > 0 || len(docs) != 1 {
		t.Fatalf("%s: %v", name, problems)
	}
	e, problems := descriptor.Validate(docs[0])
	if e == nil {
		t.Fatalf("%s: invalid: %v\n%s", name, problems, file)
	}
	spec := e.Spec
	checks := []struct{ field, got, want string }{
		{"metadata.name", e.Metadata.Name, w.name},
		{"spec.type", spec["type"].(string), w.typ},
		{"spec.lifecycle", spec["lifecycle"].(string), w.lifecycle},
		{"spec.owner", spec["owner"].(string), w.owner},
		{"project-slug", e.Metadata.Annotations["github.com/project-slug"], org + "/" + name},
	}
	if w.descr != "" {
		checks = append(checks, struct{ field, got, want string }{"metadata.description", e.Metadata.Description, w.descr})
	}
	if w.tags != nil {
		checks = append(checks, struct{ field, got, want string }{"metadata.tags", strings.Join(e.Metadata.Tags, ","), strings.Join(w.tags, ",")})
	}
	td := e.Metadata.Annotations["backstage.io/techdocs-ref"]
	if (td == "dir:.") != w.techdocs {
		t.Errorf("%s: techdocs-ref = %q, want set: %v", name, td, w.techdocs)
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %s = %q, want %q\n%s", name, c.field, c.got, c.want, file)
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	s, ws := newOrg(t)
	c := newClient(t, s, time.Second)
	before := state(s)
	var out bytes.Buffer
	results, err := onboard.Run(t.Context(), c, onboard.Options{WritesPerMinute: -1, Org: org, DryRun: true, DryRunOut: &out, Owner: "group:default/platform"})
	if err != nil {
		t.Fatal(err)
	}
	if after := state(s); after != before {
		t.Errorf("dry run changed the org:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	for name, r := range byRepo(results) {
		w := ws[name].action
		if w == onboard.Opened {
			w = onboard.WouldOpen
		}
		if r.Action != w {
			t.Errorf("%s: %s, want %s", name, r.Action, w)
		}
	}
	for _, s := range []string{"--- # acme/payment-service: catalog-info.yaml (owner from CODEOWNERS)", "owner: group:default/payments",
		"owner: group:default/platform", "backstage.io/techdocs-ref: dir:.", "kind: Component"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("dry-run output lacks %q", s)
		}
	}
}

func TestRateLimits(t *testing.T) {
	t.Run("SecondaryRetried", func(t *testing.T) {
		s := githubfake.NewServer(t)
		s.AddOrg(org)
		s.AddRepo(org, "svc", map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{})
		c := newClient(t, s, time.Minute)
		s.SecondaryLimitOnce(githubfake.Token)
		results, err := onboard.Run(t.Context(), c, onboard.Options{WritesPerMinute: -1, Org: org})
		if err != nil || len(results) != 1 || results[0].Action != onboard.Opened {
			t.Fatalf("results %+v, %v", results, err)
		}
		if c.Stats().RateLimited.Load() == 0 {
			t.Error("the 429 was not seen as a rate limit")
		}
	})
	t.Run("PrimarySpent", func(t *testing.T) {
		s := githubfake.NewServer(t)
		s.AddOrg(org)
		for _, n := range []string{"a", "b", "c"} {
			s.AddRepo(org, n, map[string]string{"main.go": "package main\n"}, githubfake.RepoOptions{})
		}
		s.SetRateLimit(3, time.Now().Add(time.Hour))
		c := newClient(t, s, time.Second)
		results, err := onboard.Run(t.Context(), c, onboard.Options{WritesPerMinute: -1, Org: org, Concurrency: 1})
		if err != nil {
			t.Fatal(err)
		}
		if onboard.CountFailed(results) == 0 {
			t.Fatalf("no repository failed with 3 requests for 3 repositories: %+v", results)
		}
		for _, r := range results {
			t.Logf("%s: %s %s", r.Repo, r.Action, r.Detail)
			if r.Action == onboard.Failed && !strings.Contains(r.Detail, "rate limit") {
				t.Errorf("%s failed with %q, want a rate-limit reason", r.Repo, r.Detail)
			}
		}
	})
}

func TestUnknownOrg(t *testing.T) {
	s := githubfake.NewServer(t)
	if _, err := onboard.Run(t.Context(), newClient(t, s, time.Second), onboard.Options{Org: "nope"}); err == nil {
		t.Fatal("no error for a missing organization")
	}
}
