package catalog

import (
	"callboard"
)

// RepoAnalyzer is the root's: an integration's knowledge of its code
// host's repository URLs (plugin.Instance.Analyzers).
type RepoAnalyzer = callboard.RepoAnalyzer

// repoAnalyzer returns the analyzer that serves target, or nil.
func (s *Service) repoAnalyzer(target, filename string) (RepoAnalyzer, string) {
	for _, a := range s.opts.Analyzers {
		if file, ok := a.DescriptorURL(target, filename); ok {
			return a, file
		}
	}
	return nil, ""
}
