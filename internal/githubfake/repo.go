package githubfake

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Repo is a repository: GitHub's metadata plus a bare git repository.
type Repo struct {
	ID            int64
	Owner, Name   string
	Description   string
	Private       bool
	Visibility    string // public, private or internal
	Archived      bool
	Fork          bool
	Topics        []string
	DefaultBranch string
	Homepage      string
	Languages     map[string]int // bytes per language; nil: guessed from files
	// Teams maps team slug -> permission (pull, triage, push, maintain, admin).
	Teams map[string]string
	// Collaborators maps login -> permission.
	Collaborators map[string]string
	// Protected lists branches with protection rules.
	Protected map[string]bool
	CreatedAt time.Time
	// Failing makes every API request about the repository answer 502.
	Failing bool
	gitDir  string
}

// RepoOptions are AddRepo's optional settings.
type RepoOptions struct {
	Description   string
	Visibility    string // default public
	Archived      bool
	Fork          bool
	Topics        []string
	DefaultBranch string // default main
	Languages     map[string]int
}

// Org is an organization with its teams and members.
type Org struct {
	Login   string
	ID      int64
	Members []string // logins
	Teams   []*Team
}

// Team is a team of an organization.
type Team struct {
	ID          int64
	Slug, Name  string
	Description string
	Parent      string   // parent team slug
	Members     []string // logins
}

// User is a GitHub user.
type User struct {
	ID                 int64
	Login, Name, Email string
	AvatarURL          string
}

// Pull is a pull request.
type Pull struct {
	Number        int
	Title         string
	Body          string
	Head, Base    string
	Draft         bool
	State         string
	User          string
	Reviewers     []string
	TeamReviewers []string
}

// Dispatch is a recorded workflow_dispatch.
type Dispatch struct {
	Owner, Repo, Workflow, Ref string
	Inputs                     map[string]any
}

// AddRepo creates owner/name with files committed on the default branch
// (one commit) and returns it. It fails the test on a git error.
func (s *Server) AddRepo(owner, name string, files map[string]string, opts RepoOptions) *Repo {
	s.t.Helper()
	r := s.newRepo(owner, name, opts)
	defer s.invalidate(r.gitDir)
	if err := initBare(r.gitDir); err != nil {
		s.t.Fatalf("githubfake: %v", err)
	}
	if len(files) > 0 {
		if err := commitFiles(r.gitDir, r.DefaultBranch, files); err != nil {
			s.t.Fatalf("githubfake: %v", err)
		}
	}
	return r
}

// newRepo registers the metadata of a repository (no git calls).
func (s *Server) newRepo(owner, name string, opts RepoOptions) *Repo {
	if opts.DefaultBranch == "" {
		opts.DefaultBranch = "main"
	}
	if opts.Visibility == "" {
		opts.Visibility = "public"
	}
	r := &Repo{ID: s.nextID.Add(1), Owner: owner, Name: name, Description: opts.Description,
		Visibility: opts.Visibility, Private: opts.Visibility != "public", Archived: opts.Archived,
		Fork: opts.Fork, Topics: opts.Topics, DefaultBranch: opts.DefaultBranch, Languages: opts.Languages,
		Teams: map[string]string{}, Collaborators: map[string]string{}, Protected: map[string]bool{},
		CreatedAt: time.Now().UTC(), gitDir: filepath.Join(s.dir, owner, name+".git")}
	s.mu.Lock()
	s.repos[owner+"/"+name] = r
	s.mu.Unlock()
	return r
}

// SetFailing makes API requests about owner/name fail (502) or work again.
func (s *Server) SetFailing(owner, name string, failing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[owner+"/"+name]; r != nil {
		r.Failing = failing
	}
}

// Edit changes owner/name's metadata under the server's lock.
func (s *Server) Edit(owner, name string, f func(*Repo)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[owner+"/"+name]; r != nil {
		f(r)
	}
}

// Repo returns owner/name, or nil.
func (s *Server) Repo(owner, name string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[owner+"/"+name]
}

// DeleteRepo removes a repository, as deleting it on GitHub would.
func (s *Server) DeleteRepo(owner, name string) {
	s.mu.Lock()
	r := s.repos[owner+"/"+name]
	delete(s.repos, owner+"/"+name)
	s.mu.Unlock()
	if r != nil {
		_ = os.RemoveAll(r.gitDir)
		s.invalidate(r.gitDir)
	}
}

// Commit adds a commit with files (path -> content; "" deletes) on branch
// of owner/name and returns its hash.
func (s *Server) Commit(owner, name, branch string, files map[string]string) string {
	s.t.Helper()
	r := s.Repo(owner, name)
	if r == nil {
		s.t.Fatalf("githubfake: no repository %s/%s", owner, name)
	}
	err := commitFiles(r.gitDir, branch, files)
	s.invalidate(r.gitDir)
	if err != nil {
		s.t.Fatalf("githubfake: %v", err)
	}
	sha, err := git(r.gitDir, nil, "rev-parse", "refs/heads/"+branch)
	if err != nil {
		s.t.Fatalf("githubfake: %v", err)
	}
	return strings.TrimSpace(string(sha))
}

// ReadFile returns a file of owner/name at ref (a branch, tag or commit).
func (s *Server) ReadFile(owner, name, ref, path string) (string, error) {
	r := s.Repo(owner, name)
	if r == nil {
		return "", fmt.Errorf("no repository %s/%s", owner, name)
	}
	b, err := git(r.gitDir, nil, "cat-file", "blob", ref+":"+path)
	return string(b), err
}

// AddOrg creates an organization with members.
func (s *Server) AddOrg(login string, members ...string) *Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &Org{Login: login, ID: s.nextID.Add(1), Members: members}
	s.orgs[login] = o
	for _, m := range members {
		if s.users[m] == nil {
			s.users[m] = &User{Login: m, ID: s.nextID.Add(1)}
		}
	}
	return o
}

// AddUser adds or replaces a user.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 {
		u.ID = s.nextID.Add(1)
	}
	s.users[u.Login] = &u
}

// AddTeam adds a team to an organization.
func (s *Server) AddTeam(org string, t Team) *Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[org]
	if o == nil {
		s.t.Fatalf("githubfake: no org %s", org)
	}
	t.ID = s.nextID.Add(1)
	if t.Name == "" {
		t.Name = t.Slug
	}
	o.Teams = append(o.Teams, &t)
	return &t
}

// Pulls returns the pull requests of owner/name.
func (s *Server) Pulls(owner, name string) []Pull {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pull
	for _, p := range s.pulls[owner+"/"+name] {
		out = append(out, *p)
	}
	return out
}

// AddWorkflow makes workflow file dispatchable in every repository of
// owner without the file being in it, as an organization's required
// workflows are; other missing workflows answer 404, as on GitHub.
func (s *Server) AddWorkflow(owner, file string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workflows[owner+"/"+file] = true
}

// Dispatches returns the recorded workflow dispatches.
func (s *Server) Dispatches() []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Dispatch(nil), s.dispatches...)
}

// Repos returns "owner/name" of every repository, sorted.
func (s *Server) Repos() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.repos {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func initBare(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	out, err := exec.Command("git", "init", "--quiet", "--bare", dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("git init %s: %v: %s", dir, err, out)
	}
	// Pushes over smart HTTP need receive-pack enabled.
	_, err = git(dir, nil, "config", "http.receivepack", "true")
	return err
}

// commitFiles writes one commit on branch with git fast-import: one
// process per commit, so that hundreds of repositories set up quickly.
func commitFiles(gitDir, branch string, files map[string]string) error {
	var b bytes.Buffer
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	ref := "refs/heads/" + branch
	fmt.Fprintf(&b, "commit %s\ncommitter Fake <fake@example.com> %d +0000\ndata 7\nupdate\n", ref, time.Now().Unix())
	if _, err := git(gitDir, nil, "rev-parse", "--verify", "--quiet", ref); err == nil {
		fmt.Fprintf(&b, "from %s^0\n", ref)
	}
	for _, p := range paths {
		if files[p] == "" {
			fmt.Fprintf(&b, "D %s\n", p)
			continue
		}
		fmt.Fprintf(&b, "M 100644 inline %s\ndata %d\n%s\n", p, len(files[p]), files[p])
	}
	_, err := git(gitDir, &b, "fast-import", "--quiet")
	if err != nil {
		return err
	}
	// HEAD of a new repository points at its default branch.
	if _, err := git(gitDir, nil, "rev-parse", "--verify", "--quiet", "HEAD"); err != nil {
		_, err = git(gitDir, nil, "symbolic-ref", "HEAD", ref)
		return err
	}
	return nil
}

// git runs git against a bare repository.
func git(gitDir string, stdin *bytes.Buffer, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"--git-dir", gitDir}, args...)...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// serveGit serves /{owner}/{repo}.git/... with git http-backend. Pushes
// need a valid token as the Basic password (x-access-token:<token>);
// clones of private repositories too.
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	if len(parts) < 2 {
		http.NotFound(w, r)
		return
	}
	repo := s.Repo(parts[0], strings.TrimSuffix(parts[1], ".git"))
	if repo == nil {
		http.NotFound(w, r)
		return
	}
	push := r.URL.Query().Get("service") == "git-receive-pack" || strings.HasSuffix(r.URL.Path, "/git-receive-pack")
	if push || repo.Private {
		_, pw, _ := r.BasicAuth()
		s.mu.Lock()
		_, okUser := s.tokens[pw]
		_, okInst := s.instTokens[pw]
		s.mu.Unlock()
		if !okUser && !okInst {
			w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
	}
	h := &cgi.Handler{
		Path: gitHTTPBackend(),
		Root: "/",
		Env: []string{"GIT_PROJECT_ROOT=" + s.dir, "GIT_HTTP_EXPORT_ALL=1",
			"REMOTE_USER=fake"},
	}
	h.ServeHTTP(w, r)
	if push {
		s.invalidate(repo.gitDir)
	}
}

func gitHTTPBackend() string {
	out, err := exec.Command("git", "--exec-path").Output()
	if err == nil {
		return filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	}
	return "/usr/lib/git-core/git-http-backend"
}

// gitCache remembers the output of read-only git commands per repository
// until the repository changes: a loaded machine spends tens of
// milliseconds on each git process, and discovery asks the same questions
// run after run.
type gitCache struct {
	mu   sync.Mutex
	gen  map[string]int
	vals map[string]gitResult
}

type gitResult struct {
	out []byte
	err error
}

// rgit runs a read-only git command, from the cache when the repository
// has not changed since.
func (s *Server) rgit(gitDir string, args ...string) ([]byte, error) {
	c := &s.cache
	c.mu.Lock()
	if c.vals == nil {
		c.gen, c.vals = map[string]int{}, map[string]gitResult{}
	}
	key := fmt.Sprintf("%s\x00%d\x00%s", gitDir, c.gen[gitDir], strings.Join(args, "\x00"))
	r, ok := c.vals[key]
	c.mu.Unlock()
	if ok {
		return r.out, r.err
	}
	out, err := git(gitDir, nil, args...)
	c.mu.Lock()
	c.vals[key] = gitResult{out, err}
	c.mu.Unlock()
	return out, err
}

// invalidate forgets what rgit knows about a repository.
func (s *Server) invalidate(gitDir string) {
	c := &s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == nil {
		c.gen, c.vals = map[string]int{}, map[string]gitResult{}
	}
	c.gen[gitDir]++
	for k := range c.vals {
		if strings.HasPrefix(k, gitDir+"\x00") {
			delete(c.vals, k)
		}
	}
}
