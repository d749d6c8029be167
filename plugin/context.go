package plugin

import (
	"context"
	"net/http"
	"net/url"

	"callboard"
)

type routeEntityKey struct{}

// RouteEntity returns the entity a route's {kind}/{namespace}/{name} name,
// which the host loaded and decided the route's permission on; nil for a
// route whose permission is not decided per entity.
func RouteEntity(r *http.Request) *callboard.Entity {
	e, _ := r.Context().Value(routeEntityKey{}).(*callboard.Entity)
	return e
}

// WithRouteEntity returns ctx carrying the route's entity; the host calls
// it before a plugin's handler (and tests that call a handler directly).
func WithRouteEntity(ctx context.Context, e *callboard.Entity) context.Context {
	return context.WithValue(ctx, routeEntityKey{}, e)
}

// Authorizer answers whether the caller of a request holds a permission;
// hosts put one into the context of requests and renders.
type Authorizer func(perm string, e *callboard.Entity) bool

type authorizerKey struct{}

// WithAuthorizer returns ctx carrying az.
func WithAuthorizer(ctx context.Context, az Authorizer) context.Context {
	return context.WithValue(ctx, authorizerKey{}, az)
}

// Allowed reports whether the caller ctx belongs to holds perm on e (nil
// for a permission decided on no entity), for deciding what a tab or a
// card offers. Without a policy (no authorizer in ctx) everything is
// allowed. A route's own Permission is checked by the host already.
func Allowed(ctx context.Context, perm string, e *callboard.Entity) bool {
	az, ok := ctx.Value(authorizerKey{}).(Authorizer)
	return !ok || az(perm, e)
}

type queryKey struct{}

// WithQuery returns ctx carrying the query parameters of the page a tab
// renders on; the host calls it before a tab's Render.
func WithQuery(ctx context.Context, q url.Values) context.Context {
	return context.WithValue(ctx, queryKey{}, q)
}

// Query returns the query parameters of the entity page a tab renders on
// (?page=2, ?run=42), so a tab can page or show one item; empty for cards
// and for renders outside a page.
func Query(ctx context.Context) url.Values {
	q, _ := ctx.Value(queryKey{}).(url.Values)
	if q == nil {
		return url.Values{}
	}
	return q
}

type filterValueKey struct{}

// WithFilterValue returns ctx carrying the value picked in a catalog
// filter with Choices; the host calls it before the filter's Entities.
func WithFilterValue(ctx context.Context, v string) context.Context {
	return context.WithValue(ctx, filterValueKey{}, v)
}

// FilterValue returns the value picked in the catalog filter whose
// Entities runs with ctx; "" outside one.
func FilterValue(ctx context.Context) string {
	v, _ := ctx.Value(filterValueKey{}).(string)
	return v
}
