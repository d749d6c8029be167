package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/config"
	"callboard/internal/githubfake"
	"callboard/store/storetest"
	"callboard/web"
)

func TestAuthServeConfig(t *testing.T) {
	dir := t.TempDir()
	load := func(yaml string) *config.Config {
		t.Helper()
		f := filepath.Join(dir, "app-config.yaml")
		os.WriteFile(f, []byte(yaml), 0o644)
		cfg, err := config.Load([]string{f}, func(string) string { return "" }, os.ReadFile)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	db := storetest.Open(t)
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name, yaml string
		dev        bool
		providers  string // "" means no sign-in
		err        string
	}{
		{name: "none", yaml: "app: {title: x}\n"},
		{name: "dev mode offers guest", yaml: "app: {title: x}\n", dev: true, providers: "guest"},
		{name: "Backstage's shape", yaml: `
auth:
  environment: production
  session: {secret: s3cret}
  providers:
    github:
      production:
        clientId: Iv1.abc
        clientSecret: s3cret
        signIn:
          resolvers:
            - resolver: usernameMatchingUserEntityName
            - resolver: emailMatchingUserEntityProfileEmail
    oidc:
      production:
        metadataUrl: https://idp.example.com/.well-known/openid-configuration
        clientId: callboard
        clientSecret: s3cret
        prompt: auto
        sessionDuration: { hours: 12 }
        signIn:
          resolvers:
            - resolver: emailLocalPartMatchingUserEntityName
              allowedDomains: [example.com]
    google:
      production: {clientId: kept, clientSecret: unused}
`, providers: "github,oidc"},
		{name: "environment development offers guest", yaml: "auth:\n  environment: development\n", providers: "guest"},
		{name: "guest configured", yaml: "auth:\n  providers:\n    guest: {userEntityRef: user:default/jane}\n", providers: "guest"},
		{name: "guest in production", yaml: "auth:\n  environment: production\n  providers:\n    guest: {}\n", err: "dangerouslyAllowOutsideDevelopment"},
		{name: "session keys", yaml: "auth:\n  environment: development\n  session: {secret: s3cret, absoluteLifetime: {hours: 12}}\n", providers: "guest"},
		{name: "typo in auth.session", yaml: "auth:\n  environment: development\n  session:\n    secrte: x\n", err: "app-config.yaml:4: auth.session.secrte"},
		{name: "bad absoluteLifetime", yaml: "auth:\n  environment: development\n  session: {absoluteLifetime: 12}\n", err: "auth.session.absoluteLifetime"},
		{name: "typo in a provider", yaml: "auth:\n  providers:\n    github:\n      development: {clientId: a, clientSecret: b, clientSecrte: c}\n", err: "app-config.yaml:4: auth.providers.github.development.clientSecrte"},
		{name: "unknown resolver", yaml: "auth:\n  providers:\n    oidc:\n      development:\n        metadataUrl: https://idp.example.com/x\n        clientId: a\n        clientSecret: b\n        signIn: {resolvers: [{resolver: emailMatchingUserEntityName}]}\n",
			err: "auth.providers.oidc.development.signIn.resolvers[0].resolver: unknown resolver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := web.Options{Dev: tc.dev}
			_, err := serveAuth(load(tc.yaml), &opts, db, nil, log)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if opts.Auth != nil {
				got = strings.Join(opts.Auth.Providers(), ",")
			}
			if got != tc.providers {
				t.Errorf("providers = %q, want %q", got, tc.providers)
			}
		})
	}
}

// TestServeSignIn runs `callboard serve` with GitHub sign-in against the
// fake (as GitHub Enterprise) and a catalog with one user, and signs in.
func TestServeSignIn(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "org.yaml"), []byte(`apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: admins}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane, annotations: {github.com/user-login: jane-gh}}
spec: {profile: {displayName: Jane Doe, email: jane@example.com}, memberOf: [team-a, admins]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: svc-a}
spec: {type: service, lifecycle: production, owner: team-a}
`), 0o644)
	gh := githubfake.NewOAuth("Iv1.e2e", "e2e-secret")
	gh.AddUser(githubfake.OAuthUser{Login: "jane-gh", ID: 1, Name: "Jane Doe"})
	gh.SignInAs("jane-gh")
	fake := httptest.NewServer(gh)
	t.Cleanup(fake.Close)
	cfgFile := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(cfgFile, []byte(`
backend:
  database: {client: better-sqlite3, connection: `+filepath.Join(dir, "cb.sqlite")+`}
catalog:
  rules: [{allow: [Component, Group, User, Location]}]
  locations: [{type: file, target: `+filepath.Join(dir, "org.yaml")+`}]
auth:
  environment: development
  providers:
    github:
      development:
        clientId: Iv1.e2e
        clientSecret: ${GITHUB_CLIENT_SECRET}
        enterpriseInstanceUrl: `+fake.URL+`
`), 0o644)
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		getenv := func(k string) string { return map[string]string{"GITHUB_CLIENT_SECRET": "e2e-secret"}[k] }
		done <- runServe(ctx, []string{"--config", cfgFile, "--port", "0"}, getenv, out, io.Discard)
	}()
	t.Cleanup(func() { cancel(); <-done })
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		if m := regexp.MustCompile(`listening on (http://localhost:\d+)`).FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "catalog ready") {
			base = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", out.String())
	}
	// The callback URL hangs off backend.baseUrl (port 7007 by default),
	// which is not where this test listens; send the browser back here.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "localhost:7007" {
			req.URL.Host = strings.TrimPrefix(base, "http://")
		}
		return nil
	}}
	get := func(path string) (int, string) {
		resp, err := browser.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path, body string) int {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	loc := `{"type":"file","target":"` + filepath.Join(dir, "org.yaml") + `"}`
	if status := post("/api/catalog/locations?dryRun=true", loc); status != 401 {
		t.Errorf("anonymous write: %d, want 401", status)
	}
	if status, body := get("/api/auth/github/start?redirectUrl=/"); status != 200 || !strings.Contains(body, "Owned by me") || !strings.Contains(body, "Jane Doe") || !strings.Contains(body, "svc-a") {
		t.Fatalf("after sign-in: %d, want home with Jane's things: %.500s", status, body)
	}
	// Signed in, the write passes authentication and the policy and is
	// judged on its input: file locations are refused from the API (400).
	if status := post("/api/catalog/locations?dryRun=true", loc); status != 400 {
		t.Errorf("signed-in write of a file location: %d, want 400 (past sign-in, refused as input)", status)
	}
	// Signing out and in again is in the audit log, which jane (an
	// admin under the default policy) reads.
	if status := post("/signout", ""); status != 200 {
		t.Errorf("sign-out: %d", status)
	}
	get("/api/auth/github/start?redirectUrl=/")
	status, body := get("/api/audit/events?action=auth.")
	var got struct{ Items []callboard.AuditEvent }
	json.Unmarshal([]byte(body), &got)
	var lines []string
	for _, ev := range got.Items {
		lines = append(lines, ev.Action+" "+ev.Actor+" "+ev.Outcome+" "+fmt.Sprint(ev.Details["provider"]))
		if ev.RequestID == "" {
			t.Errorf("%s event without a request ID", ev.Action)
		}
	}
	want := "auth.signin user:default/jane success github,auth.signout user:default/jane success github,auth.signin user:default/jane success github"
	if status != 200 || strings.Join(lines, ",") != want {
		t.Errorf("audit of sign-ins: %d %q, want %q", status, lines, want)
	}
}

func TestLegacyAccessConfig(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "app-config.yaml")
	load := func(yaml string) (web.Options, error) {
		os.WriteFile(f, []byte(yaml), 0o644)
		cfg, err := config.Load([]string{f}, func(string) string { return "" }, os.ReadFile)
		if err != nil {
			t.Fatal(err)
		}
		return webOptions(cfg, false)
	}
	opts, err := load("backend:\n  auth:\n    externalAccess:\n      - {type: static, options: {token: ci-token-123, subject: ci}}\n      - {type: legacy, options: {secret: c2VjcmV0, subject: old-backend}}\n")
	if err != nil || opts.ExternalToken == nil || opts.Tokens["ci-token-123"] != "ci" {
		t.Fatalf("webOptions = %+v, %v", opts, err)
	}
	if _, err := load("backend:\n  auth:\n    externalAccess:\n      - {type: legacy, options: {secret: '%%%', subject: x}}\n"); err == nil || !strings.Contains(err.Error(), "externalAccess[0].options.secret") {
		t.Errorf("bad secret: %v", err)
	}
}
