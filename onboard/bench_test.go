package onboard_test

import (
	"fmt"
	"testing"
	"time"

	"callboard/internal/githubfake"
	"callboard/onboard"
)

// BenchmarkRun200 onboards an organization of 200 repositories against the
// fake (first run: 200 pull requests; rerun: nothing to do) and reports the
// API requests per repository. The fake spawns git for each content
// request, so the time is an upper bound of our own cost; against
// github.com the --rps budget and the write pacing decide.
//
//	go test ./onboard -run '^$' -bench Run200 -benchtime 1x
func BenchmarkRun200(b *testing.B) {
	s := githubfake.NewServer(b)
	s.AddOrg(org)
	s.AddTeam(org, githubfake.Team{Slug: "core"})
	for i := range 200 {
		files := map[string]string{"main.go": "package main\n", "go.mod": "module x\n"}
		switch i % 4 {
		case 0:
			files["Dockerfile"] = "FROM x\n"
		case 1:
			files[".github/CODEOWNERS"] = "* @acme/core\n"
		case 2:
			files["mkdocs.yml"] = "site_name: x\n"
		}
		s.AddRepo(org, fmt.Sprintf("repo-%03d", i), files, githubfake.RepoOptions{Topics: []string{"team-x"}})
	}
	c := newClient(b, s, time.Minute)
	for _, phase := range []struct {
		name string
		want onboard.Action
	}{{"first", onboard.Opened}, {"rerun", onboard.Exists}} {
		b.Run(phase.name, func(b *testing.B) {
			for b.Loop() {
				before := c.Stats().Requests.Load()
				results, err := onboard.Run(b.Context(), c, onboard.Options{Org: org, Concurrency: 8, WritesPerMinute: -1, WritesPerHour: -1})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range results {
					if r.Action != phase.want && !(phase.name == "first" && r.Action == onboard.Exists) {
						b.Fatalf("%s: %s %s", r.Repo, r.Action, r.Detail)
					}
				}
				b.ReportMetric(float64(c.Stats().Requests.Load()-before)/200, "requests/repo")
			}
		})
	}
}
