package github_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"callboard"
	"callboard/integration/github"
	"callboard/internal/githubfake"
	"callboard/plugin"
	"callboard/plugin/plugintest"
)

// nopSink is a catalog that takes every mutation.
type nopSink struct{}

func (nopSink) ApplyProvider(context.Context, string, callboard.ProviderMutation) error { return nil }
func (nopSink) ProviderLocations(string) []callboard.Location                           { return nil }

// TestPluginConfigErrors: the plugin decodes its sections strictly and
// names the key (and, for the decoder's errors, the file and line).
func TestPluginConfigErrors(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"unknown key", "integrations:\n  github:\n    - host: github.com\n      tokn: x\n", "app-config.yaml:4: integrations.github[0].tokn: unknown key"},
		{"appId not a number", "integrations:\n  github:\n    - apps: [{appId: seven, privateKey: k}]\n", "integrations.github[0].apps[0].appId: want a number"},
		{"Enterprise without apiBaseUrl", "integrations:\n  github:\n    - host: ghe.example.com\n", "apiBaseUrl is required for GitHub Enterprise"},
		{"provider on a host without integration", "catalog:\n  providers:\n    github:\n      acme: {organization: acme, host: ghe.example.com}\n",
			"catalog.providers.github.acme.host: no integrations.github entry for host ghe.example.com"},
		{"provider key typo", "catalog:\n  providers:\n    github:\n      acme: {organisation: acme}\n", "app-config.yaml:4: catalog.providers.github.acme.organisation: unknown key"},
		{"cron schedule", "catalog:\n  providers:\n    githubOrg: {id: acme, orgs: [acme], schedule: {frequency: {cron: '0 * * * *'}}}\n",
			`catalog.providers.githubOrg[0].schedule.frequency: cron "0 * * * *"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := github.Plugin(nil)
			env := plugintest.Env(t, p, tc.config)
			env.Entities = nopSink{}
			_, err := plugin.Enable(t.Context(), p, env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestPluginWebhook: the discovery provider's webhook is served by the
// portal at POST /api/events/http/github, with no sign-in, refusing
// deliveries without the secret's signature.
func TestPluginWebhook(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc", map[string]string{"catalog-info.yaml": "kind: Component\n"}, githubfake.RepoOptions{})
	portal := plugintest.New(t, github.Plugin(nil), plugintest.Options{Config: fmt.Sprintf(`integrations:
  github:
    - {host: %s, apiBaseUrl: %s, token: %s}
catalog:
  providers:
    github:
      acme: {organization: acme, host: %s, schedule: {frequency: {hours: 1}, initialDelay: {hours: 1}}}
events:
  modules:
    github: {webhookSecret: s3cret}
`, s.Host(), s.APIURL(), githubfake.Token, s.Host())})
	hook := portal.URL + "/api/events/http/github"
	for _, tc := range []struct {
		name, secret string
		status       int
	}{
		{"signed", "s3cret", http.StatusAccepted},
		{"forged", "guess", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := githubfake.Deliver(nil, hook, "push", tc.secret, s.PushPayload(s.Repo("acme", "svc"), "main"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("delivery: %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}
