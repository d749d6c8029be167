package githubfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

func (s *Server) gitRoutes() {
	s.api("GET /repos/{owner}/{repo}/contents/{path...}", s.withRepo(s.handleContents))
	s.api("PUT /repos/{owner}/{repo}/contents/{path...}", s.withRepo(s.handleContentsPut))
	s.api("GET /repos/{owner}/{repo}/git/trees/{sha...}", s.withRepo(s.handleTree))
	s.api("GET /repos/{owner}/{repo}/git/ref/{ref...}", s.withRepo(s.handleRef))
	s.api("POST /repos/{owner}/{repo}/git/refs", s.withRepo(s.handleRefCreate))
	s.api("GET /repos/{owner}/{repo}/branches/{branch}", s.withRepo(s.handleBranch))
	s.api("GET /repos/{owner}/{repo}/pulls", s.withRepo(s.handlePulls))
	s.api("POST /repos/{owner}/{repo}/pulls", s.withRepo(s.handlePullCreate))
	s.api("POST /repos/{owner}/{repo}/pulls/{number}/requested_reviewers", s.withRepo(s.handleReviewers))
}

// entry is one line of git ls-tree -l.
type entry struct {
	mode, typ, sha string
	size           int64
	path           string
}

// lsTree lists ref (recursively with -r -t) or one path of it.
func (s *Server) lsTree(gitDir, ref string, recursive bool, paths ...string) ([]entry, error) {
	args := []string{"ls-tree", "-l", "--full-tree"}
	if recursive {
		args = append(args, "-r", "-t")
	}
	args = append(args, ref, "--")
	out, err := s.rgit(gitDir, append(args, paths...)...)
	if err != nil {
		return nil, err
	}
	var es []entry
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		meta, p, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) < 4 {
			continue
		}
		size, _ := strconv.ParseInt(f[3], 10, 64)
		es = append(es, entry{mode: f[0], typ: f[1], sha: f[2], size: size, path: p})
	}
	return es, nil
}

func (s *Server) refOf(r *http.Request, repo *Repo) string {
	if ref := r.URL.Query().Get("ref"); ref != "" {
		return ref
	}
	return repo.DefaultBranch
}

// handleContents serves a file (JSON with base64 content, or the bytes
// with Accept: application/vnd.github.raw) or a directory listing.
func (s *Server) handleContents(w http.ResponseWriter, r *http.Request, repo *Repo) {
	ref, p := s.refOf(r, repo), strings.Trim(r.PathValue("path"), "/")
	if _, err := s.rgit(repo.gitDir, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		writeErr(w, http.StatusNotFound, "No commit found for the ref "+ref)
		return
	}
	if p == "" {
		s.writeDir(w, r, repo, ref, "")
		return
	}
	es, err := s.lsTree(repo.gitDir, ref, false, p)
	if err != nil || len(es) == 0 {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	e := es[0]
	if e.typ == "tree" {
		s.writeDir(w, r, repo, ref, p)
		return
	}
	body, err := s.rgit(repo.gitDir, "cat-file", "blob", e.sha)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "raw") {
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write(body)
		return
	}
	writeJSON(w, http.StatusOK, s.contentJSON(r, repo, ref, e, body))
}

func (s *Server) contentJSON(r *http.Request, repo *Repo, ref string, e entry, body []byte) map[string]any {
	base := "http://" + r.Host
	typ := "file"
	if e.typ == "tree" {
		typ = "dir"
	}
	j := map[string]any{"type": typ, "name": path.Base(e.path), "path": e.path, "sha": e.sha, "size": e.size,
		"url":          fmt.Sprintf("%s/repos/%s/%s/contents/%s?ref=%s", base, repo.Owner, repo.Name, e.path, ref),
		"html_url":     fmt.Sprintf("%s/%s/%s/blob/%s/%s", base, repo.Owner, repo.Name, ref, e.path),
		"download_url": fmt.Sprintf("%s/%s/%s/raw/%s/%s", base, repo.Owner, repo.Name, ref, e.path)}
	if body != nil {
		j["encoding"] = "base64"
		j["content"] = base64.StdEncoding.EncodeToString(body)
	}
	return j
}

func (s *Server) writeDir(w http.ResponseWriter, r *http.Request, repo *Repo, ref, dir string) {
	spec := ref
	if dir != "" {
		spec = ref + ":" + dir
	}
	es, err := s.lsTree(repo.gitDir, spec, false)
	if err != nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	out := []map[string]any{}
	for _, e := range es {
		e.path = path.Join(dir, e.path)
		out = append(out, s.contentJSON(r, repo, ref, e, nil))
	}
	writeJSON(w, http.StatusOK, out)
}

// handleContentsPut creates or updates a file with a commit on branch.
func (s *Server) handleContentsPut(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Message string `json:"message"`
		Content string `json:"content"`
		Branch  string `json:"branch"`
		SHA     string `json:"sha"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Message == "" {
		writeErr(w, http.StatusUnprocessableEntity, "Invalid request. message and content are required")
		return
	}
	body, err := base64.StdEncoding.DecodeString(in.Content)
	if err != nil {
		writeErr(w, http.StatusUnprocessableEntity, "content is not valid Base64")
		return
	}
	branch := in.Branch
	if branch == "" {
		branch = repo.DefaultBranch
	}
	p := strings.Trim(r.PathValue("path"), "/")
	status := http.StatusCreated
	if es, err := s.lsTree(repo.gitDir, branch, false, p); err == nil && len(es) > 0 {
		if in.SHA != es[0].sha {
			writeErr(w, http.StatusConflict, p+" does not match "+in.SHA)
			return
		}
		status = http.StatusOK
	}
	err = commitFiles(repo.gitDir, branch, map[string]string{p: string(body)})
	s.invalidate(repo.gitDir)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	sha, _ := s.rgit(repo.gitDir, "rev-parse", "refs/heads/"+branch)
	es, _ := s.lsTree(repo.gitDir, branch, false, p)
	var content map[string]any
	if len(es) > 0 {
		content = s.contentJSON(r, repo, branch, es[0], nil)
	}
	writeJSON(w, status, map[string]any{"content": content,
		"commit": map[string]any{"sha": strings.TrimSpace(string(sha)), "message": in.Message}})
}

// handleTree serves git/trees/{sha}, with recursive=1 the whole tree.
func (s *Server) handleTree(w http.ResponseWriter, r *http.Request, repo *Repo) {
	ref := r.PathValue("sha")
	sha, err := s.rgit(repo.gitDir, "rev-parse", "--verify", "--quiet", ref+"^{tree}")
	if err != nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	rec := r.URL.Query().Get("recursive")
	es, err := s.lsTree(repo.gitDir, ref, rec != "" && rec != "0" && rec != "false")
	if err != nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	tree := []map[string]any{}
	for _, e := range es {
		t := map[string]any{"path": e.path, "mode": e.mode, "type": e.typ, "sha": e.sha}
		if e.typ == "blob" {
			t["size"] = e.size
		}
		tree = append(tree, t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sha": strings.TrimSpace(string(sha)), "tree": tree, "truncated": false})
}

func (s *Server) handleLanguages(w http.ResponseWriter, r *http.Request, repo *Repo) {
	if repo.Languages != nil {
		writeJSON(w, http.StatusOK, repo.Languages)
		return
	}
	out := map[string]int64{}
	es, err := s.lsTree(repo.gitDir, repo.DefaultBranch, true)
	if err == nil {
		for _, e := range es {
			if lang := languages[path.Ext(e.path)]; lang != "" && e.typ == "blob" {
				out[lang] += e.size
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

var languages = map[string]string{".go": "Go", ".ts": "TypeScript", ".js": "JavaScript", ".py": "Python",
	".java": "Java", ".kt": "Kotlin", ".rs": "Rust", ".rb": "Ruby", ".tsx": "TypeScript", ".sh": "Shell"}

func (s *Server) refJSON(r *http.Request, repo *Repo, ref, sha string) map[string]any {
	return map[string]any{"ref": ref, "node_id": "REF_" + ref,
		"url":    fmt.Sprintf("http://%s/repos/%s/%s/git/%s", r.Host, repo.Owner, repo.Name, ref),
		"object": map[string]any{"type": "commit", "sha": sha}}
}

func (s *Server) handleRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	ref := "refs/" + r.PathValue("ref")
	sha, err := s.rgit(repo.gitDir, "rev-parse", "--verify", "--quiet", ref)
	if err != nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(r, repo, ref, strings.TrimSpace(string(sha))))
}

func (s *Server) handleRefCreate(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !strings.HasPrefix(in.Ref, "refs/") || strings.Count(in.Ref, "/") < 2 {
		writeErr(w, http.StatusUnprocessableEntity, "Reference name must start with 'refs/' and have at least two slashes.")
		return
	}
	if _, err := s.rgit(repo.gitDir, "rev-parse", "--verify", "--quiet", in.Ref); err == nil {
		writeErr(w, http.StatusUnprocessableEntity, "Reference already exists")
		return
	}
	_, err := git(repo.gitDir, nil, "update-ref", in.Ref, in.SHA, "")
	s.invalidate(repo.gitDir)
	if err != nil {
		writeErr(w, http.StatusUnprocessableEntity, "Object does not exist")
		return
	}
	writeJSON(w, http.StatusCreated, s.refJSON(r, repo, in.Ref, in.SHA))
}

func (s *Server) handleBranch(w http.ResponseWriter, r *http.Request, repo *Repo) {
	b := r.PathValue("branch")
	sha, err := s.rgit(repo.gitDir, "rev-parse", "--verify", "--quiet", "refs/heads/"+b)
	if err != nil {
		writeErr(w, http.StatusNotFound, "Branch not found")
		return
	}
	s.mu.Lock()
	prot := repo.Protected[b]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"name": b, "protected": prot,
		"commit": map[string]any{"sha": strings.TrimSpace(string(sha))}})
}

func (s *Server) pullJSON(r *http.Request, repo *Repo, p *Pull) map[string]any {
	base := "http://" + r.Host
	return map[string]any{"number": p.Number, "id": p.Number, "title": p.Title, "body": p.Body, "state": p.State,
		"draft": p.Draft, "user": map[string]any{"login": p.User},
		"head":       map[string]any{"ref": p.Head, "label": repo.Owner + ":" + p.Head},
		"base":       map[string]any{"ref": p.Base, "repo": s.repoJSON(r, repo)},
		"html_url":   fmt.Sprintf("%s/%s/%s/pull/%d", base, repo.Owner, repo.Name, p.Number),
		"url":        fmt.Sprintf("%s/repos/%s/%s/pulls/%d", base, repo.Owner, repo.Name, p.Number),
		"created_at": time.Now().UTC().Format(time.RFC3339)}
}

func (s *Server) handlePulls(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	head := q.Get("head") // "owner:branch"
	s.mu.Lock()
	var match []Pull
	for _, p := range s.pulls[repo.Owner+"/"+repo.Name] {
		if (state == "all" || p.State == state) && (head == "" || head == repo.Owner+":"+p.Head) {
			match = append(match, *p)
		}
	}
	s.mu.Unlock()
	out := []map[string]any{}
	for i := range match {
		out = append(out, s.pullJSON(r, repo, &match[i]))
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

func (s *Server) handlePullCreate(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Title, Body, Head, Base string
		Draft                   bool
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" || in.Head == "" || in.Base == "" {
		writeErr(w, http.StatusUnprocessableEntity, "Validation Failed: title, head and base are required")
		return
	}
	head := in.Head
	if _, b, ok := strings.Cut(head, ":"); ok {
		head = b
	}
	for _, b := range []string{head, in.Base} {
		if _, err := s.rgit(repo.gitDir, "rev-parse", "--verify", "--quiet", "refs/heads/"+b); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
				"errors": []map[string]string{{"resource": "PullRequest", "field": "head", "code": "invalid"}}})
			return
		}
	}
	s.mu.Lock()
	key := repo.Owner + "/" + repo.Name
	for _, p := range s.pulls[key] {
		if p.Head == head && p.State == "open" {
			s.mu.Unlock()
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
				"errors": []map[string]string{{"resource": "PullRequest", "code": "custom",
					"message": "A pull request already exists for " + repo.Owner + ":" + head + "."}}})
			return
		}
	}
	p := &Pull{Number: len(s.pulls[key]) + 1, Title: in.Title, Body: in.Body, Head: head, Base: in.Base,
		Draft: in.Draft, State: "open", User: loginOf(r)}
	s.pulls[key] = append(s.pulls[key], p)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.pullJSON(r, repo, p))
}

func (s *Server) handleReviewers(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var in struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	n, _ := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	var found *Pull
	for _, p := range s.pulls[repo.Owner+"/"+repo.Name] {
		if p.Number == n {
			found = p
			p.Reviewers = append(p.Reviewers, in.Reviewers...)
			p.TeamReviewers = append(p.TeamReviewers, in.TeamReviewers...)
		}
	}
	s.mu.Unlock()
	if found == nil {
		writeErr(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusCreated, s.pullJSON(r, repo, found))
}
