package githubfake

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// routes registers the REST API (paths as on api.github.com).
func (s *Server) routes() {
	s.api("GET /user", s.handleUser)
	s.api("GET /rate_limit", s.handleRateLimit)
	s.api("GET /orgs/{org}/repos", s.handleOrgRepos)
	s.api("GET /users/{user}/repos", s.handleOrgRepos)
	s.api("GET /installation/repositories", s.handleInstallationRepos)
	s.api("POST /orgs/{org}/repos", s.handleCreateRepo)
	s.api("POST /user/repos", s.handleCreateRepo)
	s.api("GET /repos/{owner}/{repo}", s.withRepo(s.handleRepo))
	s.api("PATCH /repos/{owner}/{repo}", s.withRepo(s.handleRepoEdit))
	s.api("DELETE /repos/{owner}/{repo}", s.withRepo(s.handleRepoDelete))
	s.api("GET /repos/{owner}/{repo}/languages", s.withRepo(s.handleLanguages))
	s.api("GET /repos/{owner}/{repo}/topics", s.withRepo(s.handleTopics))
	s.api("PUT /repos/{owner}/{repo}/topics", s.withRepo(s.handleTopicsSet))
	s.api("GET /repos/{owner}/{repo}/teams", s.withRepo(s.handleRepoTeams))
	s.api("GET /repos/{owner}/{repo}/collaborators", s.withRepo(s.handleCollaborators))
	s.api("PUT /repos/{owner}/{repo}/collaborators/{user}", s.withRepo(s.handleCollaboratorAdd))
	s.api("PUT /orgs/{org}/teams/{slug}/repos/{owner}/{repo}", s.withRepo(s.handleTeamRepoAdd))
	s.api("PUT /repos/{owner}/{repo}/branches/{branch}/protection", s.withRepo(s.handleProtect))
	s.api("POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", s.withRepo(s.handleDispatch))
	s.actionsRoutes()
	s.deploymentRoutes()
	s.gitRoutes()
	s.orgRoutes()
	s.appRoutes()
}

// withRepo resolves {owner}/{repo} or answers 404 as GitHub does.
func (s *Server) withRepo(h func(w http.ResponseWriter, r *http.Request, repo *Repo)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		repo := s.Repo(r.PathValue("owner"), r.PathValue("repo"))
		if repo == nil {
			writeErr(w, http.StatusNotFound, "Not Found")
			return
		}
		s.mu.Lock()
		failing := repo.Failing
		s.mu.Unlock()
		if failing {
			writeErr(w, http.StatusBadGateway, "Server Error")
			return
		}
		h(w, r, repo)
	}
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.users[loginOf(r)]
	s.mu.Unlock()
	if u == nil {
		writeErr(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(r, u))
}

func (s *Server) handleRateLimit(w http.ResponseWriter, r *http.Request) {
	core := map[string]any{"limit": w.Header().Get("X-RateLimit-Limit"), "remaining": w.Header().Get("X-RateLimit-Remaining"),
		"reset": w.Header().Get("X-RateLimit-Reset"), "used": w.Header().Get("X-RateLimit-Used")}
	writeJSON(w, http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
}

// repoJSON is GitHub's full repository object (the fields clients read).
func (s *Server) repoJSON(r *http.Request, repo *Repo) map[string]any {
	base := "http://" + r.Host
	html := base + "/" + repo.Owner + "/" + repo.Name
	topics := repo.Topics
	if topics == nil {
		topics = []string{}
	}
	return map[string]any{
		"id": repo.ID, "node_id": "R_" + repo.Name, "name": repo.Name, "full_name": repo.Owner + "/" + repo.Name,
		"owner":   map[string]any{"login": repo.Owner, "id": 1, "type": s.ownerType(repo.Owner)},
		"private": repo.Private, "visibility": repo.Visibility, "archived": repo.Archived, "disabled": false,
		"fork": repo.Fork, "topics": topics, "default_branch": repo.DefaultBranch,
		"description": repo.Description, "homepage": repo.Homepage,
		"html_url": html, "clone_url": html + ".git", "git_url": html + ".git",
		"url":        base + "/repos/" + repo.Owner + "/" + repo.Name,
		"created_at": repo.CreatedAt.Format("2006-01-02T15:04:05Z"), "pushed_at": repo.CreatedAt.Format("2006-01-02T15:04:05Z"),
	}
}

func (s *Server) ownerType(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orgs[login] != nil {
		return "Organization"
	}
	return "User"
}

// reposOf returns the repositories of owner sorted by name.
func (s *Server) reposOf(owner string) []*Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Repo
	for _, r := range s.repos {
		if owner == "" || strings.EqualFold(r.Owner, owner) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Owner+"/"+out[i].Name < out[j].Owner+"/"+out[j].Name })
	return out
}

func (s *Server) handleOrgRepos(w http.ResponseWriter, r *http.Request) {
	owner := r.PathValue("org") + r.PathValue("user")
	s.mu.Lock()
	_, isOrg := s.orgs[owner]
	_, isUser := s.users[owner]
	s.mu.Unlock()
	if !isOrg && !isUser {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	var out []map[string]any
	for _, repo := range paginate(w, r, s.reposOf(owner)) {
		out = append(out, s.repoJSON(r, repo))
	}
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleInstallationRepos lists the repositories of the installation the
// token was issued for: those of its account.
func (s *Server) handleInstallationRepos(w http.ResponseWriter, r *http.Request) {
	_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	id, ok := s.instTokens[token]
	account := ""
	for _, a := range s.apps {
		for _, in := range a.Installations {
			if in.ID == id {
				account = in.Account
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		writeErr(w, http.StatusForbidden, "This endpoint requires an installation token")
		return
	}
	all := s.reposOf(account)
	out := []map[string]any{}
	for _, repo := range paginate(w, r, all) {
		out = append(out, s.repoJSON(r, repo))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(all), "repositories": out})
}

func (s *Server) handleCreateRepo(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Homepage    string `json:"homepage"`
		Private     *bool  `json:"private"`
		Visibility  string `json:"visibility"`
		AutoInit    bool   `json:"auto_init"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" {
		writeErr(w, http.StatusUnprocessableEntity, "Invalid request. name is required")
		return
	}
	owner := r.PathValue("org")
	if owner == "" {
		owner = loginOf(r)
	} else {
		s.mu.Lock()
		_, ok := s.orgs[owner]
		s.mu.Unlock()
		if !ok {
			writeErr(w, http.StatusNotFound, "Not Found")
			return
		}
	}
	if s.Repo(owner, in.Name) != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Repository creation failed.",
			"errors": []map[string]string{{"resource": "Repository", "code": "custom", "field": "name",
				"message": "name already exists on this account"}}})
		return
	}
	vis := in.Visibility
	if vis == "" {
		vis = "public"
		if in.Private != nil && *in.Private {
			vis = "private"
		}
	}
	repo := s.newRepo(owner, in.Name, RepoOptions{Description: in.Description, Visibility: vis})
	repo.Homepage = in.Homepage
	defer s.invalidate(repo.gitDir)
	if err := initBare(repo.gitDir); err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	if in.AutoInit {
		if err := commitFiles(repo.gitDir, repo.DefaultBranch, map[string]string{"README.md": "# " + in.Name + "\n"}); err != nil {
			writeErr(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	writeJSON(w, http.StatusCreated, s.repoJSON(r, repo))
}

func (s *Server) handleRepo(w http.ResponseWriter, r *http.Request, repo *Repo) {
	writeJSON(w, http.StatusOK, s.repoJSON(r, repo))
}

func (s *Server) handleRepoEdit(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeErr(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.mu.Lock()
	if v, ok := in["description"].(string); ok {
		repo.Description = v
	}
	if v, ok := in["archived"].(bool); ok {
		repo.Archived = v
	}
	if v, ok := in["default_branch"].(string); ok {
		repo.DefaultBranch = v
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.repoJSON(r, repo))
}

func (s *Server) handleRepoDelete(w http.ResponseWriter, r *http.Request, repo *Repo) {
	s.DeleteRepo(repo.Owner, repo.Name)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTopics(w http.ResponseWriter, r *http.Request, repo *Repo) {
	topics := repo.Topics
	if topics == nil {
		topics = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"names": topics})
}

func (s *Server) handleTopicsSet(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Names []string `json:"names"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeErr(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.mu.Lock()
	repo.Topics = in.Names
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"names": in.Names})
}

func (s *Server) handleRepoTeams(w http.ResponseWriter, r *http.Request, repo *Repo) {
	s.mu.Lock()
	var out []map[string]any
	if o := s.orgs[repo.Owner]; o != nil {
		for _, t := range o.Teams {
			if p, ok := repo.Teams[t.Slug]; ok {
				j := teamJSON(r, o.Login, t, nil)
				j["permission"] = p
				out = append(out, j)
			}
		}
	}
	s.mu.Unlock()
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

func (s *Server) handleCollaborators(w http.ResponseWriter, r *http.Request, repo *Repo) {
	s.mu.Lock()
	var logins []string
	for l := range repo.Collaborators {
		logins = append(logins, l)
	}
	sort.Strings(logins)
	out := []map[string]any{}
	for _, l := range logins {
		p := repo.Collaborators[l]
		out = append(out, map[string]any{"login": l, "role_name": p, "permissions": map[string]bool{
			"admin": p == "admin", "maintain": p == "admin" || p == "maintain", "push": p != "pull" && p != "triage", "pull": true}})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

var permissions = map[string]bool{"pull": true, "triage": true, "push": true, "maintain": true, "admin": true}

func (s *Server) handleCollaboratorAdd(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Permission string `json:"permission"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	if in.Permission == "" {
		in.Permission = "push"
	}
	if !permissions[in.Permission] {
		writeErr(w, http.StatusUnprocessableEntity, "Validation Failed: permission")
		return
	}
	s.mu.Lock()
	_, known := s.users[r.PathValue("user")]
	if known {
		repo.Collaborators[r.PathValue("user")] = in.Permission
	}
	s.mu.Unlock()
	if !known {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": 1, "permissions": in.Permission})
}

func (s *Server) handleTeamRepoAdd(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Permission string `json:"permission"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	if in.Permission == "" {
		in.Permission = "push"
	}
	s.mu.Lock()
	found := false
	if o := s.orgs[r.PathValue("org")]; o != nil {
		for _, t := range o.Teams {
			if t.Slug == r.PathValue("slug") {
				found = true
				repo.Teams[t.Slug] = in.Permission
			}
		}
	}
	s.mu.Unlock()
	if !found || !permissions[in.Permission] {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleProtect(w http.ResponseWriter, r *http.Request, repo *Repo) {
	s.mu.Lock()
	repo.Protected[r.PathValue("branch")] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"url": s.URL + r.URL.Path})
}

func (s *Server) handleDispatch(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Ref    string         `json:"ref"`
		Inputs map[string]any `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Ref == "" {
		writeErr(w, http.StatusUnprocessableEntity, "Invalid request. \"ref\" wasn't supplied.")
		return
	}
	wf := r.PathValue("workflow")
	s.mu.Lock()
	shared := s.workflows[repo.Owner+"/"+wf]
	s.mu.Unlock()
	if _, err := s.rgit(repo.gitDir, "cat-file", "-e", in.Ref+":.github/workflows/"+wf); err != nil && !isNumeric(wf) && !shared {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	s.dispatches = append(s.dispatches, Dispatch{Owner: repo.Owner, Repo: repo.Name, Workflow: wf, Ref: in.Ref, Inputs: in.Inputs})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func isNumeric(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
