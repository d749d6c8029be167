package githubfake

import (
	"fmt"
	"net/http"
)

func (s *Server) orgRoutes() {
	s.api("GET /orgs/{org}/teams", s.handleTeams)
	s.api("GET /orgs/{org}/teams/{slug}/members", s.handleTeamMembers)
	s.api("GET /orgs/{org}/teams/{slug}/repos", s.handleTeamRepos)
	s.api("GET /orgs/{org}/members", s.handleOrgMembers)
	s.api("GET /users/{login}", s.handleUserGet)
}

func (s *Server) userJSON(r *http.Request, u *User) map[string]any {
	avatar := u.AvatarURL
	if avatar == "" {
		avatar = fmt.Sprintf("http://%s/avatars/%s.png", r.Host, u.Login)
	}
	j := map[string]any{"login": u.Login, "id": u.ID, "type": "User", "avatar_url": avatar,
		"html_url": "http://" + r.Host + "/" + u.Login, "name": nil, "email": nil}
	if u.Name != "" {
		j["name"] = u.Name
	}
	if u.Email != "" {
		j["email"] = u.Email
	}
	return j
}

func teamJSON(r *http.Request, org string, t *Team, parent *Team) map[string]any {
	j := map[string]any{"id": t.ID, "slug": t.Slug, "name": t.Name, "description": t.Description,
		"privacy": "closed", "html_url": fmt.Sprintf("http://%s/orgs/%s/teams/%s", r.Host, org, t.Slug), "parent": nil}
	if parent != nil {
		j["parent"] = map[string]any{"id": parent.ID, "slug": parent.Slug, "name": parent.Name}
	}
	return j
}

// org returns the org and team (when {slug} is set) of the request, or
// answers 404.
func (s *Server) org(w http.ResponseWriter, r *http.Request) (*Org, *Team, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[r.PathValue("org")]
	if o == nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return nil, nil, false
	}
	slug := r.PathValue("slug")
	if slug == "" {
		return o, nil, true
	}
	for _, t := range o.Teams {
		if t.Slug == slug {
			return o, t, true
		}
	}
	writeErr(w, http.StatusNotFound, "Not Found")
	return nil, nil, false
}

func (s *Server) handleTeams(w http.ResponseWriter, r *http.Request) {
	o, _, ok := s.org(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	out := []map[string]any{}
	for _, t := range o.Teams {
		var parent *Team
		for _, p := range o.Teams {
			if p.Slug == t.Parent {
				parent = p
			}
		}
		out = append(out, teamJSON(r, o.Login, t, parent))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

func (s *Server) usersJSON(r *http.Request, logins []string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, l := range logins {
		u := s.users[l]
		if u == nil {
			u = &User{Login: l}
		}
		// List endpoints carry the simple user: no name or email.
		j := s.userJSON(r, &User{ID: u.ID, Login: u.Login, AvatarURL: u.AvatarURL})
		delete(j, "name")
		delete(j, "email")
		out = append(out, j)
	}
	return out
}

func (s *Server) handleTeamMembers(w http.ResponseWriter, r *http.Request) {
	_, t, ok := s.org(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, paginate(w, r, s.usersJSON(r, t.Members)))
}

func (s *Server) handleOrgMembers(w http.ResponseWriter, r *http.Request) {
	o, _, ok := s.org(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, paginate(w, r, s.usersJSON(r, o.Members)))
}

func (s *Server) handleTeamRepos(w http.ResponseWriter, r *http.Request) {
	o, t, ok := s.org(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, repo := range s.reposOf(o.Login) {
		s.mu.Lock()
		p, has := repo.Teams[t.Slug]
		s.mu.Unlock()
		if has {
			j := s.repoJSON(r, repo)
			j["role_name"] = p
			j["permissions"] = map[string]bool{"admin": p == "admin", "maintain": p == "admin" || p == "maintain",
				"push": p != "pull" && p != "triage", "triage": p != "pull", "pull": true}
			out = append(out, j)
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.users[r.PathValue("login")]
	o := s.orgs[r.PathValue("login")]
	s.mu.Unlock()
	if u == nil && o != nil {
		// /users/{org} answers for organizations too, with their type.
		writeJSON(w, http.StatusOK, map[string]any{"login": o.Login, "id": o.ID, "type": "Organization",
			"html_url": "http://" + r.Host + "/" + o.Login})
		return
	}
	if u == nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.userJSON(r, u))
}
