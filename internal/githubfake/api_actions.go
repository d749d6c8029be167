package githubfake

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Run is a GitHub Actions workflow run with its jobs.
type Run struct {
	ID          int64
	Workflow    string // the workflow's name ("CI")
	Path        string // .github/workflows/ci.yaml
	Title       string // display_title: the head commit's message or the PR title
	Branch, SHA string
	Event       string // push, pull_request, workflow_dispatch...
	// Status is queued, in_progress or completed; Conclusion (for
	// completed runs) success, failure, cancelled, skipped...
	Status, Conclusion string
	Actor              string
	Number, Attempt    int
	Started, Updated   time.Time
	Jobs               []*Job
}

// Job is a job of a workflow run.
type Job struct {
	ID                 int64
	Name               string
	Status, Conclusion string
	Started, Completed time.Time
	Steps              []Step
}

// Step is a step of a job.
type Step struct {
	Name               string
	Status, Conclusion string
	Started, Completed time.Time
}

// AddRun records a workflow run of owner/name, newer than those added
// before (the list answers newest first); IDs, numbers and defaults are
// filled in. It returns the run.
func (s *Server) AddRun(owner, name string, run Run) *Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := owner + "/" + name
	if s.runs == nil {
		s.runs = map[string][]*Run{}
	}
	r := run
	if r.ID == 0 {
		r.ID = s.nextID.Add(1)
	}
	if r.Number == 0 {
		r.Number = len(s.runs[key]) + 1
	}
	if r.Attempt == 0 {
		r.Attempt = 1
	}
	if r.Event == "" {
		r.Event = "push"
	}
	if r.Status == "" {
		r.Status = "completed"
	}
	if r.Updated.IsZero() {
		r.Updated = r.Started
	}
	for _, j := range r.Jobs {
		if j.ID == 0 {
			j.ID = s.nextID.Add(1)
		}
	}
	s.runs[key] = append(s.runs[key], &r)
	return &r
}

// Reruns lists the runs of owner/name whose failed jobs were re-run
// (POST .../rerun-failed-jobs), in order.
func (s *Server) Reruns(owner, name string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.reruns[owner+"/"+name]...)
}

// SetActionsStatus makes every Actions request about owner/name answer
// status as GitHub does: 401 Bad credentials, 403 Resource not accessible
// by integration, 404 Not Found, 429 a secondary rate limit whose
// Retry-After (an hour) is longer than clients wait; 0 answers normally.
func (s *Server) SetActionsStatus(owner, name string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.actionsStatus == nil {
		s.actionsStatus = map[string]int{}
	}
	s.actionsStatus[owner+"/"+name] = status
}

func (s *Server) actionsRoutes() {
	s.api("GET /repos/{owner}/{repo}/actions/runs", s.withActions(s.handleRuns))
	s.api("GET /repos/{owner}/{repo}/actions/runs/{id}", s.withActions(s.withRun(s.handleRun)))
	s.api("GET /repos/{owner}/{repo}/actions/runs/{id}/jobs", s.withActions(s.withRun(s.handleJobs)))
	s.api("POST /repos/{owner}/{repo}/actions/runs/{id}/rerun-failed-jobs", s.withActions(s.withRun(s.handleRerunFailed)))
}

// withActions answers the status SetActionsStatus set, or resolves the
// repository.
func (s *Server) withActions(h func(w http.ResponseWriter, r *http.Request, repo *Repo)) http.HandlerFunc {
	inner := s.withRepo(h)
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		status := s.actionsStatus[r.PathValue("owner")+"/"+r.PathValue("repo")]
		s.mu.Unlock()
		switch status {
		case 0:
			inner(w, r)
		case http.StatusUnauthorized:
			writeErr(w, status, "Bad credentials")
		case http.StatusForbidden:
			writeErr(w, status, "Resource not accessible by integration")
		case http.StatusNotFound:
			writeErr(w, status, "Not Found")
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "3600")
			writeErr(w, status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
		default:
			writeErr(w, status, http.StatusText(status))
		}
	}
}

// withRun resolves {id} to a run of the repository or answers 404.
func (s *Server) withRun(h func(w http.ResponseWriter, r *http.Request, repo *Repo, run *Run)) func(http.ResponseWriter, *http.Request, *Repo) {
	return func(w http.ResponseWriter, r *http.Request, repo *Repo) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		s.mu.Lock()
		var found *Run
		for _, run := range s.runs[repo.Owner+"/"+repo.Name] {
			if run.ID == id {
				found = run
			}
		}
		s.mu.Unlock()
		if found == nil {
			writeErr(w, http.StatusNotFound, "Not Found")
			return
		}
		h(w, r, repo, found)
	}
}

// handleRuns lists runs newest first, filtered by ?branch, ?status and
// ?event, paged, with total_count as GitHub's list has it.
func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	s.mu.Lock()
	var runs []*Run
	for _, run := range s.runs[repo.Owner+"/"+repo.Name] {
		if (q.Get("branch") == "" || q.Get("branch") == run.Branch) &&
			(q.Get("event") == "" || q.Get("event") == run.Event) &&
			(q.Get("status") == "" || q.Get("status") == run.Status || q.Get("status") == run.Conclusion) {
			runs = append(runs, run)
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Number > runs[j].Number })
	page := paginate(w, r, runs)
	out := make([]map[string]any, 0, len(page))
	for _, run := range page {
		out = append(out, s.runJSON(r, repo, run))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(runs), "workflow_runs": out})
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request, repo *Repo, run *Run) {
	s.mu.Lock()
	out := s.runJSON(r, repo, run)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request, repo *Repo, run *Run) {
	s.mu.Lock()
	jobs := append([]*Job(nil), run.Jobs...)
	page := paginate(w, r, jobs)
	out := make([]map[string]any, 0, len(page))
	for _, j := range page {
		out = append(out, s.jobJSON(r, repo, run, j))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(jobs), "jobs": out})
}

// handleRerunFailed queues the run's failed and cancelled jobs again, as a
// new attempt; GitHub answers 201 with an empty object, and 403 for a run
// that is not completed.
func (s *Server) handleRerunFailed(w http.ResponseWriter, r *http.Request, repo *Repo, run *Run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if run.Status != "completed" {
		writeErr(w, http.StatusForbidden, "This workflow run is not completed")
		return
	}
	key := repo.Owner + "/" + repo.Name
	if s.reruns == nil {
		s.reruns = map[string][]int64{}
	}
	s.reruns[key] = append(s.reruns[key], run.ID)
	run.Attempt++
	run.Status, run.Conclusion = "queued", ""
	for _, j := range run.Jobs {
		if j.Conclusion == "failure" || j.Conclusion == "cancelled" || j.Conclusion == "timed_out" {
			j.Status, j.Conclusion = "queued", ""
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{})
}

// runJSON is GitHub's workflow run object; the caller holds s.mu.
func (s *Server) runJSON(r *http.Request, repo *Repo, run *Run) map[string]any {
	api := "http://" + r.Host + "/repos/" + repo.Owner + "/" + repo.Name
	html := "http://" + r.Host + "/" + repo.Owner + "/" + repo.Name
	runURL := api + "/actions/runs/" + strconv.FormatInt(run.ID, 10)
	var conclusion any
	if run.Conclusion != "" {
		conclusion = run.Conclusion
	}
	actor := s.actorJSON(r, run.Actor)
	return map[string]any{
		"id": run.ID, "name": run.Workflow, "node_id": "WFR_" + strconv.FormatInt(run.ID, 10),
		"head_branch": run.Branch, "head_sha": run.SHA, "path": run.Path, "display_title": run.Title,
		"run_number": run.Number, "run_attempt": run.Attempt, "event": run.Event,
		"status": run.Status, "conclusion": conclusion, "workflow_id": 161335,
		"url": runURL, "html_url": html + "/actions/runs/" + strconv.FormatInt(run.ID, 10),
		"created_at": ts(run.Started), "updated_at": ts(run.Updated), "run_started_at": ts(run.Started),
		"jobs_url": runURL + "/jobs", "logs_url": runURL + "/logs", "rerun_url": runURL + "/rerun",
		"cancel_url": runURL + "/cancel", "workflow_url": api + "/actions/workflows/161335",
		"actor": actor, "triggering_actor": actor,
		"head_commit": map[string]any{"id": run.SHA, "tree_id": run.SHA, "message": run.Title, "timestamp": ts(run.Started),
			"author": map[string]any{"name": run.Actor, "email": run.Actor + "@users.noreply.github.com"}},
		"repository": map[string]any{"id": repo.ID, "name": repo.Name, "full_name": repo.Owner + "/" + repo.Name, "html_url": html},
	}
}

// jobJSON is GitHub's workflow job object; the caller holds s.mu.
func (s *Server) jobJSON(r *http.Request, repo *Repo, run *Run, j *Job) map[string]any {
	api := "http://" + r.Host + "/repos/" + repo.Owner + "/" + repo.Name
	html := "http://" + r.Host + "/" + repo.Owner + "/" + repo.Name
	steps := make([]map[string]any, 0, len(j.Steps))
	for i, st := range j.Steps {
		steps = append(steps, map[string]any{"name": st.Name, "status": st.Status, "conclusion": nullable(st.Conclusion),
			"number": i + 1, "started_at": tsOrNull(st.Started), "completed_at": tsOrNull(st.Completed)})
	}
	return map[string]any{
		"id": j.ID, "run_id": run.ID, "run_url": api + "/actions/runs/" + strconv.FormatInt(run.ID, 10),
		"node_id": "CR_" + strconv.FormatInt(j.ID, 10), "head_sha": run.SHA, "head_branch": run.Branch,
		"url":      api + "/actions/jobs/" + strconv.FormatInt(j.ID, 10),
		"html_url": html + "/actions/runs/" + strconv.FormatInt(run.ID, 10) + "/job/" + strconv.FormatInt(j.ID, 10),
		"status":   j.Status, "conclusion": nullable(j.Conclusion), "created_at": ts(run.Started),
		"started_at": tsOrNull(j.Started), "completed_at": tsOrNull(j.Completed), "name": j.Name, "steps": steps,
		"check_run_url": api + "/check-runs/" + strconv.FormatInt(j.ID, 10), "labels": []string{"ubuntu-latest"},
		"runner_name": "GitHub Actions 1", "run_attempt": run.Attempt, "workflow_name": run.Workflow,
	}
}

// actorJSON is the simple user object of a run's actor; the caller holds s.mu.
func (s *Server) actorJSON(r *http.Request, login string) map[string]any {
	if u := s.users[login]; u != nil {
		return s.userJSON(r, u)
	}
	return map[string]any{"login": login, "id": 1, "type": "User", "html_url": "http://" + r.Host + "/" + login,
		"avatar_url": "http://" + r.Host + "/avatars/" + login}
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
