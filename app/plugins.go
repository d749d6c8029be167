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
	"callboard/integration/kubernetes"
	"callboard/plugin"
	"callboard/web"
)

// builtinPlugins is the registration table: the plugins every callboard
// binary has, in the order their tabs and cards show. A team's binary adds
// its own after them through Main (docs/plugins.md). core is what serve
// built that built-in plugins read; commands that only read the
// declarations (policy, the checks in run) pass the zero portal.
func builtinPlugins(core portal) []plugin.Plugin {
	return []plugin.Plugin{
		web.DocsPlugin(core.docs), // the entity page's Docs tab (TechDocs)
		kubernetes.Plugin(core.readURL),
	}
}

// The catalog is what plugins read entities from.
var _ plugin.Catalog = (*catalog.Service)(nil)

// portal is what serve builds that built-in plugins use; their Setup reads
// it, their declaration does not.
type portal struct {
	docs web.DocsReader
	// readURL reads a file by URL through the portal's URL reader (its
	// allowed hosts and credentials): the Kubernetes plugin's manifests.
	readURL func(ctx context.Context, url string) ([]byte, error)
}

// declaredPlugins is every plugin of the binary, for their declarations.
func declaredPlugins(extra []plugin.Plugin) []plugin.Plugin {
	return append(builtinPlugins(portal{}), extra...)
}

// pluginsConfig is the plugins section: settings of the seam itself.
type pluginsConfig struct {
	// Timeout bounds each plugin's tab, card and facts call (default 3s).
	Timeout config.Duration `yaml:"timeout"`
}

// pluginSet is the enabled plugins of a running serve.
type pluginSet struct {
	enabled []plugin.Enabled
	timeout time.Duration
	log     *slog.Logger
}

// setupPlugins enables each plugin whose config section is present (or
// that has none), in order, with its environment: its section to decode,
// a logger, the catalog, an HTTP client and the base URL. The first
// failure stops serve; the plugins enabled before it are closed.
func setupPlugins(ctx context.Context, cfg *config.Config, plugins []plugin.Plugin, cat *catalog.Service, log *slog.Logger) (*pluginSet, error) {
	var pc pluginsConfig
	if err := cfg.Decode("plugins", &pc); err != nil {
		return nil, err
	}
	set := &pluginSet{timeout: time.Duration(pc.Timeout), log: log}
	if err := plugin.Check(plugins); err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, p := range plugins {
		if p.ConfigKey != "" && !cfg.Has(p.ConfigKey) {
			continue
		}
		env := plugin.Env{Log: log.With("plugin", p.ID), Catalog: cat, HTTPClient: client, BaseURL: cfg.App.BaseURL}
		if key := p.ConfigKey; key != "" {
			env.Config = func(into any) error { return cfg.Decode(key, into) }
		}
		en, err := plugin.Enable(ctx, p, env)
		if err != nil {
			set.close()
			return nil, err
		}
		set.enabled = append(set.enabled, en)
	}
	return set, nil
}

// claimPluginSections tells the config which sections the binary's
// plugins read, so they are not reported as unused.
func claimPluginSections(cfg *config.Config, extra []plugin.Plugin) {
	for _, p := range declaredPlugins(extra) {
		if p.ConfigKey != "" {
			cfg.Claim(p.ConfigKey)
		}
	}
}

// runJobs runs the plugins' jobs, once the stored catalog is loaded, until
// ctx ends; leases keep each job on one replica at a time.
func (s *pluginSet) runJobs(ctx context.Context, leases callboard.LeaseStore, cat *catalog.Service) {
	select {
	case <-cat.Loaded():
	case <-ctx.Done():
		return
	}
	plugin.RunJobs(ctx, s.enabled, leases, leaseHolder(), s.log)
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
