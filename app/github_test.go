package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"callboard/internal/githubfake"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func componentYAML(name string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name +
		"\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/platform\n"
}

// TestServeGitHubProvidersAndWebhook runs callboard serve against the fake
// GitHub: discovery and org providers from app-config.yaml, the catalog
// reading github URLs with the integration's token, and a signed webhook.
func TestServeGitHubProvidersAndWebhook(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme", "alice")
	s.AddUser(githubfake.User{Login: "alice", Name: "Alice", Email: "alice@acme.example"})
	s.AddTeam("acme", githubfake.Team{Slug: "platform", Members: []string{"alice"}})
	s.AddRepo("acme", "svc-a", map[string]string{"catalog-info.yaml": componentYAML("svc-a")}, githubfake.RepoOptions{Visibility: "private"})
	s.AddRepo("acme", "svc-b", map[string]string{"README.md": "later"}, githubfake.RepoOptions{})
	dir := t.TempDir()
	cfg := fmt.Sprintf(`
backend:
  database: {client: better-sqlite3, connection: %s}
  auth:
    externalAccess: [{type: static, options: {token: reader-token, subject: reader}}]
catalog:
  rules: [{allow: [Component, Location, Group, User]}]
  providers:
    github:
      acme:
        organization: acme
        host: %s
        catalogPath: /catalog-info.yaml
        filters: {repository: '^svc-', topic: {exclude: [experimental]}}
        schedule: {frequency: {minutes: 30}, timeout: PT5M, initialDelay: {seconds: 0}}
    githubOrg:
      id: acme
      githubUrl: %s
      orgs: [acme]
      schedule: {frequency: PT1H, timeout: {minutes: 5}}
integrations:
  github:
    - host: %s
      apiBaseUrl: %s
      token: ${GH_TOKEN}
events:
  modules:
    github:
      webhookSecret: ${WEBHOOK_SECRET}
`, filepath.Join(dir, "cb.sqlite"), s.Host(), s.URL, s.Host(), s.APIURL())
	path := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GH_TOKEN": githubfake.Token, "WEBHOOK_SECRET": "s3cret"}
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", path, "--port", "0"}, func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		<-done
	}()
	base := ""
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		m := re.FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, &stderr)
	// Outside dev mode reads need a caller; webhooks carry their signature.
	status := func(path string) int {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer reader-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor(t, "svc-a discovered", func() bool { return status("/api/catalog/entities/by-name/component/default/svc-a") == 200 }, &stderr)
	waitFor(t, "alice from githubOrg", func() bool { return status("/api/catalog/entities/by-name/user/default/alice") == 200 }, &stderr)
	if status("/api/catalog/entities/by-name/group/default/platform") != 200 {
		t.Fatal("group platform missing")
	}

	s.Commit("acme", "svc-b", "main", map[string]string{"catalog-info.yaml": componentYAML("svc-b")})
	hook := base + "/api/events/http/github"
	resp, err := githubfake.Deliver(nil, hook, "push", "forged", s.PushPayload(s.Repo("acme", "svc-b"), "main"))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %v %v", resp, err)
	}
	start := time.Now()
	resp, err = githubfake.Deliver(nil, hook, "push", "s3cret", s.PushPayload(s.Repo("acme", "svc-b"), "main"))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("signed delivery: %v %v", resp, err)
	}
	if status("/api/catalog/entities/by-name/component/default/svc-b") != 200 {
		t.Fatal("svc-b not in the catalog when the webhook answered")
	}
	t.Logf("push webhook to entity visible: %s", time.Since(start).Round(time.Millisecond))
}

func waitFor(t *testing.T, what string, ok func() bool, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; stderr:\n%s", what, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
