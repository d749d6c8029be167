package githubfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestActionsWire: the Actions endpoints answer GitHub's documented JSON:
// runs newest first with total_count and Link paging, a run, its jobs with
// steps, rerun-failed-jobs 201, and the status knob.
func TestActionsWire(t *testing.T) {
	s := NewServer(t)
	s.AddRepo("acme", "svc", map[string]string{"README.md": "x"}, RepoOptions{})
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var last *Run
	for i := 0; i < 3; i++ {
		last = s.AddRun("acme", "svc", Run{Workflow: "CI", Branch: "main", SHA: strings.Repeat("a", 40), Conclusion: "failure", Actor: "octocat",
			Started: start, Jobs: []*Job{{Name: "test", Status: "completed", Conclusion: "failure", Steps: []Step{{Name: "go test", Status: "completed", Conclusion: "failure"}}}}})
	}
	resp, body := get(t, s, "/repos/acme/svc/actions/runs?per_page=2&page=1", Token)
	var runs struct {
		TotalCount int `json:"total_count"`
		Runs       []struct {
			ID         int64  `json:"id"`
			Name       string `json:"name"`
			RunNumber  int    `json:"run_number"`
			Status     string `json:"status"`
			Conclusion string `json:"conclusion"`
			Actor      struct {
				Login string `json:"login"`
			} `json:"actor"`
		} `json:"workflow_runs"`
	}
	if err := json.Unmarshal(body, &runs); err != nil {
		t.Fatal(err)
	}
	if runs.TotalCount != 3 || len(runs.Runs) != 2 || runs.Runs[0].RunNumber != 3 || runs.Runs[0].Name != "CI" ||
		runs.Runs[0].Conclusion != "failure" || runs.Runs[0].Actor.Login != "octocat" || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Errorf("runs page 1 = %s (Link %q)", body, resp.Header.Get("Link"))
	}
	id := strconv.FormatInt(last.ID, 10)
	if resp, body := get(t, s, "/repos/acme/svc/actions/runs/"+id+"/jobs", Token); resp.StatusCode != 200 ||
		!strings.Contains(string(body), `"total_count":1`) || !strings.Contains(string(body), `"steps":[{`) || !strings.Contains(string(body), `"name":"go test"`) {
		t.Errorf("jobs = %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", s.URL+"/repos/acme/svc/actions/runs/"+id+"/rerun-failed-jobs", nil)
	req.Header.Set("Authorization", "token "+Token)
	post, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusCreated || len(s.Reruns("acme", "svc")) != 1 {
		t.Errorf("rerun-failed-jobs: %d, reruns %v", post.StatusCode, s.Reruns("acme", "svc"))
	}
	for _, tc := range []struct {
		name   string
		status int
	}{{"bad credentials", 401}, {"not found", 404}, {"rate limited", 429}} {
		t.Run(tc.name, func(t *testing.T) {
			s.SetActionsStatus("acme", "svc", tc.status)
			if resp, _ := get(t, s, "/repos/acme/svc/actions/runs/"+id, Token); resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}
