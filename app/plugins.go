package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/config"
	"callboard/idp"
	"callboard/integration/argocd"
	"callboard/integration/github"
	"callboard/integration/grafana"
	"callboard/integration/kubernetes"
	"callboard/integration/pagerduty"
	"callboard/integration/prometheus"
	"callboard/onboard"
	"callboard/plugin"
	"callboard/quality"
	"callboard/scorecards"
	"callboard/web"
)

// builtinPlugins is the registration table: the plugins every callboard
// binary has, in the order their tabs and cards show. A team's binary adds
// its own after them through Main (docs/plugins.md). core is what serve
// built that built-in plugins read; commands that only read the
// declarations (policy, the checks in run) pass the zero portal.
func builtinPlugins(core portal) []plugin.Plugin {
	return []plugin.Plugin{
		web.DocsPlugin(core.docs),             // the entity page's Docs tab (TechDocs)
		github.Plugin(onboard.GitHubAnalyzer), // integrations.github, catalog.providers.github(Org), its webhook and actions
		argocd.Plugin(),                       // Argo CD: sync, health and history of an entity's applications
		grafana.Plugin(),                      // Grafana dashboards and alerts cards
		pagerduty.Plugin(),                    // on call, incidents, changes, trigger (pagerDuty)
		prometheus.Plugin(),                   // the SLO card from Prometheus (issue 13)
		kubernetes.Plugin(core.repos),         // pods, rollouts, logs and drift from git (kubernetes)
		scorecards.Plugin(core.readURL),       // scorecards: facts, levels, the Scorecard tab and page (issue 15)
		idp.Plugin(core.idp),                  // IDP metrics: completeness, freshness, active users, lead time (issue 15)
		quality.Plugin(core.quality),          // data quality: orphans, stale, dangling, duplicates; digest (issue 15)
	}
}

// The catalog is what plugins read entities from and providers feed.
var (
	_ plugin.Catalog         = (*catalog.Service)(nil)
	_ callboard.ProviderSink = (*catalog.Service)(nil)
	_ plugin.Config          = (*config.Config)(nil)
)

// portal is what serve builds that built-in plugins use; their Setup reads
// it, their declaration does not.
type portal struct {
	docs web.DocsReader
	// repos reads the Kubernetes plugin's manifests from git, from the
	// hosts the URL reader allows, with the integrations' credentials.
	repos *kubernetes.Repos
	// readURL reads a file by URL through the portal's URL reader (its
	// allowed hosts and credentials): the Scorecard tab's catalog-info.yaml.
	readURL func(ctx context.Context, url string) ([]byte, error)
	// idp computes the IDP metrics (app/idp.go).
	idp     *idp.IDP
	quality *quality.Quality
}

// declaredPlugins is every plugin of the binary, for their declarations.
func declaredPlugins(extra []plugin.Plugin) []plugin.Plugin {
	return append(builtinPlugins(portal{}), extra...)
}

// pluginSet is the enabled plugins of a running serve. It exists before
// they are enabled: the catalog and the docs syncer, which plugins read
// and feed, are built first and reach the plugins' credentials and
// analyzers through the set (plugin_parts.go), which answers for the
// plugins enabled by the time anything runs.
type pluginSet struct {
	enabled []plugin.Enabled
	timeout time.Duration
	log     *slog.Logger
	leases  callboard.LeaseStore
	facts   callboard.FactStore
	scores  callboard.ScorecardStore
	holder  string
	// transport, when set, wraps each plugin's HTTP transport (metrics).
	transport func(pluginID string, next http.RoundTripper) http.RoundTripper
}

// pluginStore is the database as plugins use it: leases for their jobs,
// facts for what the jobs compute.
type pluginStore interface {
	callboard.LeaseStore
	callboard.FactStore
	callboard.ScorecardStore
}

// newPluginSet returns a set whose plugins use db; nil means none.
func newPluginSet(log *slog.Logger, db pluginStore) *pluginSet {
	s := &pluginSet{log: log, holder: leaseHolder()}
	if db != nil {
		s.leases, s.facts, s.scores = db, db, db
	}
	return s
}

// setup enables each plugin whose config sections are present (or that
// has none), in order, with its environment: its sections to decode, a
// logger, the catalog to read and feed, leases, facts, an HTTP client and the
// base URL. The first failure stops serve.
func (s *pluginSet) setup(ctx context.Context, cfg *config.Config, plugins []plugin.Plugin, cat *catalog.Service) error {
	var pc config.Plugins
	if err := cfg.Decode("plugins", &pc); err != nil {
		return err
	}
	s.timeout = time.Duration(pc.Timeout)
	if err := plugin.Check(plugins); err != nil {
		return fmt.Errorf("plugins: %w", err)
	}
	for _, p := range plugins {
		if !plugin.Wanted(p, cfg) {
			continue
		}
		// Each plugin its own client, so that its outside calls are
		// measured under its ID (transport).
		client := plugin.NewHTTPClient()
		var wrap func(http.RoundTripper) http.RoundTripper
		if s.transport != nil {
			client.Transport = s.transport(p.ID, client.Transport)
			id := p.ID
			wrap = func(next http.RoundTripper) http.RoundTripper { return s.transport(id, next) }
		}
		env := plugin.Env{Log: s.log.With("plugin", p.ID), Catalog: cat, Entities: cat, Leases: s.leases, Holder: s.holder,
			Facts: s.facts, Scorecards: s.scores, AllFacts: s.allFacts, HTTPClient: client, WrapTransport: wrap, BaseURL: cfg.App.BaseURL}
		en, err := plugin.Enable(ctx, p, env.WithConfig(p, cfg))
		if err != nil {
			return err // the caller closes the plugins enabled before
		}
		s.enabled = append(s.enabled, en)
	}
	return nil
}

// allFacts asks every enabled plugin's Facts about e, for the plugins
// that gather them (scorecards); it reads the plugins enabled by the time
// it runs.
func (s *pluginSet) allFacts(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, map[string]error) {
	return plugin.Facts(ctx, s.enabled, e, s.timeout)
}

// claimPluginSections tells the config which sections the binary's
// plugins read, so they are not reported as unused.
func claimPluginSections(cfg *config.Config, extra []plugin.Plugin) {
	for _, p := range declaredPlugins(extra) {
		cfg.Claim(p.Keys()...)
	}
}

// runJobs runs the plugins' jobs until ctx ends; leases keep each job on
// one replica at a time.
func (s *pluginSet) runJobs(ctx context.Context) error {
	plugin.RunJobs(ctx, s.enabled, s.leases, s.holder, s.log)
	return nil
}

// close releases what the plugins' Setup acquired.
func (s *pluginSet) close() {
	var errs []error
	for _, p := range s.enabled {
		if p.Close != nil {
			if err := p.Close(); err != nil {
				errs = append(errs, fmt.Errorf("plugin %s: %w", p.ID, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.log.Warn("closing plugins", "err", err)
	}
}

// leaseHolder names this process in the lease table: host, pid and a
// random part, unique even for replicas on one host.
func leaseHolder() string {
	host, _ := os.Hostname()
	var rnd [4]byte
	rand.Read(rnd[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(rnd[:]))
}

// urlReader reads url: targets only (never files) with the catalog's
// reader, for plugins that read from entities' repositories.
func urlReader(r *catalog.Reader) func(ctx context.Context, url string) ([]byte, error) {
	return func(ctx context.Context, url string) ([]byte, error) {
		return r.Read(ctx, catalog.TypeURL, url)
	}
}
