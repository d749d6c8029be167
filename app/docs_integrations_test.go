package app

import (
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
      apps:
        - appId: 1
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
	creds, err := docsCredentials(cfg)
	if err != nil || creds == nil {
		t.Fatalf("docsCredentials: nil=%t, %v", creds == nil, err)
	}
	for _, tc := range []struct{ host, user, pass string }{
		{"github.com", "x-access-token", "ghp-xyz"},
		{"gitlab.example.com", "oauth2", "glpat-abc"},
		{"ghe.example.com", "", ""}, // an app, no token
		{"gitlab.com", "", ""},
	} {
		if u, p := creds(tc.host); u != tc.user || p != tc.pass {
			t.Errorf("creds(%q) = %q, %q; want %q, %q", tc.host, u, p, tc.user, tc.pass)
		}
	}
	if creds, err := docsCredentials(config.Default()); err != nil || creds != nil {
		t.Errorf("without integrations: nil=%t, %v; want nil, nil", creds == nil, err)
	}
}
