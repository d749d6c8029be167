package callboard

import (
	"context"
	"time"
)

// StoredEntity is an entity as the catalog keeps it between processing runs:
// the processed entity (annotations added, no relations, processing errors in
// Status) and what processing emitted for it.
type StoredEntity struct {
	UID         string    // metadata.uid, stable across updates of the same ref
	Ref         string    // canonical ref (EntityRef.String()), unique
	Entity      *Entity   // processed entity; Relations is always empty here
	Edges       []Edge    // relations emitted by processing this entity, both directions
	LocationKey string    // the claimant of Ref under the conflict rule; "" = weak claim
	Parents     []string  // refs of the Location entities that emitted it; none for roots
	Hash        string    // hash of the unprocessed input; an equal hash skips processing
	Orphan      bool      // no parent emits it any more
	UpdatedAt   time.Time // UTC, set by the store on every put
}

// EntityBody is a stored entity's canonical ref and JSON body, as stored
// (no relations).
type EntityBody struct {
	Ref  string
	JSON []byte
}

// Location is a registered location: where the catalog reads descriptors.
type Location struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Target string `json:"target"`
	// CreatedBy is the subject of the principal that registered it ("" for
	// locations from config, discovery, or before it was recorded); it
	// decides catalog.location.update and is not shown in the API.
	CreatedBy string `json:"-"`
}

// EntityStore persists the catalog. Implementations are safe for concurrent
// use. Errors are classified: NotFound for a missing entity or location,
// Conflict for a duplicate location, Internal otherwise.
type EntityStore interface {
	// PutEntities inserts or replaces entities by Ref, with their edges and
	// parents, in one transaction. An entity's previous edges are replaced.
	PutEntities(ctx context.Context, entities []*StoredEntity) error
	// DeleteEntities removes entities by Ref, with the edges they emitted.
	// Unknown refs are ignored.
	DeleteEntities(ctx context.Context, refs []string) error
	// Entity returns the entity with the given canonical ref, or NotFound.
	Entity(ctx context.Context, ref string) (*StoredEntity, error)
	// EntitiesByUID returns the entities with the given uids, in the order
	// given; a missing uid yields a nil element.
	EntitiesByUID(ctx context.Context, uids []string) ([]*StoredEntity, error)
	// EntitiesByRef returns the entities with the given canonical refs, in
	// the order given; a missing ref yields a nil element.
	EntitiesByRef(ctx context.Context, refs []string) ([]*StoredEntity, error)
	// AppendEntityBodies appends to buf the stored JSON bodies of the
	// entities with the given uids and returns buf and the bodies, whose
	// JSON are slices of it, in the order given; a missing uid yields a
	// zero EntityBody. It skips decoding, for readers that pass the JSON
	// on; reusing buf spares them an allocation per entity.
	AppendEntityBodies(ctx context.Context, buf []byte, uids []string) ([]byte, []EntityBody, error)
	// ScanEntities calls fn for every stored entity, in no particular order,
	// stopping at the first error fn returns.
	ScanEntities(ctx context.Context, fn func(*StoredEntity) error) error
	// EdgesFrom returns every stored edge whose Source is one of refs.
	EdgesFrom(ctx context.Context, refs []string) ([]Edge, error)

	// CreateLocation stores a new location with a fresh ID, recording the
	// principal ctx carries (PrincipalFrom) as its creator; Conflict if one
	// with the same type and target exists.
	CreateLocation(ctx context.Context, typ, target string) (Location, error)
	// Locations lists every registered location, oldest first.
	Locations(ctx context.Context) ([]Location, error)
	// Location returns one location by ID, or NotFound.
	Location(ctx context.Context, id string) (Location, error)
	// UpdateLocation changes a location's type and target, keeping its ID;
	// NotFound for an unknown ID, Conflict for a duplicate.
	UpdateLocation(ctx context.Context, id, typ, target string) (Location, error)
	// DeleteLocation removes a location by ID, or returns NotFound.
	DeleteLocation(ctx context.Context, id string) error

	// Close releases the database.
	Close() error
}
