package catalog

import (
	"context"

	"callboard"
	"callboard/index"
)

// Visibility limits the entities that reads return to one caller. Both
// fields must describe the same set: Predicate is applied inside index
// queries and facet counts (so pages have no holes and totals and cursors
// count only visible entities), Allows to single entities.
type Visibility struct {
	All       bool                         // every entity: no narrowing
	Predicate *index.Predicate             // the visible entities, for queries; nil with All false: none
	Allows    func(*callboard.Entity) bool // one entity; nil with All false: none
}

// ReadFilter returns the visibility of the caller that ctx carries (its
// principal). It is called on each read, so that a filter put in a request
// context early (before sign-in middleware runs) still sees the principal.
type ReadFilter func(ctx context.Context) (Visibility, error)

type readFilterKey struct{}

// WithReadFilter returns ctx under which Entity, EntityByUID,
// EntitiesByUID, EntitiesByRefs, Query, QueryRaw, Facets, FacetsWhere,
// Ancestry and LocationByEntity return only what f makes visible: hidden
// entities are NotFound, nil in lists, and absent from queries and counts.
func WithReadFilter(ctx context.Context, f ReadFilter) context.Context {
	return context.WithValue(ctx, readFilterKey{}, f)
}

// Unfiltered returns ctx without a read filter, for the server's own
// lookups (checking the entity a write names before deciding on it).
func Unfiltered(ctx context.Context) context.Context {
	return context.WithValue(ctx, readFilterKey{}, ReadFilter(nil))
}

// SeesEverything reports whether the caller ctx carries may read every
// entity, so that a reader of its own data (search) can skip checks.
func SeesEverything(ctx context.Context) (bool, error) {
	v, err := visibility(ctx)
	return v.All, err
}

// visibility returns the visibility ctx asks for; All when it carries no
// filter.
func visibility(ctx context.Context) (Visibility, error) {
	f, _ := ctx.Value(readFilterKey{}).(ReadFilter)
	if f == nil {
		return Visibility{All: true}, nil
	}
	return f(ctx)
}

// narrow adds the caller's visibility to q.
func narrow(ctx context.Context, q *index.Query) error {
	v, err := visibility(ctx)
	if err != nil || v.All {
		return err
	}
	q.Predicate = index.And(q.Predicate, orNothing(v.Predicate))
	return nil
}

// nothing matches no entity.
var nothing, _ = index.ParsePredicate(map[string]any{"$any": []any{}})

func orNothing(p *index.Predicate) *index.Predicate {
	if p == nil {
		return nothing
	}
	return p
}

// visible reports whether v shows e.
func (v Visibility) visible(e *callboard.Entity) bool {
	return v.All || (v.Allows != nil && v.Allows(e))
}
