package app

import (
	"path/filepath"
	"strings"
	"testing"

	"callboard/internal/githubfake"
)

// TestScaffoldE2ERestart stops serve while a task waits in debug:wait and
// starts it again on the same SQLite file and working directory: the task
// resumes and completes without running its completed steps again (one
// fetch, one repository creation).
func TestScaffoldE2ERestart(t *testing.T) {
	gh := githubfake.NewServer(t)
	gh.AddOrg(e2eOrg, "octocat")
	tpl, _ := filepath.Abs("testdata/restart-service/template.yaml")
	cfg := e2eConfig(t, t.TempDir(), gh, tpl)

	srv := startServe(t, cfg)
	path := "/api/scaffolder/v2/templates/default/template/restart-service/parameter-schema"
	waitFor(t, "template in the catalog", func() bool { return srv.call(t, "GET", path, nil, nil) == 200 }, srv.stderr)
	id := srv.createTask(t, "template:default/restart-service", map[string]any{
		"name": "resumed-service", "repoUrl": "github.com?owner=" + e2eOrg + "&repo=resumed-service", "waitSeconds": 2}, false)
	before := srv.followEvents(t, id, 0, func(ev e2eEvent) bool { return ev.Body["message"] == "Beginning step Wait" })
	if completionStatus(before) != "" {
		t.Fatalf("task completed before the restart:\n%s", eventLog(before))
	}
	srv.stop()
	if gh.Repo(e2eOrg, "resumed-service") != nil {
		t.Fatal("the repository exists before the restart: the stop came too late to prove anything")
	}

	srv = startServe(t, cfg)
	all := srv.followEvents(t, id, 0, nil)
	log := eventLog(all)
	if st := completionStatus(all); st != "completed" {
		t.Fatalf("task after the restart ended %q:\n%s\nstderr:\n%s", st, log, srv.stderr.String())
	}
	if n := strings.Count(log, "Beginning step Fetch"); n != 1 {
		t.Errorf("fetch ran %d times, want 1:\n%s", n, log)
	}
	if n := strings.Count(log, "Beginning step Publish"); n != 1 {
		t.Errorf("publish ran %d times, want 1:\n%s", n, log)
	}
	if !strings.Contains(log, "The worker stopped") {
		t.Errorf("no event tells that the worker stopped:\n%s", log)
	}
	text, err := gh.ReadFile(e2eOrg, "resumed-service", "main", "catalog-info.yaml")
	if err != nil || !strings.Contains(text, "name: resumed-service") {
		t.Errorf("catalog-info.yaml in the repository: %q %v", text, err)
	}
	if st := srv.call(t, "GET", "/api/catalog/entities/by-name/component/default/resumed-service", nil, nil); st != 200 {
		t.Errorf("entity resumed-service: status %d", st)
	}
	t.Logf("events across the restart:\n%s", log)
}
