package callboard

import "context"

// Principal is who makes a request: a signed-in user or a machine holding a
// static token. The zero Principal is nobody.
type Principal struct {
	// Subject is the user's entity ref ("user:default/jane") or, for a
	// machine, "external:<subject>" as backend.auth.externalAccess names it.
	Subject string
	// Ownership lists the refs the principal acts for: the user and the
	// groups they are a member of (for "owner is one of my groups").
	Ownership []string
	Email     string
	// Service is true for machine tokens.
	Service bool
}

// Anonymous reports whether p is nobody.
func (p Principal) Anonymous() bool { return p.Subject == "" }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, or the zero Principal.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
