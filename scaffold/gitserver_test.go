package scaffold_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"callboard/internal/githttptest"
)

// gitServer is a smart-HTTP git server (git http-backend behind
// net/http/cgi) over bare repositories in a temp dir, which also serves
// files of a branch at /raw/<repo>/<branch>/<path>, as a forge's raw view
// does, so that the catalog can read what was pushed.
type gitServer struct {
	root string
	srv  *httptest.Server
	// token, when set (setToken), is the password every request must
	// carry; requests may be in flight while a test sets it.
	token atomic.Pointer[string]
}

func newGitServer(t *testing.T) *gitServer {
	t.Helper()
	g := &gitServer{root: t.TempDir()}
	h := githttptest.Handler(t, g.root)
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := g.token.Load(); token != nil {
			if _, pw, ok := r.BasicAuth(); !ok || pw != *token {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, "/raw/"); ok {
			parts := strings.SplitN(rest, "/", 3)
			if len(parts) != 3 {
				http.NotFound(w, r)
				return
			}
			b, err := exec.Command("git", "--git-dir", filepath.Join(g.root, parts[0]), "show", parts[1]+":"+parts[2]).Output()
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Write(b)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// newRepo creates an empty bare repository that accepts pushes over HTTP.
func (g *gitServer) newRepo(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(g.root, name)
	mustGit(t, "", "init", "--quiet", "--bare", dir)
	mustGit(t, dir, "config", "http.receivepack", "true")
	return g.srv.URL + "/" + name
}

// show returns a file of a branch of a repository, or "" and false.
func (g *gitServer) show(t *testing.T, repo, branch, path string) (string, bool) {
	t.Helper()
	b, err := exec.Command("git", "--git-dir", filepath.Join(g.root, repo), "show", branch+":"+path).Output()
	return string(b), err == nil
}

// branches lists a repository's branches.
func (g *gitServer) branches(t *testing.T, repo string) []string {
	t.Helper()
	out := mustGit(t, filepath.Join(g.root, repo), "for-each-ref", "--format=%(refname:short)", "refs/heads")
	return strings.Fields(out)
}

func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}
