package app

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/internal/githubfake"
)

// onboardEnv is a fake GitHub with an org of three repositories and an
// app-config.yaml pointing at it as a GitHub Enterprise host.
func onboardEnv(t *testing.T) (*githubfake.Server, string) {
	t.Helper()
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddTeam("acme", githubfake.Team{Slug: "payments"})
	s.AddRepo("acme", "payments", map[string]string{"main.go": "package main\n", "Dockerfile": "FROM x\n", "CODEOWNERS": "* @acme/payments\n"},
		githubfake.RepoOptions{Description: "Takes payments"})
	s.AddRepo("acme", "done", map[string]string{"catalog-info.yaml": "kind: Component\n"}, githubfake.RepoOptions{})
	s.AddRepo("acme", "attic", map[string]string{"a.go": "package a\n"}, githubfake.RepoOptions{Archived: true})
	cfg := filepath.Join(t.TempDir(), "app-config.yaml")
	yaml := "integrations:\n  github:\n    - host: " + s.Host() + "\n      apiBaseUrl: " + s.APIURL() + "\n      token: ${GH_TOKEN}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, cfg
}

func TestOnboardCommand(t *testing.T) {
	s, cfg := onboardEnv(t)
	env := func(k string) string {
		if k == "GH_TOKEN" {
			return githubfake.Token
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	args := []string{"onboard", "github", "--org", "acme", "--config", cfg, "--dry-run"}
	if err := run(t.Context(), args, env, &stdout, &stderr); err != nil {
		t.Fatalf("dry run: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"owner: group:default/payments", "acme/payments  would open PR", "skipped (archived)", "already has catalog-info", "3 repositories"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "onboard: [3/3]") {
		t.Errorf("no plain progress lines on a non-terminal stderr:\n%s", stderr.String())
	}
	if n := len(s.Pulls("acme", "payments")); n != 0 {
		t.Fatalf("dry run opened %d pull requests", n)
	}

	stdout.Reset()
	args = []string{"onboard", "github", "--org", "acme", "--config", cfg, "--branch", "catalog", "--owner", "group:default/platform", "--writes-per-minute", "0"}
	if err := run(t.Context(), args, env, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	pulls := s.Pulls("acme", "payments")
	if len(pulls) != 1 || pulls[0].Head != "catalog" || !strings.Contains(stdout.String(), "PR opened") {
		t.Fatalf("pulls %+v\n%s", pulls, stdout.String())
	}
	stdout.Reset()
	if err := run(t.Context(), args, env, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "PR exists") {
		t.Fatalf("second run: %v\n%s", err, stdout.String())
	}
	if n := len(s.Pulls("acme", "payments")); n != 1 {
		t.Fatalf("second run: %d pull requests, want 1", n)
	}
}

func TestOnboardCommandErrors(t *testing.T) {
	s, cfg := onboardEnv(t)
	noEnv := func(string) string { return "" }
	tokenEnv := func(k string) string {
		if k == "GITHUB_TOKEN" || k == "GH_TOKEN" {
			return "wrong-token"
		}
		return ""
	}
	for _, tc := range []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"no org", []string{"github"}, noEnv, "--org is required"},
		{"not github", []string{"gitlab", "--org", "x"}, noEnv, "only \"github\""},
		{"missing variable", []string{"github", "--org", "acme", "--config", cfg}, noEnv, "GH_TOKEN"},
		{"no credentials", []string{"github", "--org", "acme"}, noEnv, "no credentials"},
		{"bad owner", []string{"github", "--org", "acme", "--config", cfg, "--owner", "component:x"}, tokenEnv, "owner"},
		{"bad token", []string{"github", "--org", "acme", "--config", cfg}, tokenEnv, "acme"},
		{"unknown host", []string{"github", "--org", "acme", "--config", cfg, "--host", "ghe.example.com"}, tokenEnv, "no integrations.github entry"},
		{"bad concurrency", []string{"github", "--org", "acme", "--concurrency", "0"}, noEnv, "--concurrency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append([]string{"onboard"}, tc.args...), tc.env, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q\n%s", err, tc.want, stderr.String())
			}
		})
	}
	if n := len(s.Pulls("acme", "payments")); n != 0 {
		t.Errorf("%d pull requests opened by failing runs", n)
	}
	// A failing repository makes the exit status non-zero after the
	// summary.
	s.Handle("GET /repos/acme/payments/contents/{path...}", http500())
	var stdout, stderr bytes.Buffer
	env := func(k string) string { return map[string]string{"GH_TOKEN": githubfake.Token}[k] }
	err := run(t.Context(), []string{"onboard", "github", "--org", "acme", "--config", cfg, "--writes-per-minute", "0"}, env, &stdout, &stderr)
	if err != errSilent || !strings.Contains(stdout.String(), "1 failed") || !strings.Contains(stderr.String(), "1 repositories failed") {
		t.Errorf("err = %v, want errSilent after a summary with the failure\n%s\n%s", err, stdout.String(), stderr.String())
	}
}

func http500() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
}

// TestOnboardCommandWithApp authenticates as a GitHub App installed on the
// org: installation tokens, not a personal token, open the pull request.
func TestOnboardCommandWithApp(t *testing.T) {
	s, _ := onboardEnv(t)
	app := s.AddApp(7, "acme")
	key := "            " + strings.ReplaceAll(strings.TrimSpace(app.PrivateKeyPEM()), "\n", "\n            ")
	cfg := filepath.Join(t.TempDir(), "app-config.yaml")
	yaml := "integrations:\n  github:\n    - host: " + s.Host() + "\n      apiBaseUrl: " + s.APIURL() +
		"\n      apps:\n        - appId: 7\n          privateKey: |\n" + key + "\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := func(string) string { return "" }
	args := []string{"onboard", "github", "--org", "acme", "--config", cfg, "--writes-per-minute", "0"}
	if err := run(t.Context(), args, env, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	pulls := s.Pulls("acme", "payments")
	if len(pulls) != 1 || pulls[0].User != "" {
		t.Fatalf("pulls %+v, want one opened by the App installation (no user login)", pulls)
	}
}
