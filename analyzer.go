package callboard

import "context"

// RepoAnalyzer knows the repository URLs of one code host (GitHub) so
// that the catalog's analyze-location can find their descriptor and, when
// there is none, suggest an entity from the repository itself. An
// integration provides it (plugin.Instance.Analyzers), so the catalog
// imports no integration.
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

// GeneratedEntity is a suggested entity for a location without
// descriptor, in the shape of Backstage's analyze-location answer.
type GeneratedEntity struct {
	Entity map[string]any   `json:"entity"`
	Fields []GeneratedField `json:"fields"`
}

// GeneratedField explains one field of a suggested entity.
type GeneratedField struct {
	Field       string `json:"field"`
	State       string `json:"state"`
	Value       string `json:"value,omitempty"`
	Description string `json:"description"`
}
