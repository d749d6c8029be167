package callboard

import "context"

// ProviderMutation is what an entity provider (GitHub discovery, GitHub
// org) hands the catalog, as Backstage's applyMutation does. Locations are
// read like registered ones; Entities are stored as they are.
type ProviderMutation struct {
	Locations []Location // Type and Target; ID is ignored
	Entities  []*Entity
	// Scope empty is a full mutation: the provider's whole bucket is
	// replaced, and what it no longer lists is deleted. Otherwise only the
	// provider's locations whose target starts with Scope are replaced (a
	// delta for one repository) and its entities are left alone.
	Scope string
}

// ProviderSink is the catalog as entity providers see it.
type ProviderSink interface {
	// ApplyProvider applies m to the bucket of the provider called name.
	ApplyProvider(ctx context.Context, name string, m ProviderMutation) error
	// ProviderLocations returns the locations the provider owns now.
	ProviderLocations(name string) []Location
}
