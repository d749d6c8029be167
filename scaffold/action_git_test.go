package scaffold_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"callboard"
	"callboard/scaffold"
	"callboard/store/storetest"
)

// TestAttackPublishGitRedirectSendsTokenElsewhere: an allowed git host
// redirects publish:git to another server, a working git server that
// records what it is sent. The push must not follow, and the token must
// not reach it.
func TestAttackPublishGitRedirectSendsTokenElsewhere(t *testing.T) {
	const token = "publish-t0ken-" + "7c1e"
	elsewhere := newGitServer(t)
	elsewhere.newRepo(t, "stolen.git")
	target, _ := url.Parse(elsewhere.srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var seen []string // Authorization headers the other server got
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(attacker.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, attacker.URL+"/stolen.git"+strings.TrimPrefix(r.URL.RequestURI(), "/repo.git"), http.StatusFound)
	}))
	t.Cleanup(redirector.Close)

	db := storetest.Open(t)
	actions := scaffold.NewActions()
	scaffold.AddBuiltins(actions, &scaffold.Builtins{GitAllowHosts: []string{strings.TrimPrefix(redirector.URL, "http://")}})
	runner := scaffold.NewRunner(db, actions, testRunnerOptions(t.TempDir()))
	svc := scaffold.NewService(db, actions, runner, nil, nil)
	startRunner(t, runner)
	spec := map[string]any{"steps": []any{
		map[string]any{"id": "p", "action": "publish:git", "input": map[string]any{
			"repoUrl": redirector.URL + "/repo.git", "token": "${{ secrets.token }}"}},
	}}
	id := createSpecTask(t, &env{svc: svc}, spec, map[string]string{"token": token})
	task := waitTask(t, svc, id)
	log := logText(eventsOf(t, svc, id))
	if task.Status != callboard.TaskFailed {
		t.Errorf("status = %s, want failed; log:\n%s", task.Status, log)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, auth := range seen {
		if auth != "" {
			t.Errorf("request %d to the other server carried Authorization %q", i, auth)
		}
	}
	if got := elsewhere.branches(t, "stolen.git"); len(got) != 0 {
		t.Errorf("the push reached the other server: branches %v", got)
	}
}
