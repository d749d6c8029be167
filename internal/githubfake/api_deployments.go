package githubfake

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Deployment is a GitHub deployment of a repository with its statuses.
type Deployment struct {
	ID          int64
	Environment string // production, staging...
	Ref, SHA    string
	Created     time.Time
	// Statuses are oldest first; State is success, failure, error,
	// inactive, in_progress, queued or pending.
	Statuses []DeploymentStatus
}

// DeploymentStatus is one status of a deployment.
type DeploymentStatus struct {
	ID      int64
	State   string
	Created time.Time
}

// AddDeployment records a deployment of owner/name (IDs filled in) and
// returns it.
func (s *Server) AddDeployment(owner, name string, d Deployment) *Deployment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deployments == nil {
		s.deployments = map[string][]*Deployment{}
	}
	if d.ID == 0 {
		d.ID = s.nextID.Add(1)
	}
	if d.Environment == "" {
		d.Environment = "production"
	}
	for i := range d.Statuses {
		if d.Statuses[i].ID == 0 {
			d.Statuses[i].ID = s.nextID.Add(1)
		}
	}
	s.deployments[owner+"/"+name] = append(s.deployments[owner+"/"+name], &d)
	return &d
}

func (s *Server) deploymentRoutes() {
	s.api("GET /repos/{owner}/{repo}/deployments", s.withRepo(s.handleDeployments))
	s.api("GET /repos/{owner}/{repo}/deployments/{id}/statuses", s.withRepo(s.handleDeploymentStatuses))
}

// handleDeployments lists deployments newest first, filtered by
// ?environment, paged.
func (s *Server) handleDeployments(w http.ResponseWriter, r *http.Request, repo *Repo) {
	env := r.URL.Query().Get("environment")
	s.mu.Lock()
	var ds []*Deployment
	for _, d := range s.deployments[repo.Owner+"/"+repo.Name] {
		if env == "" || d.Environment == env {
			ds = append(ds, d)
		}
	}
	s.mu.Unlock()
	slices.SortStableFunc(ds, func(a, b *Deployment) int { return b.Created.Compare(a.Created) })
	page := paginate(w, r, ds)
	out := make([]map[string]any, 0, len(page))
	for _, d := range page {
		out = append(out, map[string]any{"id": d.ID, "environment": d.Environment, "ref": d.Ref, "sha": d.SHA,
			"task": "deploy", "created_at": d.Created.UTC().Format(time.RFC3339), "updated_at": d.Created.UTC().Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusOK, out)
}

// handleDeploymentStatuses lists a deployment's statuses newest first.
func (s *Server) handleDeploymentStatuses(w http.ResponseWriter, r *http.Request, repo *Repo) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	var found *Deployment
	for _, d := range s.deployments[repo.Owner+"/"+repo.Name] {
		if d.ID == id {
			found = d
		}
	}
	var sts []DeploymentStatus
	if found != nil {
		sts = slices.Clone(found.Statuses)
	}
	s.mu.Unlock()
	if found == nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	slices.Reverse(sts)
	page := paginate(w, r, sts)
	out := make([]map[string]any, 0, len(page))
	for _, st := range page {
		out = append(out, map[string]any{"id": st.ID, "state": st.State, "environment": found.Environment,
			"created_at": st.Created.UTC().Format(time.RFC3339), "updated_at": st.Created.UTC().Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusOK, out)
}
