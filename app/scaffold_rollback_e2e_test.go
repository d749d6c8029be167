package app

import (
	"maps"
	"strings"
	"testing"
)

// TestScaffoldE2ERollback runs the brief's create-go-service where its last
// step fails (the fake answers 404 to the workflow dispatch, as GitHub does
// for a workflow the repository lacks): the repository publish:github
// created is deleted and the registration undone, each undo in the events.
// With noRollback both stay.
func TestScaffoldE2ERollback(t *testing.T) {
	gh, _, cfg := newCompatEnv(t)
	srv := startServe(t, cfg)
	path := "/api/scaffolder/v2/templates/default/template/create-go-service/parameter-schema"
	waitFor(t, "template in the catalog", func() bool { return srv.call(t, "GET", path, nil, nil) == 200 }, srv.stderr)

	run := func(name string, noRollback bool) string {
		vals := maps.Clone(compatCases()[0].values)
		vals["name"] = name
		evs := srv.followEvents(t, srv.createTask(t, "template:default/create-go-service", vals, noRollback), 0, nil)
		if st := completionStatus(evs); st != "failed" {
			t.Fatalf("%s ended %q, want failed:\n%s", name, st, eventLog(evs))
		}
		log := eventLog(evs)
		if !strings.Contains(log, "dispatch workflow init-service.yml") {
			t.Errorf("%s did not fail at the dispatch:\n%s", name, log)
		}
		return log
	}

	log := run("refund-service", false)
	for _, want := range []string{"Rolling back 3 completed step(s)", "Unregistered location", "Undid step register",
		"deleted repository my-github-org/refund-service", "Undid step publish", "Step fetch-base (fetch:template) has nothing to undo"} {
		if !strings.Contains(log, want) {
			t.Errorf("events lack %q:\n%s", want, log)
		}
	}
	if gh.Repo(e2eOrg, "refund-service") != nil {
		t.Errorf("repository refund-service still exists after the rollback")
	}
	if st := srv.call(t, "GET", "/api/catalog/entities/by-name/component/default/refund-service", nil, nil); st != 404 {
		t.Errorf("entity refund-service after the rollback: status %d, want 404", st)
	}

	log = run("refund-debug", true)
	if strings.Contains(log, "Undid") || strings.Contains(log, "Rolling back") {
		t.Errorf("noRollback rolled back:\n%s", log)
	}
	if gh.Repo(e2eOrg, "refund-debug") == nil {
		t.Errorf("repository refund-debug was deleted despite noRollback")
	}
	if st := srv.call(t, "GET", "/api/catalog/entities/by-name/component/default/refund-debug", nil, nil); st != 200 {
		t.Errorf("entity refund-debug with noRollback: status %d, want 200", st)
	}
}
