package app

import (
	"fmt"
	"log/slog"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/config"
	"callboard/metrics"
	"callboard/plugin"
	"callboard/scaffold"
	"callboard/store"
)

// newActions builds the scaffolder's action registry: every action a
// template may name, in one place: the built-in ones, then each enabled
// plugin's (GitHub's publish:github and friends). An action ID a plugin
// shares with another is an error.
func newActions(b *scaffold.Builtins, plugins []plugin.Enabled) (*scaffold.Actions, error) {
	actions := scaffold.NewActions()
	// fetch:plain, fetch:plain:file, fetch:template, fs:delete, fs:rename,
	// debug:log, debug:wait, catalog:register, catalog:write,
	// catalog:fetch and publish:git.
	scaffold.AddBuiltins(actions, b)
	for _, p := range plugins {
		for _, a := range p.Actions {
			if actions.Has(a.ID) {
				return nil, fmt.Errorf("plugin %s: scaffolder action %s is taken", p.ID, a.ID)
			}
			opts := []scaffold.Option{scaffold.WithDescription(a.Description)}
			if a.Undo != nil {
				opts = append(opts, scaffold.WithUndo(a.Undo))
			}
			scaffold.AddType(actions, a.ID, a.Input, a.Run, opts...)
		}
	}
	return actions, nil
}

// newScaffolder builds the scaffolder service and its runner from the
// scaffolder section (scaffold.ReadConfig) with the plugins' actions.
func newScaffolder(cfg *config.Config, db *store.DB, cat *catalog.Service, reader *catalog.Reader, plugins []plugin.Enabled, log *slog.Logger, m *metrics.Metrics) (*scaffold.Service, *scaffold.Runner, error) {
	sc, err := scaffold.ReadConfig(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	fetcher := &scaffold.URLFetcher{URLs: reader.URLs, Embedded: reader.Embedded}
	actions, err := newActions(&scaffold.Builtins{Fetcher: fetcher, Catalog: cat,
		GitAllowHosts: sc.Git.AllowHosts, AllowFileRemotes: sc.Git.AllowFileRemotes}, plugins)
	if err != nil {
		return nil, nil, err
	}
	var box *scaffold.SecretBox
	if sc.SecretsKey != "" {
		if box, err = scaffold.NewSecretBox(sc.SecretsKey); err != nil {
			return nil, nil, err
		}
	}
	ro := sc.RunnerOptions(box, log)
	ro.ObserveTask = func(template string, status callboard.TaskStatus, took time.Duration) {
		m.ObserveTask(template, string(status), took)
	}
	runner := scaffold.NewRunner(db, actions, ro)
	return scaffold.NewService(db, actions, runner, cat, box), runner, nil
}
