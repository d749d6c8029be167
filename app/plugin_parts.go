package app

import (
	"context"
	"sync"

	"callboard"
	"callboard/catalog"
	"callboard/plugin"
)

// The parts of the enabled plugins that serve hands to the catalog, the
// docs syncer and the scaffolder (newActions); web takes the plugins
// themselves (routes, tabs, cards, facts, events).

// urlReaders are the plugins' URL readers, in the plugins' order.
func (s *pluginSet) urlReaders() []plugin.URLReader {
	var out []plugin.URLReader
	for _, p := range s.enabled {
		out = append(out, p.URLReaders...)
	}
	return out
}

// gitCredentials is the first plugin's credentials for host, for cloning
// docs sources.
func (s *pluginSet) gitCredentials(host string) (string, string) {
	for _, p := range s.enabled {
		if p.GitCredentials == nil {
			continue
		}
		if user, pass := p.GitCredentials(host); pass != "" {
			return user, pass
		}
	}
	return "", ""
}

// analyzers returns the catalog's analyze-location analyzer over the
// plugins' ones.
func (s *pluginSet) analyzers() []catalog.RepoAnalyzer {
	return []catalog.RepoAnalyzer{pluginAnalyzers{s}}
}

// pluginAnalyzers is the plugins' analyzers as one: the first that serves
// a target answers for it.
type pluginAnalyzers struct{ s *pluginSet }

func (a pluginAnalyzers) find(target string) (callboard.RepoAnalyzer, bool) {
	for _, p := range a.s.enabled {
		for _, an := range p.Analyzers {
			if _, ok := an.DescriptorURL(target, "catalog-info.yaml"); ok {
				return an, true
			}
		}
	}
	return nil, false
}

func (a pluginAnalyzers) DescriptorURL(target, filename string) (string, bool) {
	if an, ok := a.find(target); ok {
		return an.DescriptorURL(target, filename)
	}
	return "", false
}

func (a pluginAnalyzers) Suggest(ctx context.Context, target string) (callboard.GeneratedEntity, error) {
	if an, ok := a.find(target); ok {
		return an.Suggest(ctx, target)
	}
	return callboard.GeneratedEntity{}, callboard.Errorf(callboard.Invalid, "no integration serves %s", target)
}

// runProviders runs the plugins' entity providers until ctx ends. A
// provider that fails is logged; the catalog keeps what it gave.
func (s *pluginSet) runProviders(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, p := range s.enabled {
		for _, pr := range p.Providers {
			wg.Go(func() {
				if err := pr.Run(ctx); err != nil && ctx.Err() == nil {
					s.log.Error("entity provider stopped", "plugin", p.ID, "provider", pr.Name, "err", err)
				}
			})
		}
	}
	wg.Wait()
	return nil
}
