package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"callboard/catalog"
	"callboard/config"
	"callboard/plugin"
	"callboard/store/storetest"
)

// TestGitHubPluginEnabledByItsSections enables the built-in plugins as
// serve does: GitHub is on exactly when one of its sections is present
// (integrations.github, catalog.providers.github or githubOrg), and its
// webhook only with providers to refresh.
func TestGitHubPluginEnabledByItsSections(t *testing.T) {
	tests := []struct {
		name, config string
		enabled      bool
		webhook      bool
	}{
		{"no GitHub section", "app: {title: x}\n", false, false},
		{"integrations.github", "integrations:\n  github: [{host: github.com, token: t}]\n", true, false},
		{"catalog.providers.github", "catalog:\n  providers:\n    github:\n      acme: {organization: acme}\n", true, true},
		{"the single-provider form", "catalog:\n  providers:\n    github: {organization: acme}\n", true, true},
		{"catalog.providers.githubOrg", "catalog:\n  providers:\n    githubOrg: {id: acme, orgs: [acme]}\n", true, true},
		{"a webhook secret alone", "events:\n  modules:\n    github: {webhookSecret: s}\n", false, false},
		{"GitHub sign-in alone", "auth:\n  providers:\n    github:\n      development: {clientId: a, clientSecret: b}\n", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "app-config.yaml")
			if err := os.WriteFile(file, []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load([]string{file}, func(string) string { return "" }, os.ReadFile)
			if err != nil {
				t.Fatal(err)
			}
			db := storetest.Open(t)
			set := newPluginSet(slog.New(slog.DiscardHandler), db)
			if err := set.setup(t.Context(), cfg, builtinPlugins(portal{}), catalog.New(db, catalog.Options{})); err != nil {
				t.Fatal(err)
			}
			defer set.close()
			i := slices.IndexFunc(set.enabled, func(p plugin.Enabled) bool { return p.ID == "github" })
			if got := i >= 0; got != tc.enabled {
				t.Fatalf("GitHub enabled = %t, want %t", got, tc.enabled)
			}
			if i >= 0 {
				gh := set.enabled[i]
				if got := len(gh.Events) == 1 && gh.Events[0].Topic == "github"; got != tc.webhook {
					t.Errorf("webhook at /api/events/http/github = %t, want %t", got, tc.webhook)
				}
				if len(gh.Actions) != 4 || gh.GitCredentials == nil {
					t.Errorf("GitHub plugin: %d actions, credentials %t; want 4, true", len(gh.Actions), gh.GitCredentials != nil)
				}
			}
		})
	}
}
