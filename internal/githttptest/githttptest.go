// Package githttptest serves real git repositories over smart HTTP for
// tests: git's own http-backend behind net/http/cgi, as a forge serves
// them, so that code under test clones, fetches and pushes with the real
// git client and protocol.
package githttptest

import (
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Handler serves the repositories below root (repository "org/name" at
// /org/name) without authentication; callers wrap it to ask for some.
// Partial-clone filters are allowed, as on GitHub and GitLab. It fails t
// when git or its http-backend is missing.
func Handler(t testing.TB, root string) http.Handler {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v (the tests need git)", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Fatalf("no git-http-backend: %v (install git's full package)", err)
	}
	return &cgi.Handler{Path: backend, Env: []string{
		"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=uploadpack.allowFilter", "GIT_CONFIG_VALUE_0=true",
	}}
}
