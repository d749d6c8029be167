package docsync_test

import (
	"bytes"
	"encoding/base64"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"callboard"
	"callboard/internal/githttptest"
	"callboard/techdocs/docsync"
)

// gitHTTPServer serves the bare repositories under its project folder
// over git's smart HTTP protocol (git http-backend behind net/http/cgi),
// like a private GitHub or GitLab: every request needs HTTP Basic auth
// with user and password.
type gitHTTPServer struct {
	*httptest.Server
	project  string
	requests atomic.Int32
	refused  atomic.Int32
}

func newGitHTTPServer(t *testing.T, user, password string) *gitHTTPServer {
	t.Helper()
	g := &gitHTTPServer{project: t.TempDir()}
	// Filters are on, as on GitHub and GitLab: the Syncer's clones are
	// blobless and fetch each checkout's blobs through the same credentials.
	h := githttptest.Handler(t, g.project)
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		g.requests.Add(1)
		u, p, ok := req.BasicAuth()
		if !ok || u != user || p != password {
			g.refused.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(g.Close)
	return g
}

// add serves a bare clone of src at /<name> (e.g. "org/repo").
func (g *gitHTTPServer) add(t *testing.T, src, name string) string {
	t.Helper()
	dst := filepath.Join(g.project, filepath.FromSlash(name))
	runGit(t, g.project, "clone", "--quiet", "--bare", src, dst)
	return dst
}

func (g *gitHTTPServer) host() string { return strings.TrimPrefix(g.URL, "http://") }

func TestSyncGitSmartHTTPPrivate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		integ func(host, token string) docsync.Integration
		user  string
		// allow lists the host in backend.reading.allow; without it the
		// integration alone makes the host readable.
		allow bool
	}{
		{"github", docsync.GitHubIntegration, "x-access-token", true},
		{"gitlab", docsync.GitLabIntegration, "oauth2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const token = "t0ken-" + "9f8e7d6c5b4a"
			r := newGitRepo(t)
			srv := newGitHTTPServer(t, tc.user, token)
			served := srv.add(t, r.bare, "org/repo")
			host := srv.host()

			b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:" + srv.URL + "/org/repo/tree/main/sub"})
			b.opts.AllowFileRepos = false
			b.opts.AllowHost = callboard.HostRules(host).Allows
			var logs bytes.Buffer
			b.opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

			// Without credentials the server refuses, and git does not prompt.
			_, err := b.syncer(t).Sync(t.Context(), b.entity.Ref())
			if callboard.ErrorKind(err) != callboard.Upstream || srv.refused.Load() == 0 {
				t.Fatalf("Sync without a token = %v (%d refused); want Upstream", err, srv.refused.Load())
			}
			// A token for another host is not sent here.
			b.opts.Credentials = docsync.Credentials([]docsync.Integration{tc.integ("elsewhere.example.com", "other")})
			if _, err := b.syncer(t).Sync(t.Context(), b.entity.Ref()); callboard.ErrorKind(err) != callboard.Upstream {
				t.Fatalf("Sync with another host's token = %v; want Upstream", err)
			}

			if !tc.allow {
				b.opts.AllowHost = nil
			}
			b.opts.Credentials = docsync.Credentials([]docsync.Integration{
				tc.integ("elsewhere.example.com", "other"),
				tc.integ(host, token),
			})
			s := b.syncer(t)
			if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
				t.Fatalf("Sync = %v, %v; want built", updated, err)
			}
			if m, _ := b.pub.Metadata(t.Context(), b.entity.Ref()); m == nil || m.SiteName != "Sub docs" {
				t.Fatalf("metadata = %+v; want site Sub docs", m)
			}
			// A push to the private repository: the next sync fetches with
			// the token and rebuilds.
			r.write(t, "sub/docs/more.md", "# More\n\nFresh.\n")
			r.commit(t, "more")
			runGit(t, r.work, "push", "--quiet", served, "main")
			if updated, err := s.Sync(t.Context(), b.entity.Ref()); err != nil || !updated {
				t.Fatalf("Sync after a push = %v, %v; want rebuilt", updated, err)
			}
			if p := b.page(t, "more/index.html"); !strings.Contains(p, "Fresh") {
				t.Errorf("rebuilt page lacks the change:\n%s", p)
			}

			// The clone is blobless (a promisor remote), and knows the
			// docs' last commit.
			promisor := false
			filepath.WalkDir(b.opts.WorkDir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && filepath.Base(p) == "config" {
					data, _ := os.ReadFile(p)
					promisor = promisor || bytes.Contains(data, []byte("promisor = true"))
				}
				return err
			})
			if !promisor {
				t.Error("the docs clone is not a partial (blobless) clone")
			}
			if m, _ := b.pub.Metadata(t.Context(), b.entity.Ref()); m == nil || docsync.SourceCommitTime(m).IsZero() {
				t.Errorf("metadata lacks the source's last commit: %+v", m)
			}

			// The token is in no file of the work dir (clone config,
			// FETCH_HEAD, packed refs) and in no log line.
			basic := base64.StdEncoding.EncodeToString([]byte(tc.user + ":" + token))
			filepath.WalkDir(b.opts.WorkDir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, _ := os.ReadFile(p)
				if bytes.Contains(data, []byte(token)) || bytes.Contains(data, []byte(basic)) {
					t.Errorf("token stored in %s", p)
				}
				return nil
			})
			if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), basic) {
				t.Errorf("token in the logs:\n%s", logs.String())
			}
		})
	}
}

func TestSyncGitCredentialsNotInArgsOrErrors(t *testing.T) {
	// A fake git records its arguments and environment and fails with a
	// message quoting the secret, as a verbose git might.
	const token = "s3cr3t"
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	fake := filepath.Join(dir, "git")
	script := "#!/bin/sh\n{ echo \"ARGS $*\"; env | grep '^GIT_' ; } >> " + rec +
		"\necho 'fatal: unable to access: token " + token + " header Authorization: Basic " + basic + "' >&2\nexit 128\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: "url:https://git.example.com/o/r/tree/main/docs"})
	b.opts.AllowHost = callboard.HostRules("*.example.com").Allows
	b.opts.Credentials = docsync.Credentials([]docsync.Integration{docsync.GitHubIntegration("git.example.com", token)})
	b.opts.GitBinary = fake
	_, err := b.syncer(t).Sync(t.Context(), b.entity.Ref())
	if callboard.ErrorKind(err) != callboard.Upstream || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), basic) {
		t.Fatalf("Sync = %v; want Upstream without the secret", err)
	}
	out, _ := os.ReadFile(rec)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ARGS") && (strings.Contains(line, token) || strings.Contains(line, basic)) {
			t.Errorf("secret in git arguments: %s", line)
		}
	}
	for _, want := range []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http.https://git.example.com/.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic " + basic,
		"GIT_TERMINAL_PROMPT=0",
	} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("git environment lacks %s:\n%s", want, out)
		}
	}
}

func TestCredentialsMatchHosts(t *testing.T) {
	creds := docsync.Credentials([]docsync.Integration{
		docsync.GitHubIntegration("", ""), // no token: skipped
		docsync.GitHubIntegration("", "gh"),
		docsync.GitLabIntegration("GitLab.Example.com", "gl"),
		docsync.GitLabIntegration("git.example.com:8443", "port"),
	})
	for _, tc := range []struct{ host, user, pass string }{
		{"github.com", "x-access-token", "gh"},
		{"gitlab.example.com", "oauth2", "gl"},
		{"gitlab.example.com:444", "oauth2", "gl"}, // no port in the entry: any port
		{"git.example.com:8443", "oauth2", "port"},
		{"git.example.com", "", ""},
		{"evil-github.com", "", ""},
		{"github.com.evil.example", "", ""},
		{"gitlab.com", "", ""},
	} {
		if u, p := creds(tc.host); u != tc.user || p != tc.pass {
			t.Errorf("credentials(%q) = %q, %q; want %q, %q", tc.host, u, p, tc.user, tc.pass)
		}
	}
}
