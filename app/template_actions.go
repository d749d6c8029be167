package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"callboard/config"
	"callboard/plugin"
	"callboard/scaffold"
)

// dryRunActions builds the actions `callboard template dry-run` knows:
// every action of the binary, so that a step naming one that exists
// nowhere fails the run while one whose plugin is not configured is
// skipped with its input checked. With --config files, the plugins
// they configure are enabled as serve enables them, and their URL
// readers (GitHub's, with its token) read the skeletons; the others are
// set up without a section, for their actions' input schemas only. The
// returned func releases what the plugins' Setup acquired.
func dryRunActions(ctx context.Context, configs []string, getenv func(string) string, extra []plugin.Plugin) (*scaffold.Actions, func(), error) {
	log := slog.New(slog.DiscardHandler)
	cfg, err := config.Load(configs, getenv, os.ReadFile)
	if err != nil {
		return nil, nil, fmt.Errorf("load config: %w", err)
	}
	claimPluginSections(cfg, extra)
	opts, err := catalogOptions(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	plugins := declaredPlugins(extra)
	if err := plugin.Check(plugins); err != nil {
		return nil, nil, fmt.Errorf("plugins: %w", err)
	}
	set := newPluginSet(log, nil)
	client := plugin.NewHTTPClient()
	for _, p := range plugins {
		env := plugin.Env{Log: log.With("plugin", p.ID), HTTPClient: client, BaseURL: cfg.App.BaseURL}
		wanted := len(configs) > 0 && plugin.Wanted(p, cfg)
		if wanted {
			env = env.WithConfig(p, cfg)
		}
		en, err := plugin.Enable(ctx, p, env)
		if err != nil {
			if wanted {
				set.close()
				return nil, nil, err
			}
			continue // a plugin that needs its section: its actions are unknown here
		}
		set.enabled = append(set.enabled, en)
	}
	opts.Reader.URLs.Integrations = append(opts.Reader.URLs.Integrations, set.urlReaders()...)
	fetcher := &scaffold.URLFetcher{URLs: opts.Reader.URLs}
	actions, err := newActions(&scaffold.Builtins{Fetcher: fetcher}, set.enabled)
	if err != nil {
		set.close()
		return nil, nil, err
	}
	return actions, set.close, nil
}
