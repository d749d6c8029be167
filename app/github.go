package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/config"
	"callboard/integration/github"
)

// gitHub is what integrations.github and the GitHub providers add to a
// running portal.
type gitHub struct {
	clients     map[string]*github.Client // by host
	discoveries []*github.Discovery
	orgs        []*github.OrgProvider
	secrets     []string
	// leases, when set, makes each provider's schedule run on one replica
	// at a time, as holder (see useLeases).
	leases callboard.LeaseStore
	holder string
}

// githubIntegrationYAML is an entry of integrations.github; appId may be a
// number or a string (after ${VAR} substitution).
type githubIntegrationYAML struct {
	Host       string `yaml:"host"`
	APIBaseURL string `yaml:"apiBaseUrl"`
	RawBaseURL string `yaml:"rawBaseUrl"`
	Token      string `yaml:"token"`
	Apps       []struct {
		AppID                     any      `yaml:"appId"`
		PrivateKey                string   `yaml:"privateKey"`
		ClientID                  string   `yaml:"clientId"`
		ClientSecret              string   `yaml:"clientSecret"`
		WebhookSecret             string   `yaml:"webhookSecret"`
		AllowedInstallationOwners []string `yaml:"allowedInstallationOwners"`
	} `yaml:"apps"`
}

// setupGitHub builds a client per integrations.github entry and plugs
// their URL readers into the catalog's URL reader (reader.URLs, which the
// fetch actions share).
func setupGitHub(cfg *config.Config, reader *catalog.Reader) (*gitHub, error) {
	var ints []githubIntegrationYAML
	if err := cfg.Decode("integrations.github", &ints); err != nil {
		return nil, err
	}
	g := &gitHub{clients: map[string]*github.Client{}}
	for i, in := range ints {
		gc := github.Config{Host: in.Host, APIBaseURL: in.APIBaseURL, RawBaseURL: in.RawBaseURL, Token: in.Token}
		for j, a := range in.Apps {
			id, err := strconv.ParseInt(strings.TrimSpace(fmt.Sprint(a.AppID)), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("integrations.github[%d].apps[%d].appId: want a number, got %v", i, j, a.AppID)
			}
			gc.Apps = append(gc.Apps, github.AppConfig{AppID: id, PrivateKey: a.PrivateKey, ClientID: a.ClientID,
				ClientSecret: a.ClientSecret, WebhookSecret: a.WebhookSecret, AllowedInstallationOwners: a.AllowedInstallationOwners})
		}
		c, err := github.New(gc, github.Options{})
		if err != nil {
			return nil, fmt.Errorf("integrations.github[%d]: %w", i, err)
		}
		g.clients[c.Host()] = c
		g.secrets = append(g.secrets, c.WebhookSecrets()...)
		reader.URLs.Integrations = append(reader.URLs.Integrations, c.URLIntegrations()...)
	}
	if s := cfg.String("events.modules.github.webhookSecret"); s != "" {
		g.secrets = append(g.secrets, s)
	}
	return g, nil
}

// client returns the integration for host; github.com without one gets an
// anonymous client, as in Backstage.
func (g *gitHub) client(host string) (*github.Client, error) {
	if host == "" {
		host = "github.com"
	}
	if c := g.clients[host]; c != nil {
		return c, nil
	}
	if host != "github.com" {
		return nil, fmt.Errorf("no integrations.github entry for host %s", host)
	}
	c, err := github.New(github.Config{}, github.Options{})
	if err == nil {
		g.clients[host] = c
	}
	return c, err
}

type scheduleYAML struct {
	Frequency    any `yaml:"frequency"`
	Timeout      any `yaml:"timeout"`
	InitialDelay any `yaml:"initialDelay"`
	Scope        any `yaml:"scope"`
}

// schedule reads Backstage's schedule: durations in any config form, and
// cron frequencies of the "*/N * * * *" (every N minutes) shape.
func (s scheduleYAML) schedule(path string) (github.Schedule, error) {
	var out github.Schedule
	for _, f := range []struct {
		key string
		v   any
		to  *time.Duration
	}{{"frequency", s.Frequency, &out.Frequency}, {"timeout", s.Timeout, &out.Timeout}, {"initialDelay", s.InitialDelay, &out.InitialDelay}} {
		if f.v == nil {
			continue
		}
		if m, ok := f.v.(map[string]any); ok && m["cron"] != nil {
			n, ok := cronMinutes(fmt.Sprint(m["cron"]))
			if !ok {
				return out, fmt.Errorf("%s.schedule.%s: cron %q: only \"*/N * * * *\" (every N minutes) is supported; use {minutes: N}", path, f.key, m["cron"])
			}
			*f.to = time.Duration(n) * time.Minute
			continue
		}
		d, err := config.ParseDuration(f.v)
		if err != nil {
			return out, fmt.Errorf("%s.schedule.%s: %w", path, f.key, err)
		}
		*f.to = d
	}
	return out, nil
}

func cronMinutes(expr string) (int, bool) {
	f := strings.Fields(expr)
	if len(f) != 5 || f[1] != "*" || f[2] != "*" || f[3] != "*" || f[4] != "*" {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(f[0], "*/"))
	return n, err == nil && n > 0 && strings.HasPrefix(f[0], "*/")
}

type discoveryYAML struct {
	Organization string `yaml:"organization"`
	Host         string `yaml:"host"`
	CatalogPath  string `yaml:"catalogPath"`
	Filters      struct {
		Branch     string `yaml:"branch"`
		Repository string `yaml:"repository"`
		Topic      struct {
			Include []string `yaml:"include"`
			Exclude []string `yaml:"exclude"`
		} `yaml:"topic"`
		Visibility    []string `yaml:"visibility"`
		AllowForks    *bool    `yaml:"allowForks"`
		AllowArchived bool     `yaml:"allowArchived"`
	} `yaml:"filters"`
	Schedule               scheduleYAML `yaml:"schedule"`
	ValidateLocationsExist any          `yaml:"validateLocationsExist"`
	PageSizes              any          `yaml:"pageSizes"`
	App                    any          `yaml:"app"`
}

type orgYAML struct {
	ID        string       `yaml:"id"`
	GithubURL string       `yaml:"githubUrl"`
	Orgs      []string     `yaml:"orgs"`
	Schedule  scheduleYAML `yaml:"schedule"`
	// Backstage keys callboard accepts and ignores.
	ExcludeSuspendedUsers any `yaml:"excludeSuspendedUsers"`
	PageSizes             any `yaml:"pageSizes"`
}

// addProviders builds catalog.providers.github.<id> and
// catalog.providers.githubOrg, feeding cat.
func (g *gitHub) addProviders(cfg *config.Config, cat *catalog.Service, log *slog.Logger) error {
	discs := map[string]discoveryYAML{}
	if cfg.Has("catalog.providers.github.organization") {
		// The single-provider form: catalog.providers.github: {organization: ...}.
		var one discoveryYAML
		if err := cfg.Decode("catalog.providers.github", &one); err != nil {
			return err
		}
		discs["default"] = one
	} else if err := cfg.Decode("catalog.providers.github", &discs); err != nil {
		return err
	}
	for id, d := range discs {
		path := "catalog.providers.github." + id
		sched, err := d.Schedule.schedule(path)
		if err != nil {
			return err
		}
		sched.Leases, sched.Holder = g.leases, g.holder
		c, err := g.client(d.Host)
		if err != nil {
			return fmt.Errorf("%s.host: %w", path, err)
		}
		p, err := c.NewDiscovery(github.DiscoveryConfig{ID: id, Host: d.Host, Organization: d.Organization,
			CatalogPath: d.CatalogPath, Schedule: sched, Filters: github.DiscoveryFilters{
				Branch: d.Filters.Branch, Repository: d.Filters.Repository, TopicInclude: d.Filters.Topic.Include,
				TopicExclude: d.Filters.Topic.Exclude, Visibility: d.Filters.Visibility, AllowForks: d.Filters.AllowForks,
				AllowArchived: d.Filters.AllowArchived}}, cat, log)
		if err != nil {
			return err
		}
		g.discoveries = append(g.discoveries, p)
	}
	var orgs []orgYAML
	if cfg.Has("catalog.providers.githubOrg.id") {
		var one orgYAML
		if err := cfg.Decode("catalog.providers.githubOrg", &one); err != nil {
			return err
		}
		orgs = append(orgs, one)
	} else if err := cfg.Decode("catalog.providers.githubOrg", &orgs); err != nil {
		return err
	}
	for i, o := range orgs {
		path := fmt.Sprintf("catalog.providers.githubOrg[%d]", i)
		sched, err := o.Schedule.schedule(path)
		if err != nil {
			return err
		}
		sched.Leases, sched.Holder = g.leases, g.holder
		host := "github.com"
		if o.GithubURL != "" {
			u, err := url.Parse(o.GithubURL)
			if err != nil || u.Host == "" {
				return fmt.Errorf("%s.githubUrl: %q is not a URL", path, o.GithubURL)
			}
			host = u.Host
		}
		c, err := g.client(host)
		if err != nil {
			return fmt.Errorf("%s.githubUrl: %w", path, err)
		}
		p, err := c.NewOrgProvider(github.OrgConfig{ID: o.ID, GithubURL: o.GithubURL, Orgs: o.Orgs, Schedule: sched}, cat, log)
		if err != nil {
			return err
		}
		g.orgs = append(g.orgs, p)
	}
	return nil
}

// useLeases makes the providers added after it take a lease in leases
// before each scheduled run, so that replicas sharing one database run
// each provider once per interval. The holder names this process: host,
// pid and a random part, unique even for replicas on one host.
func (g *gitHub) useLeases(leases callboard.LeaseStore) {
	host, _ := os.Hostname()
	var rnd [4]byte
	rand.Read(rnd[:])
	g.leases, g.holder = leases, fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(rnd[:]))
}

// webhooks returns the events sink, or nil without providers.
func (g *gitHub) webhooks(log *slog.Logger) *github.Webhooks {
	if len(g.discoveries)+len(g.orgs) == 0 {
		return nil
	}
	return github.NewWebhooks(g.secrets, g.discoveries, g.orgs, log)
}

// run runs every provider on its schedule until ctx ends.
func (g *gitHub) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, d := range g.discoveries {
		wg.Go(func() { _ = d.Run(ctx) })
	}
	for _, o := range g.orgs {
		wg.Go(func() { _ = o.Run(ctx) })
	}
	wg.Wait()
}

// hosts returns the configured integrations for the scaffolder's GitHub
// actions (publish:github and friends route by repoUrl host).
func (g *gitHub) hosts() github.Hosts {
	var out github.Hosts
	for _, c := range g.clients {
		out = append(out, c)
	}
	if _, ok := g.clients["github.com"]; !ok {
		// As in Backstage, github.com without an entry is anonymous: a
		// publish then fails at GitHub with a message asking for a token.
		if c, err := g.client("github.com"); err == nil {
			out = append(out, c)
		}
	}
	return out
}
