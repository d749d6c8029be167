package plugin

import "context"

// Provider is an entity provider: it feeds the catalog (Env.Entities) on
// its own schedule, as Backstage's catalog.providers do, for example
// GitHub discovery reading catalog-info.yaml from an organization's
// repositories.
type Provider struct {
	// Name names the provider in the log.
	Name string
	// Run feeds the catalog until ctx ends. The host calls it once the
	// stored catalog is loaded; an error returned before ctx ends is
	// logged, and the catalog keeps what the provider gave it.
	Run func(ctx context.Context) error
}
