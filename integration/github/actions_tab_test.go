package github_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/integration/github"
	"callboard/internal/githubfake"
	"callboard/plugin/plugintest"
)

// actionsPolicy lets everyone read the catalog and owners re-run jobs.
const actionsPolicy = `rules:
  - permission: catalog.entity.read
    decision: allow
  - permission: github.actions.rerun
    entity: {isEntityOwner: true}
    decision: allow
`

var (
	jane = plugintest.User("user:default/jane", "group:default/payments")
	bob  = plugintest.User("user:default/bob", "group:default/discovery")
)

// t0 is when the fixtures' runs start; durations are from it.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestActions starts a fake GitHub whose acme/svc has 25 runs: 23
// green ones, #24 running and #25 failed (its job "test" failed at its
// second step), and a portal with the plugin for it under policy (""
// for dev mode).
func newTestActions(t *testing.T, policy string) (*githubfake.Server, *plugintest.Portal, *githubfake.Run) {
	t.Helper()
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc", map[string]string{"README.md": "svc\n"}, githubfake.RepoOptions{})
	for i := 1; i <= 23; i++ {
		start := t0.Add(time.Duration(i) * time.Hour)
		s.AddRun("acme", "svc", githubfake.Run{Workflow: "CI", Path: ".github/workflows/ci.yaml", Branch: "main",
			SHA: fmt.Sprintf("%040d", i), Title: fmt.Sprintf("Change %d", i), Status: "completed", Conclusion: "success",
			Actor: "octocat", Started: start, Updated: start.Add(90 * time.Second)})
	}
	s.AddRun("acme", "svc", githubfake.Run{Workflow: "Deploy", Branch: "release", SHA: strings.Repeat("b", 40),
		Title: "Deploy v2", Status: "in_progress", Actor: "hubot", Started: time.Now().Add(-time.Minute)})
	failed := s.AddRun("acme", "svc", githubfake.Run{Workflow: "CI", Path: ".github/workflows/ci.yaml", Branch: "feature/login",
		SHA: "c0ffee1234567890c0ffee1234567890c0ffee12", Title: "Add login form\n\nLong body", Status: "completed",
		Conclusion: "failure", Actor: "jane-gh", Started: t0, Updated: t0.Add(3*time.Minute + 5*time.Second),
		Jobs: []*githubfake.Job{
			{Name: "build", Status: "completed", Conclusion: "success", Started: t0, Completed: t0.Add(time.Minute),
				Steps: []githubfake.Step{{Name: "Set up job", Status: "completed", Conclusion: "success", Started: t0, Completed: t0.Add(2 * time.Second)}}},
			{Name: "test", Status: "completed", Conclusion: "failure", Started: t0.Add(time.Minute), Completed: t0.Add(3 * time.Minute),
				Steps: []githubfake.Step{
					{Name: "Check out code", Status: "completed", Conclusion: "success", Started: t0.Add(time.Minute), Completed: t0.Add(time.Minute + 3*time.Second)},
					{Name: "Run go test", Status: "completed", Conclusion: "failure", Started: t0.Add(time.Minute + 3*time.Second), Completed: t0.Add(3 * time.Minute)},
				}},
		}})
	s.AddRepo("acme", "quiet", map[string]string{"README.md": "q\n"}, githubfake.RepoOptions{})
	catalog := fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  annotations: {github.com/project-slug: acme/svc, backstage.io/source-location: "url:http://%[1]s/acme/svc/tree/main/"}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: quiet
  annotations: {github.com/project-slug: acme/quiet, backstage.io/source-location: "url:http://%[1]s/acme/quiet/tree/main/"}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: plain
spec: {type: service, lifecycle: production, owner: group:default/payments}
`, s.Host())
	portal := plugintest.New(t, github.Plugin(nil), plugintest.Options{
		Config:  fmt.Sprintf("integrations:\n  github:\n    - {host: %s, apiBaseUrl: %s, token: %s}\n", s.Host(), s.APIURL(), githubfake.Token),
		Catalog: catalog, Policy: policy,
	})
	return s, portal, failed
}

func mustGetPage(t *testing.T, p *plugintest.Portal, path string) string {
	t.Helper()
	status, body := p.Get(t, path, jane)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, status, body)
	}
	return body
}

// TestActionsTabListsRuns: the tab lists the newest runs with every
// column, coloured by status, and pages through the rest with ?page.
func TestActionsTabListsRuns(t *testing.T) {
	_, portal, failed := newTestActions(t, actionsPolicy)
	tests := []struct {
		name, path string
		want, not  []string
	}{
		{"first page", "/catalog/default/component/svc/ci-cd",
			[]string{
				"<th scope=\"col\">Workflow</th>", ">Branch<", ">Commit<", ">Status<", ">Started<", ">Duration<", ">Actor<",
				`href="/catalog/default/component/svc/ci-cd?run=` + strconv.FormatInt(failed.ID, 10) + `">CI #25</a>`,
				"feature/login", ">c0ffee1</a> Add login form", "/acme/svc/commit/c0ffee1234567890c0ffee1234567890c0ffee12",
				`state-bad"><span class="dot" aria-hidden="true"></span>failure`, "3m 05s", "jane-gh",
				`state-warn"><span class="dot" aria-hidden="true"></span>in progress`, "hubot", ">Deploy #24<",
				`state-ok"><span class="dot" aria-hidden="true"></span>success`, "1m 30s", `datetime="2026-03-01T12:00:00Z"`,
				"Page 1 of 2 (25 runs)", `href="/catalog/default/component/svc/ci-cd?page=2">Older`,
			},
			[]string{">CI #5<", "Newer", "is unavailable"}},
		{"second page", "/catalog/default/component/svc/ci-cd?page=2",
			[]string{">CI #5<", ">CI #1<", "Page 2 of 2 (25 runs)", `href="/catalog/default/component/svc/ci-cd?page=1">`},
			[]string{">CI #25<", ">CI #6<", "Older"}},
		{"no runs", "/catalog/default/component/quiet/ci-cd", []string{"No workflow runs"}, []string{"is unavailable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := mustGetPage(t, portal, tc.path)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the tab lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("the tab shows %q", n)
				}
			}
		})
	}
}

// TestActionsRunDetail: ?run=ID shows the run's jobs and their steps,
// and the re-run button only to users who may re-run.
func TestActionsRunDetail(t *testing.T) {
	s, portal, failed := newTestActions(t, actionsPolicy)
	path := "/catalog/default/component/svc/ci-cd?run=" + strconv.FormatInt(failed.ID, 10)
	form := `action="/api/github/actions/component/default/svc/runs/` + strconv.FormatInt(failed.ID, 10) + `/rerun-failed-jobs"`
	tests := []struct {
		name     string
		who      callboard.Principal
		wantForm bool
	}{
		{"owner", jane, true},
		{"other team", bob, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := portal.Get(t, path, tc.who)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", path, status)
			}
			for _, w := range []string{"CI #25", "build", "test", "Set up job", "Check out code", "Run go test", "2m 00s", "1m 57s",
				"feature/login", "View on GitHub", "/acme/svc/actions/runs/" + strconv.FormatInt(failed.ID, 10)} {
				if !strings.Contains(body, w) {
					t.Errorf("the run lacks %q", w)
				}
			}
			if got := strings.Contains(body, form); got != tc.wantForm {
				t.Errorf("re-run form shown = %v, want %v", got, tc.wantForm)
			}
		})
	}
	if status, _ := portal.Get(t, "/catalog/default/component/svc/ci-cd?run=999999", jane); status != http.StatusOK {
		t.Errorf("unknown run: page status %d", status)
	} else if _, body := portal.Get(t, "/catalog/default/component/svc/ci-cd?run=999999", jane); !strings.Contains(body, "CI/CD is unavailable: GitHub ("+s.Host()+") answered 404 to read workflow run 999999 of acme/svc") {
		t.Errorf("unknown run does not say so")
	}
}

// TestAttackRerunWithoutPermission: re-running failed jobs reaches GitHub
// for a user the policy allows (201) and not for anyone else (403); both
// are in the audit log.
func TestAttackRerunWithoutPermission(t *testing.T) {
	s, portal, failed := newTestActions(t, actionsPolicy)
	path := "/api/github/actions/component/default/svc/runs/" + strconv.FormatInt(failed.ID, 10) + "/rerun-failed-jobs"
	if status, body := portal.Do(t, http.MethodPost, path, bob, strings.NewReader("{}")); status != http.StatusForbidden {
		t.Errorf("bob: %d %s, want 403", status, body)
	}
	if got := s.Reruns("acme", "svc"); len(got) != 0 {
		t.Fatalf("a refused re-run reached GitHub: %v", got)
	}
	if status, body := portal.Do(t, http.MethodPost, path, jane, strings.NewReader("{}")); status != http.StatusCreated || !strings.Contains(body, `"status":"queued"`) {
		t.Errorf("jane: %d %s, want 201", status, body)
	}
	if got := s.Reruns("acme", "svc"); len(got) != 1 || got[0] != failed.ID {
		t.Errorf("GitHub re-ran %v, want [%d]", got, failed.ID)
	}
	for _, tc := range []struct {
		actor, outcome string
	}{{"user:default/jane", callboard.OutcomeSuccess}, {"user:default/bob", callboard.OutcomeDenied}} {
		events, err := portal.DB.AuditEvents(t.Context(), callboard.AuditFilter{Action: github.PermActionsRerun, Actor: tc.actor})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Outcome != tc.outcome || events[0].Target != "component:default/svc" {
			t.Errorf("audit of %s: %+v, want one %s on component:default/svc", tc.actor, events, tc.outcome)
		}
	}
	// The run is queued again: a running run offers no re-run.
	if body := mustGetPage(t, portal, "/catalog/default/component/svc/ci-cd?run="+strconv.FormatInt(failed.ID, 10)); strings.Contains(body, "Re-run failed jobs") ||
		!strings.Contains(body, "queued") {
		t.Errorf("after the re-run the run is not shown queued without the button")
	}
	if status, _ := portal.Do(t, http.MethodPost, "/api/github/actions/component/default/plain/runs/1/rerun-failed-jobs", jane, strings.NewReader("{}")); status != http.StatusNotFound {
		t.Errorf("re-run on an entity without the annotation: %d, want 404", status)
	}
}

// TestActionsUnavailable: GitHub refusing the credentials, rate limiting
// or not knowing the repository shows in the tab's panel, and the page
// still renders.
func TestActionsUnavailable(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   string
	}{
		{"bad credentials", http.StatusUnauthorized, "CI/CD is unavailable: GitHub (%s) refused the credentials of integrations.github (401 Bad credentials)"},
		{"rate limited", http.StatusTooManyRequests, "CI/CD is unavailable: GitHub rate limit exceeded on %s"},
		{"no such repository", http.StatusNotFound, "CI/CD is unavailable: GitHub (%s) answered 404 to list the workflow runs of acme/svc: it does not exist"},
		{"no Actions permission", http.StatusForbidden, "CI/CD is unavailable: GitHub (%s) refused to list the workflow runs of acme/svc (403 Resource not accessible by integration)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, portal, _ := newTestActions(t, actionsPolicy)
			s.SetActionsStatus("acme", "svc", tc.status)
			body := mustGetPage(t, portal, "/catalog/default/component/svc/ci-cd")
			if want := fmt.Sprintf(tc.want, s.Host()); !strings.Contains(body, want) {
				t.Errorf("the panel lacks %q", want)
			}
			if strings.Contains(body, githubfake.Token) {
				t.Errorf("the page shows the token")
			}
		})
	}
}

// TestActionsTabOnlyWithAnnotation: entities without
// github.com/project-slug have no CI/CD tab.
func TestActionsTabOnlyWithAnnotation(t *testing.T) {
	_, portal, _ := newTestActions(t, actionsPolicy)
	if status, _ := portal.Get(t, "/catalog/default/component/plain/ci-cd", jane); status != http.StatusNotFound {
		t.Errorf("plain's ci-cd tab: %d, want 404", status)
	}
	if body := mustGetPage(t, portal, "/catalog/default/component/plain"); strings.Contains(body, "/ci-cd") {
		t.Errorf("plain's page links a CI/CD tab")
	}
	if body := mustGetPage(t, portal, "/catalog/default/component/svc"); !strings.Contains(body, `href="/catalog/default/component/svc/ci-cd"`) {
		t.Errorf("svc's page does not link its CI/CD tab")
	}
}

// TestAttackSlugClimbsOutOfRepository: a project slug whose repository is
// ".." (or not owner/repo at all) is refused before any request, so it
// cannot point the integration's token at another API path.
func TestAttackSlugClimbsOutOfRepository(t *testing.T) {
	s := githubfake.NewServer(t)
	var catalog strings.Builder
	slugs := []string{"acme/..", "acme/.", "acme/../../user", "acme", "acme/svc?x=1"}
	for i, slug := range slugs {
		fmt.Fprintf(&catalog, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c%d\n  annotations: {github.com/project-slug: %q, backstage.io/source-location: \"url:http://%s/acme/svc/\"}\nspec: {type: service, lifecycle: production, owner: group:default/payments}\n", i, slug, s.Host())
	}
	portal := plugintest.New(t, github.Plugin(nil), plugintest.Options{
		Config:  fmt.Sprintf("integrations:\n  github:\n    - {host: %s, apiBaseUrl: %s, token: %s}\n", s.Host(), s.APIURL(), githubfake.Token),
		Catalog: catalog.String(),
	})
	s.ResetCounts()
	for i, slug := range slugs {
		t.Run(slug, func(t *testing.T) {
			_, body := portal.Get(t, "/catalog/default/component/c"+strconv.Itoa(i)+"/ci-cd", callboard.Principal{})
			if !strings.Contains(body, "CI/CD is unavailable: annotation github.com/project-slug is") {
				t.Errorf("the slug %q was not refused", slug)
			}
		})
	}
	if total, _ := s.Requests(); total != 0 {
		t.Errorf("GitHub got %d requests for bad slugs", total)
	}
}
