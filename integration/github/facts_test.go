package github_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"callboard/internal/githubfake"
)

// TestGitHubFacts: the CI facts scorecards read, against the fake GitHub.
func TestGitHubFacts(t *testing.T) {
	s, portal, _ := newTestActions(t, "")
	// Deployments: staging succeeded first, but only production counts;
	// the first production deployment failed, the second succeeded two
	// hours before t0.
	s.AddDeployment("acme", "svc", githubfake.Deployment{Environment: "staging", Created: t0.Add(-10 * time.Hour),
		Statuses: []githubfake.DeploymentStatus{{State: "success", Created: t0.Add(-10 * time.Hour)}}})
	s.AddDeployment("acme", "svc", githubfake.Deployment{Created: t0.Add(-5 * time.Hour),
		Statuses: []githubfake.DeploymentStatus{{State: "pending", Created: t0.Add(-5 * time.Hour)}, {State: "failure", Created: t0.Add(-4 * time.Hour)}}})
	s.AddDeployment("acme", "svc", githubfake.Deployment{Created: t0.Add(-3 * time.Hour),
		Statuses: []githubfake.DeploymentStatus{{State: "in_progress", Created: t0.Add(-3 * time.Hour)}, {State: "success", Created: t0.Add(-2 * time.Hour)}}})
	tests := []struct {
		ref  string
		want map[string]string // key -> value as %v; "" for absent
	}{
		// #25, the newest completed run, failed.
		{"component:default/svc", map[string]string{"ci.runs": "25", "ci.passing": "false", "ci.lastConclusion": "failure",
			"ci.lastRunAt": t0.Format(time.RFC3339), "deployments.firstProductionAt": t0.Add(-2 * time.Hour).Format(time.RFC3339)}},
		{"component:default/quiet", map[string]string{"ci.runs": "0", "ci.passing": "false", "ci.lastConclusion": "", "deployments.firstProductionAt": ""}},
		{"component:default/plain", map[string]string{"ci.runs": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			got := map[string]string{}
			for _, f := range portal.Facts(t, tc.ref) {
				if f.Source != "github" {
					t.Errorf("%s from %s", f.Key, f.Source)
				}
				if tm, ok := f.Value.(time.Time); ok {
					got[f.Key] = tm.Format(time.RFC3339)
				} else {
					got[f.Key] = fmt.Sprint(f.Value)
				}
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
	// A repository GitHub refuses fails the answer, so stored facts stay.
	s.SetActionsStatus("acme", "svc", 500)
	status, body := portal.Get(t, "/api/facts/by-name/component/default/svc", jane)
	if status != 200 || !strings.Contains(body, `"unavailable":[{"source":"github"`) {
		t.Errorf("facts of a failing repository = %d %s", status, body)
	}
}
