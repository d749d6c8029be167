package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"callboard"
	"callboard/plugin"
)

// Plugin is the GitHub integration as a plugin, enabled when
// integrations.github, catalog.providers.github or
// catalog.providers.githubOrg is present. It adds:
//
//   - URL readers for the catalog that read each integration's hosts with
//     its credentials, and its tokens for cloning TechDocs sources;
//   - the discovery and org entity providers, on their schedules, and
//     their webhook at POST /api/events/http/github (signed with an App's
//     webhookSecret or events.modules.github.webhookSecret);
//   - the scaffolder actions publish:github, github:repo:create,
//     publish:github:pull-request and github:actions:dispatch, routed to
//     the integration of each repoUrl's host (github.com without an entry
//     is anonymous, as in Backstage);
//   - analyzer(client), when analyzer is not nil, per integration, for
//     analyze-location (package onboard's inference, which this package
//     cannot import).
func Plugin(analyzer func(*Client) callboard.RepoAnalyzer) plugin.Plugin {
	return plugin.Plugin{
		ID:         "github",
		Title:      "GitHub",
		ConfigKey:  IntegrationsKey,
		ConfigKeys: []string{DiscoveryKey, OrgKey},
		Setup: func(_ context.Context, env plugin.Env) (*plugin.Instance, error) {
			return setup(env, analyzer)
		},
		Permissions: []callboard.Permission{actionsPermission},
	}
}

// integration is what the plugin's Setup builds.
type integration struct {
	configured  []*Client          // integrations.github, in order
	clients     map[string]*Client // by host, anonymous github.com included once used
	secrets     []string
	discoveries []*Discovery
	orgs        []*OrgProvider
}

func setup(env plugin.Env, analyzer func(*Client) callboard.RepoAnalyzer) (*plugin.Instance, error) {
	cfgs, err := DecodeIntegrations(env.Decode)
	if err != nil {
		return nil, err
	}
	g := &integration{clients: map[string]*Client{}}
	for i, gc := range cfgs {
		c, err := New(gc, Options{})
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", IntegrationsKey, i, err)
		}
		g.configured = append(g.configured, c)
		g.clients[c.Host()] = c
		g.secrets = append(g.secrets, c.WebhookSecrets()...)
	}
	var secret any
	if err := env.ConfigAt(WebhookSecretKey, &secret); err != nil {
		return nil, err
	}
	switch secret.(type) {
	case nil, map[string]any, []any: // not a secret
	default:
		if s := fmt.Sprint(secret); s != "" {
			g.secrets = append(g.secrets, s)
		}
	}
	in := &plugin.Instance{GitCredentials: g.gitCredentials}
	for _, c := range g.configured {
		in.URLReaders = append(in.URLReaders, c.URLIntegrations()...)
	}
	if analyzer != nil {
		byHost := slices.Clone(g.configured)
		sort.SliceStable(byHost, func(i, j int) bool { return byHost[i].Host() < byHost[j].Host() })
		for _, c := range byHost {
			in.Analyzers = append(in.Analyzers, analyzer(c))
		}
	}
	if err := g.addProviders(env); err != nil {
		return nil, err
	}
	in.Actions = g.hosts().Actions()
	g.addActions(in) // after hosts(): github.com's client exists
	for _, d := range g.discoveries {
		in.Providers = append(in.Providers, plugin.Provider{Name: d.Name(), Run: d.Run})
	}
	for _, o := range g.orgs {
		in.Providers = append(in.Providers, plugin.Provider{Name: o.Name(), Run: o.Run})
	}
	if len(in.Providers) > 0 {
		hooks := NewWebhooks(g.secrets, g.discoveries, g.orgs, env.Log)
		in.Events = []plugin.EventHandler{{
			Topic:  "github",
			Accept: func(h http.Header) error { return hooks.Accept("github", h) },
			Handle: func(ctx context.Context, h http.Header, body []byte) error {
				return hooks.Event(ctx, "github", h, body)
			},
		}}
	}
	return in, nil
}

// client returns the integration for host; github.com without one gets an
// anonymous client, as in Backstage.
func (g *integration) client(host string) (*Client, error) {
	if host == "" {
		host = "github.com"
	}
	if c := g.clients[host]; c != nil {
		return c, nil
	}
	if host != "github.com" {
		return nil, fmt.Errorf("no %s entry for host %s", IntegrationsKey, host)
	}
	c, err := New(Config{}, Options{})
	if err == nil {
		g.clients[host] = c
	}
	return c, err
}

// addProviders builds catalog.providers.github.<id> and
// catalog.providers.githubOrg, feeding env.Entities on schedules that
// take env.Leases.
func (g *integration) addProviders(env plugin.Env) error {
	discs := map[string]discoveryYAML{}
	if has(env, DiscoveryKey+".organization") {
		// The single-provider form: catalog.providers.github: {organization: ...}.
		var one discoveryYAML
		if err := env.ConfigAt(DiscoveryKey, &one); err != nil {
			return err
		}
		discs["default"] = one
	} else if err := env.ConfigAt(DiscoveryKey, &discs); err != nil {
		return err
	}
	var orgs []orgYAML
	if has(env, OrgKey+".id") {
		var one orgYAML
		if err := env.ConfigAt(OrgKey, &one); err != nil {
			return err
		}
		orgs = append(orgs, one)
	} else if err := env.ConfigAt(OrgKey, &orgs); err != nil {
		return err
	}
	if len(discs)+len(orgs) > 0 && env.Entities == nil {
		return fmt.Errorf("catalog providers are configured but the portal gives no catalog to feed")
	}
	ids := make([]string, 0, len(discs))
	for id := range discs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		d := discs[id]
		dc, err := d.config(id)
		if err != nil {
			return err
		}
		dc.Schedule.Leases, dc.Schedule.Holder = env.Leases, env.Holder
		c, err := g.client(d.Host)
		if err != nil {
			return fmt.Errorf("%s.%s.host: %w", DiscoveryKey, id, err)
		}
		p, err := c.NewDiscovery(dc, env.Entities, env.Log)
		if err != nil {
			return err
		}
		g.discoveries = append(g.discoveries, p)
	}
	for i, o := range orgs {
		oc, host, err := o.config(i)
		if err != nil {
			return err
		}
		oc.Schedule.Leases, oc.Schedule.Holder = env.Leases, env.Holder
		c, err := g.client(host)
		if err != nil {
			return fmt.Errorf("%s[%d].githubUrl: %w", OrgKey, i, err)
		}
		p, err := c.NewOrgProvider(oc, env.Entities, env.Log)
		if err != nil {
			return err
		}
		g.orgs = append(g.orgs, p)
	}
	return nil
}

// has reports whether the config sets path (to a value other than null).
func has(env plugin.Env, path string) bool {
	var v any
	return env.ConfigAt(path, &v) == nil && v != nil
}

// hosts returns the integrations for the scaffolder's actions: the
// configured ones, and an anonymous github.com when it has no entry (a
// publish then fails at GitHub with a message asking for a token).
func (g *integration) hosts() Hosts {
	out := Hosts(slices.Clone(g.configured))
	if !slices.ContainsFunc(out, func(c *Client) bool { return c.Host() == "github.com" }) {
		if c, err := g.client("github.com"); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// urlReaders reads the client's URLs with its credentials: its web host
// and, when it differs, its raw content host.

// gitCredentials gives git the token of the first configured integration
// with a token for host: the same host and port, or the same host name
// when the entry names no port. GitHub takes a token as the password of
// user x-access-token. Apps give no credentials for git yet.
func (g *integration) gitCredentials(host string) (string, string) {
	name := host
	if u, err := url.Parse("//" + host); err == nil {
		name = u.Hostname()
	}
	for _, c := range g.configured {
		h := c.Host()
		if c.cfg.Token != "" && (strings.EqualFold(h, host) || (!strings.Contains(h, ":") && strings.EqualFold(h, name))) {
			return "x-access-token", c.cfg.Token
		}
	}
	return "", ""
}
