package kubernetes_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"callboard/integration/kubernetes"
	"callboard/internal/githttptest"
)

// gitHost is a forge for the drift tests: real repositories served over
// smart HTTP (git http-backend behind net/http/cgi), which the plugin
// fetches with the shared git runner as it fetches from GitHub.
type gitHost struct {
	root string
	URL  string
	// before, when set, runs at the start of each request; the func it
	// returns at its end.
	before atomic.Pointer[func() func()]
}

func newGitHost(t testing.TB) *gitHost {
	t.Helper()
	g := &gitHost{root: t.TempDir()}
	h := githttptest.Handler(t, g.root)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before := g.before.Load(); before != nil {
			defer (*before)()()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// commit writes files (path → content; "" deletes) into repo ("org/name",
// created on first use with branch main), commits them and returns the
// commit.
func (g *gitHost) commit(t testing.TB, repo string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(g.root, filepath.FromSlash(repo))
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		mustGit(t, "", "init", "--quiet", "--initial-branch=main", dir)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if content == "" {
			os.Remove(p)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustGit(t, dir, "add", "-A")
	mustGit(t, dir, "-c", "user.name=Jane", "-c", "user.email=jane@example.com", "commit", "--quiet", "--allow-empty", "-m", "manifests")
	return strings.TrimSpace(mustGit(t, dir, "rev-parse", "HEAD"))
}

// repos reads from this host only, as backend.reading.allow would allow
// it, into a cache of the test's own.
func (g *gitHost) repos(t testing.TB) *kubernetes.Repos {
	u, _ := url.Parse(g.URL)
	return &kubernetes.Repos{Dir: t.TempDir(), AllowHost: func(v *url.URL) bool { return v.Host == u.Host }}
}

func mustGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
