package app

import (
	"sort"

	"callboard/catalog"
	"callboard/integration/github"
	"callboard/onboard"
)

// onboardAnalyzers returns one analyze-location analyzer per GitHub host
// of integrations.github (sorted by host), for catalog.Options.Analyzers:
// POST /api/catalog/analyze-location then finds descriptors of repository,
// tree and blob URLs and, for repositories without one, suggests the
// entity `callboard onboard github` would propose.
func onboardAnalyzers(clients map[string]*github.Client) []catalog.RepoAnalyzer {
	hosts := make([]string, 0, len(clients))
	for h := range clients {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	out := make([]catalog.RepoAnalyzer, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, onboard.NewAnalyzer(clients[h], ""))
	}
	return out
}
