package github_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/integration/github"
	"callboard/internal/githubfake"
	"callboard/urlread"
)

func newClient(t *testing.T, s *githubfake.Server, cfg github.Config) *github.Client {
	t.Helper()
	cfg.Host = s.Host()
	if cfg.APIBaseURL == "" {
		cfg.APIBaseURL = s.APIURL()
	}
	c, err := github.New(cfg, github.Options{RequestsPerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadURLWithETagAndEnterpriseBase(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc", map[string]string{"catalog-info.yaml": "kind: Component\n"}, githubfake.RepoOptions{Visibility: "private"})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	u, _ := url.Parse(c.FileURL("acme", "svc", "main", "catalog-info.yaml"))
	for i := 0; i < 2; i++ {
		b, ok, err := c.ReadURL(t.Context(), u)
		if !ok || err != nil || string(b) != "kind: Component\n" {
			t.Fatalf("read %d: %q %v %v", i, b, ok, err)
		}
	}
	if got := c.Stats().NotModified.Load(); got != 1 {
		t.Fatalf("NotModified = %d, want 1 (second read is conditional)", got)
	}
	other, _ := url.Parse("https://example.com/acme/svc/blob/main/x.yaml")
	if _, ok, _ := c.ReadURL(t.Context(), other); ok {
		t.Fatal("reader claimed another host")
	}
	missing, _ := url.Parse(c.FileURL("acme", "svc", "main", "nope.yaml"))
	if _, _, err := c.ReadURL(t.Context(), missing); callboard.ErrorKind(err) != callboard.NotFound {
		t.Fatalf("missing file: %v", err)
	}
	// Through the catalog's reader: the integration's host needs no
	// backend.reading.allow entry.
	r := &catalog.Reader{URLs: &urlread.Reader{Integrations: c.URLIntegrations()}}
	if b, err := r.Read(t.Context(), "url", u.String()); err != nil || !strings.Contains(string(b), "Component") {
		t.Fatalf("catalog reader: %q %v", b, err)
	}
	bad := newClient(t, s, github.Config{Token: "wrong"})
	if _, _, err := bad.ReadURL(t.Context(), u); callboard.ErrorKind(err) != callboard.Unauthenticated {
		t.Fatalf("bad token: %v", err)
	}
}

func TestRateLimitWaitAndRetry(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc", map[string]string{"a": "1"}, githubfake.RepoOptions{})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	ctx := t.Context()
	s.SecondaryLimitOnce(githubfake.Token)
	if _, err := c.ReadFile(ctx, "acme", "svc", "main", "a"); err != nil {
		t.Fatalf("after a secondary limit: %v", err)
	}
	s.SetRateLimit(1, time.Now().Add(1500*time.Millisecond))
	if _, _, err := c.REST().Repositories.Get(github.Context(ctx), "acme", "svc"); err != nil {
		t.Fatal(err)
	}
	// The limit is spent: the next request waits for the reset.
	if _, _, err := c.REST().Repositories.Get(github.Context(ctx), "acme", "svc"); err != nil {
		t.Fatalf("after waiting for the reset: %v", err)
	}
	if c.Stats().RateLimited.Load() < 2 {
		t.Fatalf("RateLimited = %d", c.Stats().RateLimited.Load())
	}
	// A reset further than MaxWait fails fast with Upstream.
	s.SetRateLimit(0, time.Now().Add(time.Hour))
	short, _ := github.New(github.Config{Host: s.Host(), APIBaseURL: s.APIURL(), Token: githubfake.Token}, github.Options{MaxWait: time.Second})
	_, _, err := short.REST().Repositories.Get(github.Context(ctx), "acme", "svc")
	if callboard.ErrorKind(err) != callboard.Upstream || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("exhausted: %v", err)
	}
}

func TestAppInstallationTokens(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddOrg("other")
	s.AddRepo("acme", "svc", map[string]string{"a": "1"}, githubfake.RepoOptions{Visibility: "private"})
	s.AddRepo("other", "x", map[string]string{"a": "1"}, githubfake.RepoOptions{})
	app := s.AddApp(7, "acme", "other")
	c := newClient(t, s, github.Config{Apps: []github.AppConfig{{AppID: 7, PrivateKey: app.PrivateKeyPEM(),
		AllowedInstallationOwners: []string{"acme"}}}})
	ctx := context.Background()
	if b, err := c.ReadFile(ctx, "acme", "svc", "", "a"); err != nil || string(b) != "1" {
		t.Fatalf("with an installation token: %q %v", b, err)
	}
	tok, _ := c.Token(ctx, "acme")
	if !strings.HasPrefix(tok, "ghs_") {
		t.Fatalf("token = %q", tok)
	}
	// "other" is not an allowed owner: no token, so the fake refuses.
	if _, err := c.ReadFile(ctx, "other", "x", "", "a"); err == nil {
		t.Fatal("read with a disallowed installation")
	}
	if _, err := github.New(github.Config{Apps: []github.AppConfig{{AppID: 7, PrivateKey: "junk"}}}, github.Options{}); callboard.ErrorKind(err) != callboard.Invalid {
		t.Fatalf("bad key: %v", err)
	}
	if _, err := github.New(github.Config{Host: "ghe.example.com"}, github.Options{}); err == nil || !strings.Contains(err.Error(), "apiBaseUrl") {
		t.Fatalf("enterprise without apiBaseUrl: %v", err)
	}
}
