package git_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"callboard"
	"callboard/git"
)

const testToken = "t0ken-" + "5ecret-81f3a2"

// testBasic is the Authorization value the Runner sends with testToken.
var testBasic = base64.StdEncoding.EncodeToString([]byte(git.DefaultUsername + ":" + testToken))

// mustGit runs the real git, with no user configuration, for set-up.
func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newTestRepo creates a bare repository at dir with one commit on main
// holding README.md, and returns dir.
func newTestRepo(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	work := t.TempDir()
	mustGit(t, work, "init", "--quiet", "--initial-branch=main")
	if err := os.WriteFile(filepath.Join(work, "README.md"), []byte("# hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGit(t, work, "add", "README.md")
	mustGit(t, work, "commit", "--quiet", "-m", "first")
	mustGit(t, "", "clone", "--quiet", "--bare", work, dir)
	mustGit(t, dir, "config", "http.receivepack", "true")
	return dir
}

// testServer is a smart-HTTP git server (git http-backend behind
// net/http/cgi) over the bare repositories in root. It records the
// Authorization header of every request; with a token set, requests
// without it are refused as a private forge refuses them.
type testServer struct {
	*httptest.Server
	root  string
	token string

	mu    sync.Mutex
	auths []string // Authorization header of each request, "" for none
}

func newTestServer(t *testing.T, token string) *testServer {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skipf("git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("no git-http-backend: %v", err)
	}
	s := &testServer{root: t.TempDir(), token: token}
	h := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + s.root, "GIT_HTTP_EXPORT_ALL=1"}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		if _, pw, _ := r.BasicAuth(); s.token != "" && pw != s.token {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// repo serves a new repository at /<name> and returns its URL.
func (s *testServer) repo(t *testing.T, name string) string {
	t.Helper()
	newTestRepo(t, filepath.Join(s.root, name))
	return s.URL + "/" + name
}

func (s *testServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

// setHostileConfig gives git a user configuration and inherited
// GIT_CONFIG_PARAMETERS that set each of kv ("protocol.ext.allow=always"),
// as a careless or hostile environment would.
func setHostileConfig(t *testing.T, kv ...string) {
	t.Helper()
	home := t.TempDir()
	var file, params bytes.Buffer
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		i := strings.LastIndex(k, ".")
		section, name := k[:i], k[i+1:]
		if sec, sub, ok := strings.Cut(section, "."); ok {
			section = fmt.Sprintf("%s %q", sec, sub)
		}
		fmt.Fprintf(&file, "[%s]\n\t%s = %s\n", section, name, v)
		fmt.Fprintf(&params, " '%s'='%s'", k, v)
	}
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_PARAMETERS", strings.TrimSpace(params.String()))
}

func TestRunnerClonesAndPushesWithToken(t *testing.T) {
	srv := newTestServer(t, testToken)
	remote := srv.repo(t, "org/repo.git")
	r := git.Runner{AllowHTTP: true}
	dst := filepath.Join(t.TempDir(), "clone")
	if _, err := r.Run(t.Context(), git.Cmd{Remote: remote, Token: testToken, Args: []string{"clone", "--quiet", remote, dst}}); err != nil {
		t.Fatalf("clone: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "README.md")); err != nil || string(b) != "# hello\n" {
		t.Fatalf("README.md = %q, %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(dst, "new.txt"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com"}
	for _, args := range [][]string{
		{"add", "new.txt"},
		{"commit", "--quiet", "-m", "second"},
		{"push", "--quiet", "origin", "HEAD:refs/heads/feature"},
	} {
		if _, err := r.Run(t.Context(), git.Cmd{Dir: dst, Remote: remote, Token: testToken, Env: env, Args: args}); err != nil {
			t.Fatalf("git %s: %v", args[0], err)
		}
	}
	if got := mustGit(t, filepath.Join(srv.root, "org/repo.git"), "show", "feature:new.txt"); got != "new" {
		t.Errorf("pushed new.txt = %q, want new", got)
	}
	out, err := r.Run(t.Context(), git.Cmd{Remote: remote, Token: testToken, Args: []string{"ls-remote", "--heads", remote}})
	if err != nil || !strings.Contains(out, "refs/heads/feature") {
		t.Errorf("ls-remote = %q, %v; want refs/heads/feature", out, err)
	}
}

func TestRunnerRedactsNothingWithoutToken(t *testing.T) {
	srv := newTestServer(t, testToken)
	remote := srv.repo(t, "repo.git")
	for _, tc := range []struct {
		name string
		cmd  git.Cmd
		want string
	}{
		{"local", git.Cmd{Dir: t.TempDir(), Args: []string{"rev-parse", "HEAD"}}, "git rev-parse: exit status 128: fatal: not a git repository"},
		{"remote refuses", git.Cmd{Remote: remote, Args: []string{"ls-remote", remote}}, "git ls-remote: exit status 128: fatal: could not read Username"},
		{"username without token", git.Cmd{Remote: remote, Username: "oauth2", Args: []string{"ls-remote", remote}}, "fatal: could not read Username"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := git.Runner{AllowHTTP: true}.Run(t.Context(), tc.cmd)
			if callboard.ErrorKind(err) != callboard.Upstream {
				t.Fatalf("Run = %v; want Upstream", err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "***") {
				t.Errorf("error = %q; want it to contain %q, unredacted", err, tc.want)
			}
		})
	}
}

// errServer answers git's first request with an ERR packet that quotes
// the credentials it got, as a hostile or verbose server might; git
// prints it as "fatal: remote error: ...".
func errServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		pkt := func(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }
		w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
		fmt.Fprint(w, pkt("# service=git-upload-pack\n")+"0000"+
			pkt("ERR you sent password "+pw+" in header "+r.Header.Get("Authorization")+"\n"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunnerRedactsToken(t *testing.T) {
	srv := errServer(t)
	for _, tc := range []struct {
		name, user string
	}{
		{"default user", ""},
		{"gitlab user", "oauth2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := tc.user
			if user == "" {
				user = git.DefaultUsername
			}
			basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + testToken))
			_, err := git.Runner{AllowHTTP: true}.Run(t.Context(), git.Cmd{Remote: srv.URL, Username: tc.user, Token: testToken,
				Args: []string{"ls-remote", srv.URL + "/repo.git"}})
			if callboard.ErrorKind(err) != callboard.Upstream {
				t.Fatalf("Run = %v; want Upstream", err)
			}
			msg := err.Error()
			// The server did get and echo the secrets: they were redacted.
			if !strings.Contains(msg, "fatal: remote error: you sent password *** in header Basic ***") {
				t.Errorf("error = %q; want the remote error with both secrets redacted", msg)
			}
			if strings.Contains(msg, testToken) || strings.Contains(msg, basic) {
				t.Errorf("error shows a secret: %q", msg)
			}
		})
	}
}

func TestRunnerRefusesFileProtocol(t *testing.T) {
	bare := newTestRepo(t, filepath.Join(t.TempDir(), "repo.git"))
	// Even a user configuration that allows file does not.
	setHostileConfig(t, "protocol.file.allow=always", "protocol.allow=always")
	for _, tc := range []struct {
		name   string
		runner git.Runner
		remote string // Cmd.Remote
		url    string // what git clones
		kind   callboard.Kind
	}{
		{"file URL", git.Runner{}, "", "file://" + bare, callboard.Upstream},
		{"local path", git.Runner{}, "", bare, callboard.Upstream},
		{"file remote", git.Runner{}, "file://" + bare, "file://" + bare, callboard.Forbidden},
		{"path remote", git.Runner{}, bare, bare, callboard.Forbidden},
		{"allowed file URL", git.Runner{AllowFile: true}, "file://" + bare, "file://" + bare, ""},
		{"allowed local path", git.Runner{AllowFile: true}, bare, bare, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "clone")
			_, err := tc.runner.Run(t.Context(), git.Cmd{Remote: tc.remote, Args: []string{"clone", "--quiet", tc.url, dst}})
			_, statErr := os.Stat(filepath.Join(dst, "README.md"))
			if tc.kind == "" {
				if err != nil || statErr != nil {
					t.Fatalf("clone = %v, README %v; want a clone", err, statErr)
				}
				return
			}
			if callboard.ErrorKind(err) != tc.kind || statErr == nil {
				t.Fatalf("clone = %v (README read: %v); want %s and no clone", err, statErr == nil, tc.kind)
			}
			if tc.kind == callboard.Upstream && !strings.Contains(err.Error(), "transport 'file' not allowed") {
				t.Errorf("error = %q; want git's refusal of the file transport", err)
			}
		})
	}
}

func TestRunnerRefusesExtProtocol(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	ext := "ext::sh -c touch% " + marker
	// A clone whose own config enables ext and fetches from it, as one
	// planted in a cache directory would.
	planted := filepath.Join(dir, "planted")
	mustGit(t, "", "init", "--quiet", planted)
	mustGit(t, planted, "config", "protocol.ext.allow", "always")
	mustGit(t, planted, "remote", "add", "origin", ext)
	setHostileConfig(t, "protocol.ext.allow=always", "protocol.allow=always")

	for _, tc := range []struct {
		name string
		cmd  git.Cmd
		kind callboard.Kind
	}{
		{"clone", git.Cmd{Dir: dir, Args: []string{"clone", ext, filepath.Join(dir, "dst")}}, callboard.Upstream},
		{"ls-remote", git.Cmd{Args: []string{"ls-remote", ext}}, callboard.Upstream},
		{"planted clone", git.Cmd{Dir: planted, Args: []string{"fetch", "origin"}}, callboard.Upstream},
		{"ext remote", git.Cmd{Remote: ext, Args: []string{"clone", ext, filepath.Join(dir, "dst2")}}, callboard.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := git.Runner{AllowFile: true, AllowHTTP: true}.Run(t.Context(), tc.cmd)
			if callboard.ErrorKind(err) != tc.kind {
				t.Errorf("Run = %v; want %s", err, tc.kind)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the ext:: remote ran its command")
			}
		})
	}
}

func TestRunnerNoRedirects(t *testing.T) {
	target := newTestServer(t, "")
	target.repo(t, "repo.git")
	// The redirect leads to another host name (localhost, not 127.0.0.1).
	other := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(redirector.Close)

	dst := filepath.Join(t.TempDir(), "clone")
	_, err := git.Runner{AllowHTTP: true}.Run(t.Context(), git.Cmd{Remote: redirector.URL, Token: testToken,
		Args: []string{"clone", "--quiet", redirector.URL + "/repo.git", dst}})
	if callboard.ErrorKind(err) != callboard.Upstream {
		t.Fatalf("clone through a redirect = %v; want Upstream", err)
	}
	if n := len(target.requests()); n != 0 {
		t.Errorf("the redirect target got %d requests; want none", n)
	}
	if _, err := os.Stat(filepath.Join(dst, "README.md")); err == nil {
		t.Error("the clone followed the redirect")
	}
}

func TestRunnerCredentialsNotInArgvOrConfig(t *testing.T) {
	private := newTestServer(t, testToken)
	remote := private.repo(t, "repo.git")
	// The same host on another port is another origin.
	open := newTestServer(t, "")
	otherRemote := open.repo(t, "other.git")

	// A wrapper records git's arguments, then runs the real git.
	dir := t.TempDir()
	rec := filepath.Join(dir, "argv")
	wrapper := filepath.Join(dir, "git")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + rec + "\nexec git \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := git.Runner{Binary: wrapper, AllowHTTP: true}
	dst := filepath.Join(dir, "clone")
	if _, err := r.Run(t.Context(), git.Cmd{Remote: remote, Token: testToken, Args: []string{"clone", "--quiet", remote, dst}}); err != nil {
		t.Fatalf("clone: %v", err)
	}
	if _, err := r.Run(t.Context(), git.Cmd{Dir: dst, Remote: remote, Token: testToken, Args: []string{"fetch", "--quiet", "origin"}}); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	// Credentials scoped to remote are not sent to another origin.
	if _, err := r.Run(t.Context(), git.Cmd{Remote: remote, Token: testToken, Args: []string{"ls-remote", otherRemote}}); err != nil {
		t.Fatalf("ls-remote of the other server: %v", err)
	}

	argv, err := os.ReadFile(rec)
	if err != nil || !bytes.Contains(argv, []byte("clone")) {
		t.Fatalf("argv record = %q, %v", argv, err)
	}
	if bytes.Contains(argv, []byte(testToken)) || bytes.Contains(argv, []byte(testBasic)) {
		t.Errorf("a secret is in git's arguments:\n%s", argv)
	}
	if err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if bytes.Contains(b, []byte(testToken)) || bytes.Contains(b, []byte(testBasic)) {
			t.Errorf("a secret is stored in %s", p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, ".git", "config")); err != nil || !bytes.Contains(b, []byte(remote)) {
		t.Errorf(".git/config = %q, %v; want the remote URL without credentials", b, err)
	}
	for i, auth := range private.requests() {
		if auth != "Basic "+testBasic {
			t.Errorf("request %d to the scoped origin had Authorization %q; want the token", i, auth)
		}
	}
	got := open.requests()
	if len(got) == 0 {
		t.Fatal("the other server got no request")
	}
	for i, auth := range got {
		if auth != "" {
			t.Errorf("request %d to another origin had Authorization %q; want none", i, auth)
		}
	}
}

func TestRunnerRefusesCredentialsInRemoteURL(t *testing.T) {
	_, err := git.Runner{}.Run(t.Context(), git.Cmd{Remote: "https://user:" + testToken + "@git.example.com/r.git", Args: []string{"ls-remote", "origin"}})
	if callboard.ErrorKind(err) != callboard.Invalid || strings.Contains(err.Error(), testToken) {
		t.Errorf("Run = %v; want Invalid without the password", err)
	}
	_, err = git.Runner{}.Run(t.Context(), git.Cmd{Token: testToken, Args: []string{"ls-remote", "origin"}})
	if callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("Run with a token and no remote = %v; want Invalid", err)
	}
}

func TestRunnerRefusesHTTPUnlessAllowed(t *testing.T) {
	srv := newTestServer(t, "")
	remote := srv.repo(t, "repo.git")
	for _, tc := range []struct {
		name   string
		remote string
		kind   callboard.Kind
	}{
		{"http remote", remote, callboard.Forbidden},
		{"no remote", "", callboard.Upstream}, // git refuses the transport
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := git.Runner{}.Run(t.Context(), git.Cmd{Remote: tc.remote, Args: []string{"ls-remote", remote}})
			if callboard.ErrorKind(err) != tc.kind {
				t.Errorf("Run = %v; want %s", err, tc.kind)
			}
		})
	}
	if len(srv.requests()) != 0 {
		t.Errorf("the http server got %d requests; want none", len(srv.requests()))
	}
}

func TestRunnerIgnoresInheritedGitEnvironment(t *testing.T) {
	// Git sets GIT_DIR for its hooks: a callboard started from one (go
	// test in a pre-push hook) must still commit where it was told.
	victim := newTestRepo(t, filepath.Join(t.TempDir(), "victim.git"))
	t.Setenv("GIT_DIR", victim)
	t.Setenv("GIT_WORK_TREE", t.TempDir())
	work, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := git.Runner{}
	if _, err := r.Run(t.Context(), git.Cmd{Dir: work, Args: []string{"init", "--quiet"}}); err != nil {
		t.Fatal(err)
	}
	out, err := r.Run(t.Context(), git.Cmd{Dir: work, Args: []string{"rev-parse", "--absolute-git-dir"}})
	if want := filepath.Join(work, ".git"); err != nil || strings.TrimSpace(out) != want {
		t.Errorf("git dir = %q, %v; want %s", out, err, want)
	}
}

// hangingServer accepts requests and never answers until the test ends;
// it signals each request on the returned channel.
func hangingServer(t *testing.T) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	done, got := make(chan struct{}), make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- struct{}{}:
		default:
		}
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // runs first: Close waits for handlers
	return srv, got
}

func TestRunnerTimeout(t *testing.T) {
	srv, got := hangingServer(t)
	remote := srv.URL + "/repo.git"
	r := git.Runner{AllowHTTP: true, Timeout: 200 * time.Millisecond}
	_, err := r.Run(t.Context(), git.Cmd{Remote: remote, Args: []string{"ls-remote", remote}})
	if callboard.ErrorKind(err) != callboard.Upstream || !strings.Contains(err.Error(), "git ls-remote: timed out after 200ms") {
		t.Errorf("Run = %v; want an Upstream timeout", err)
	}

	// A cancelled caller ends the command too, and the error says why.
	for len(got) > 0 {
		<-got // the first command's requests
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-got
		cancel()
	}()
	r.Timeout = time.Hour
	_, err = r.Run(ctx, git.Cmd{Remote: remote, Args: []string{"ls-remote", remote}})
	if !errors.Is(err, context.Canceled) || callboard.ErrorKind(err) != callboard.Upstream {
		t.Errorf("Run with a cancelled context = %v; want Upstream wrapping context.Canceled", err)
	}
}
