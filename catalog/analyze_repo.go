package catalog

import (
	"context"
)

// RepoAnalyzer knows the repository URLs of one code host (GitHub,
// wired by main) so that analyze-location can find their descriptor and,
// when there is none, suggest an entity from the repository itself. It is
// an interface so that catalog imports no integration.
type RepoAnalyzer interface {
	// DescriptorURL returns the URL of filename for a repository, tree or
	// blob URL target: at the root, or in the directory a tree URL names.
	// ok is false for URLs the analyzer does not serve.
	DescriptorURL(target, filename string) (file string, ok bool)
	// Suggest infers an entity for the repository target names. Errors:
	// NotFound for a repository that does not exist, Upstream when the
	// host fails.
	Suggest(ctx context.Context, target string) (GeneratedEntity, error)
}

// repoAnalyzer returns the analyzer that serves target, or nil.
func (s *Service) repoAnalyzer(target, filename string) (RepoAnalyzer, string) {
	for _, a := range s.opts.Analyzers {
		if file, ok := a.DescriptorURL(target, filename); ok {
			return a, file
		}
	}
	return nil, ""
}
