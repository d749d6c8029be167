package github

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"callboard/config"
)

// The keys of Backstage's GitHub sections, decoded here and nowhere else.
const (
	// IntegrationsKey is integrations.github: a list of hosts with their
	// credentials.
	IntegrationsKey = "integrations.github"
	// DiscoveryKey is catalog.providers.github: discovery providers by
	// id, or a single one ({organization: ...}).
	DiscoveryKey = "catalog.providers.github"
	// OrgKey is catalog.providers.githubOrg: org providers, one or a list.
	OrgKey = "catalog.providers.githubOrg"
	// WebhookSecretKey is the events module's webhook secret, accepted
	// besides the apps' webhookSecret.
	WebhookSecretKey = "events.modules.github.webhookSecret"
)

// integrationYAML is an entry of integrations.github; appId may be a
// number or a string (after ${VAR} substitution).
type integrationYAML struct {
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

// DecodeIntegrations decodes integrations.github with decode (the
// section's decoder: plugin.Env.Decode, or config.Config.Decode bound to
// IntegrationsKey) into one Config per entry.
func DecodeIntegrations(decode func(into any) error) ([]Config, error) {
	var ints []integrationYAML
	if err := decode(&ints); err != nil {
		return nil, err
	}
	out := make([]Config, 0, len(ints))
	for i, in := range ints {
		gc := Config{Host: in.Host, APIBaseURL: in.APIBaseURL, RawBaseURL: in.RawBaseURL, Token: in.Token}
		for j, a := range in.Apps {
			id, err := strconv.ParseInt(strings.TrimSpace(fmt.Sprint(a.AppID)), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("integrations.github[%d].apps[%d].appId: want a number, got %v", i, j, a.AppID)
			}
			gc.Apps = append(gc.Apps, AppConfig{AppID: id, PrivateKey: a.PrivateKey, ClientID: a.ClientID,
				ClientSecret: a.ClientSecret, WebhookSecret: a.WebhookSecret, AllowedInstallationOwners: a.AllowedInstallationOwners})
		}
		out = append(out, gc)
	}
	return out, nil
}

type scheduleYAML struct {
	Frequency    any `yaml:"frequency"`
	Timeout      any `yaml:"timeout"`
	InitialDelay any `yaml:"initialDelay"`
	Scope        any `yaml:"scope"`
}

// schedule reads Backstage's schedule: durations in any config form, and
// cron frequencies of the "*/N * * * *" (every N minutes) shape.
func (s scheduleYAML) schedule(path string) (Schedule, error) {
	var out Schedule
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

func (d discoveryYAML) config(id string) (DiscoveryConfig, error) {
	sched, err := d.Schedule.schedule(DiscoveryKey + "." + id)
	if err != nil {
		return DiscoveryConfig{}, err
	}
	return DiscoveryConfig{ID: id, Host: d.Host, Organization: d.Organization, CatalogPath: d.CatalogPath, Schedule: sched,
		Filters: DiscoveryFilters{Branch: d.Filters.Branch, Repository: d.Filters.Repository,
			TopicInclude: d.Filters.Topic.Include, TopicExclude: d.Filters.Topic.Exclude, Visibility: d.Filters.Visibility,
			AllowForks: d.Filters.AllowForks, AllowArchived: d.Filters.AllowArchived}}, nil
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

// config returns the provider's config and the host of its githubUrl.
func (o orgYAML) config(i int) (OrgConfig, string, error) {
	path := fmt.Sprintf("%s[%d]", OrgKey, i)
	sched, err := o.Schedule.schedule(path)
	if err != nil {
		return OrgConfig{}, "", err
	}
	host := "github.com"
	if o.GithubURL != "" {
		u, err := url.Parse(o.GithubURL)
		if err != nil || u.Host == "" {
			return OrgConfig{}, "", fmt.Errorf("%s.githubUrl: %q is not a URL", path, o.GithubURL)
		}
		host = u.Host
	}
	return OrgConfig{ID: o.ID, GithubURL: o.GithubURL, Orgs: o.Orgs, Schedule: sched}, host, nil
}
