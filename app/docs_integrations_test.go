package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"callboard/config"
)

func TestDocsCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app-config.yaml")
	yaml := `integrations:
  github:
    - host: github.com
      token: ${GITHUB_TOKEN}
    - host: ghe.example.com
      apiBaseUrl: https://ghe.example.com/api/v3
  gitlab:
    - host: gitlab.example.com
      token: glpat-abc
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "GITHUB_TOKEN" {
			return "ghp-xyz"
		}
		return ""
	}
	cfg, err := config.Load([]string{file}, getenv, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	// GitHub's tokens come through its plugin, GitLab's from the section.
	plugins := newPluginSet(slog.New(slog.DiscardHandler), nil)
	if err := plugins.setup(t.Context(), cfg, builtinPlugins(portal{}), nil); err != nil {
		t.Fatal(err)
	}
	creds, err := docsCredentials(cfg, plugins.gitCredentials)
	if err != nil {
		t.Fatalf("docsCredentials: %v", err)
	}
	for _, tc := range []struct{ host, user, pass string }{
		{"github.com", "x-access-token", "ghp-xyz"},
		{"gitlab.example.com", "oauth2", "glpat-abc"},
		{"ghe.example.com", "", ""}, // no token
		{"gitlab.com", "", ""},
	} {
		if u, p := creds(tc.host); u != tc.user || p != tc.pass {
			t.Errorf("creds(%q) = %q, %q; want %q, %q", tc.host, u, p, tc.user, tc.pass)
		}
	}
	none, err := docsCredentials(config.Default(), newPluginSet(slog.New(slog.DiscardHandler), nil).gitCredentials)
	if err != nil {
		t.Fatal(err)
	}
	if u, p := none("github.com"); u != "" || p != "" {
		t.Errorf("without integrations: %q, %q; want none", u, p)
	}
}
