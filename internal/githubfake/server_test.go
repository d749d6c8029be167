package githubfake

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func get(t *testing.T, s *Server, path, token string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestReposContentsTreesAndGit(t *testing.T) {
	s := NewServer(t)
	s.AddOrg("acme", "alice")
	for _, n := range []string{"a", "b", "c"} {
		s.AddRepo("acme", n, map[string]string{"catalog-info.yaml": "name: " + n, "docs/x/y.md": "# y"}, RepoOptions{Topics: []string{"go"}})
	}
	resp, body := get(t, s, "/orgs/acme/repos?per_page=2", Token)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("page 1: %d %s", resp.StatusCode, resp.Header)
	}
	var repos []map[string]any
	_ = json.Unmarshal(body, &repos)
	if len(repos) != 2 || repos[0]["full_name"] != "acme/a" || repos[0]["default_branch"] != "main" {
		t.Fatalf("repos = %v", repos)
	}
	// Contents as JSON with base64, and raw.
	_, body = get(t, s, "/api/v3/repos/acme/b/contents/catalog-info.yaml", Token)
	var c struct{ Content, Encoding string }
	_ = json.Unmarshal(body, &c)
	dec, _ := base64.StdEncoding.DecodeString(c.Content)
	if c.Encoding != "base64" || string(dec) != "name: b" {
		t.Fatalf("contents = %s", body)
	}
	resp, body = get(t, s, "/repos/acme/b/contents/catalog-info.yaml?ref=main", Token, "Accept", "application/vnd.github.raw")
	if string(body) != "name: b" {
		t.Fatalf("raw = %q", body)
	}
	// ETag: the same request with If-None-Match is a free 304.
	remaining := resp.Header.Get("X-RateLimit-Remaining")
	resp2, _ := get(t, s, "/repos/acme/b/contents/catalog-info.yaml?ref=main", Token, "Accept", "application/vnd.github.raw", "If-None-Match", resp.Header.Get("ETag"))
	if resp2.StatusCode != http.StatusNotModified || resp2.Header.Get("X-RateLimit-Remaining") != remaining {
		t.Fatalf("conditional: %d remaining %s, before %s", resp2.StatusCode, resp2.Header.Get("X-RateLimit-Remaining"), remaining)
	}
	_, body = get(t, s, "/repos/acme/c/git/trees/main?recursive=1", Token)
	if !strings.Contains(string(body), `"path":"docs/x/y.md"`) {
		t.Fatalf("tree = %s", body)
	}
	if resp, _ := get(t, s, "/repos/acme/c/contents/missing.yaml", Token); resp.StatusCode != 404 {
		t.Fatalf("missing file: %d", resp.StatusCode)
	}
	if resp, _ := get(t, s, "/orgs/acme/repos", "wrong"); resp.StatusCode != 401 {
		t.Fatalf("bad token: %d", resp.StatusCode)
	}
	// Real clone and push over smart HTTP.
	dir := t.TempDir()
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	run(dir, "clone", "-q", s.URL+"/acme/a.git", "a")
	if b, _ := os.ReadFile(filepath.Join(dir, "a", "catalog-info.yaml")); string(b) != "name: a" {
		t.Fatalf("cloned = %q", b)
	}
	cmd := exec.Command("git", "-C", filepath.Join(dir, "a"), "push", "-q", s.URL+"/acme/a.git", "HEAD:refs/heads/other")
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if err := cmd.Run(); err == nil {
		t.Fatal("push without credentials succeeded")
	}
	authURL := strings.Replace(s.URL, "http://", "http://x-access-token:"+Token+"@", 1)
	run(filepath.Join(dir, "a"), "push", "-q", authURL+"/acme/a.git", "HEAD:refs/heads/other")
	if got, err := s.ReadFile("acme", "a", "other", "docs/x/y.md"); err != nil || got != "# y" {
		t.Fatalf("pushed file = %q, %v", got, err)
	}
}

func TestRateLimit(t *testing.T) {
	s := NewServer(t)
	s.AddOrg("acme")
	s.SetRateLimit(2, time.Now().Add(time.Minute))
	for i := 0; i < 2; i++ {
		if resp, _ := get(t, s, "/orgs/acme/repos", Token); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := get(t, s, "/orgs/acme/repos", Token)
	if resp.StatusCode != 403 || resp.Header.Get("X-RateLimit-Remaining") != "0" || !strings.Contains(string(body), "rate limit") {
		t.Fatalf("over the limit: %d %s %s", resp.StatusCode, resp.Header, body)
	}
	s.SetRateLimit(10, time.Now().Add(time.Minute))
	s.SecondaryLimitOnce(Token)
	resp, _ = get(t, s, "/orgs/acme/repos", Token)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("secondary: %d %s", resp.StatusCode, resp.Header)
	}
}

func TestAppInstallationToken(t *testing.T) {
	s := NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "r", nil, RepoOptions{})
	app := s.AddApp(42, "acme")
	other := s.AddApp(43, "acme")
	sign := func(key *App, iss string, exp time.Duration) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": iss,
			"iat": time.Now().Add(-time.Minute).Unix(), "exp": time.Now().Add(exp).Unix()})
		s, _ := tok.SignedString(key.Key)
		return s
	}
	post := func(jwtTok string) *http.Response {
		req, _ := http.NewRequest("POST", s.URL+"/app/installations/"+itoa(app.Installations[0].ID)+"/access_tokens", nil)
		req.Header.Set("Authorization", "Bearer "+jwtTok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post(sign(other, "42", 5*time.Minute)); resp.StatusCode != 401 {
		t.Fatalf("JWT signed by another key: %d", resp.StatusCode)
	}
	if resp := post(sign(app, "42", time.Hour)); resp.StatusCode != 401 {
		t.Fatalf("JWT valid for an hour: %d", resp.StatusCode)
	}
	resp := post(sign(app, "42", 5*time.Minute))
	var tok struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != 201 || !strings.HasPrefix(tok.Token, "ghs_") {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
	r, body := get(t, s, "/installation/repositories", tok.Token)
	if r.StatusCode != 200 || !strings.Contains(string(body), `"full_name":"acme/r"`) {
		t.Fatalf("installation repos: %d %s", r.StatusCode, body)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
