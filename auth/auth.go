// Package auth signs people in to the portal: Backstage's sign-in providers
// (GitHub OAuth, generic OIDC, guest), its sign-in resolvers that map an
// outside identity to a catalog User, and server-side sessions behind an
// HttpOnly cookie.
//
// A Service answers two questions for the web server: who sent this request
// (Authenticate, from the session cookie or a session bearer token), and
// the Backstage routes under /api/auth/{provider}/ (ServeHTTP): start,
// handler/frame, refresh and logout. Sessions live in a SessionStore (the
// database), so logout and expiry hold across replicas.
package auth

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"callboard"
)

// SessionStore keeps sessions by the SHA-256 of their token. *store.DB
// implements it.
type SessionStore interface {
	// PutSession stores a session. Errors: Conflict, Internal.
	PutSession(ctx context.Context, hash, subject string, data []byte, expires time.Time) error
	// Session returns a session's data unless it has ended by now.
	// Errors: NotFound, Internal.
	Session(ctx context.Context, hash string, now time.Time) ([]byte, error)
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteSessionsBefore removes the sessions that ended by now.
	DeleteSessionsBefore(ctx context.Context, now time.Time) (int64, error)
}

// Catalog finds User entities for the sign-in resolvers.
type Catalog interface {
	// Users returns the User entities whose field key (a catalog filter key
	// such as "metadata.name", "spec.profile.email" or
	// "metadata.annotations.github.com/user-login") equals value,
	// case-insensitively.
	Users(ctx context.Context, key, value string) ([]*callboard.Entity, error)
}

// CatalogFunc adapts a function to Catalog.
type CatalogFunc func(ctx context.Context, key, value string) ([]*callboard.Entity, error)

// Users calls f.
func (f CatalogFunc) Users(ctx context.Context, key, value string) ([]*callboard.Entity, error) {
	return f(ctx, key, value)
}

// Options configure a Service.
type Options struct {
	// Environment is auth.environment (default "development"): it picks
	// each provider's config, auth.providers.<provider>.<environment>.
	Environment string
	// BaseURL is backend.baseUrl; callback URLs hang off it, and an https
	// URL makes cookies Secure.
	BaseURL string
	// Dev is callboard's dev mode: the guest provider is offered.
	Dev bool
	// EnvironmentSet says auth.environment was written in the config;
	// auth.environment: development then offers the guest provider too.
	EnvironmentSet bool

	GitHub map[string]GitHubConfig // by environment
	OIDC   map[string]OIDCConfig   // by environment
	Guest  *GuestConfig            // nil when not configured

	Sessions SessionStore
	// SessionSecret is auth.session.secret: session lookups are keyed by
	// it, so changing it ends every session. Empty keys them by the
	// token's SHA-256 alone (sessions then end only by expiry, sign-out
	// and callboard sessions revoke).
	SessionSecret string
	// SessionLifetime is auth.session.absoluteLifetime: no session lasts
	// longer after its sign-in, whatever a provider's sessionDuration
	// says; it applies to sessions started before it was lowered too.
	// Zero is DefaultSessionLifetime.
	SessionLifetime time.Duration
	Catalog         Catalog
	// Audit, when set, records every sign-in (auth.signin, refused ones
	// too) and sign-out (auth.signout).
	Audit callboard.AuditLog
	Log   *slog.Logger
	// HTTPClient makes the calls to GitHub and the OIDC provider; nil is
	// a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service signs users in and tells who sends a request. It is safe for
// concurrent use.
type Service struct {
	opts      Options
	secure    bool
	providers map[string]map[string]provider // name -> environment -> provider
	guest     *guest
	now       func() time.Time
	log       *slog.Logger
	client    *http.Client
}

// DefaultSessionDuration is how long a session lasts unless the provider
// sets sessionDuration.
const DefaultSessionDuration = 7 * 24 * time.Hour

// DefaultSessionLifetime is the absolute lifetime of a session unless
// auth.session.absoluteLifetime says.
const DefaultSessionLifetime = 7 * 24 * time.Hour

// New checks the configuration and returns the service. It contacts no
// provider: OIDC discovery happens at the first sign-in. Errors: Invalid,
// naming the config key.
func New(opts Options) (*Service, error) {
	if opts.Environment == "" {
		opts.Environment = "development"
	}
	if opts.Sessions == nil || opts.Catalog == nil {
		return nil, callboard.Errorf(callboard.Invalid, "auth: a session store and a catalog are required")
	}
	if opts.SessionLifetime < 0 {
		return nil, callboard.Errorf(callboard.Invalid, "auth.session.absoluteLifetime: must be positive, got %s", opts.SessionLifetime)
	}
	if opts.SessionLifetime == 0 {
		opts.SessionLifetime = DefaultSessionLifetime
	}
	s := &Service{opts: opts, providers: map[string]map[string]provider{}, now: opts.Now, log: opts.Log, client: opts.HTTPClient}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Scheme == "https" {
		s.secure = true
	}
	for env, c := range opts.GitHub {
		p, err := newGitHub(s, env, c)
		if err != nil {
			return nil, err
		}
		s.add("github", env, p)
	}
	for env, c := range opts.OIDC {
		p, err := newOIDC(s, env, c)
		if err != nil {
			return nil, err
		}
		s.add("oidc", env, p)
	}
	for key, d := range providerDurations(opts) {
		if d > opts.SessionLifetime {
			s.log.Warn(key+" is longer than auth.session.absoluteLifetime: sessions end at the absolute lifetime",
				"sessionDuration", d, "absoluteLifetime", opts.SessionLifetime)
		}
	}
	g, err := newGuest(s, opts)
	if err != nil {
		return nil, err
	}
	s.guest = g
	return s, nil
}

// providerDurations returns the configured sessionDuration of each
// provider by its config key.
func providerDurations(opts Options) map[string]time.Duration {
	out := map[string]time.Duration{}
	for env, c := range opts.GitHub {
		out["auth.providers.github."+env+".sessionDuration"] = time.Duration(c.SessionDuration)
	}
	for env, c := range opts.OIDC {
		out["auth.providers.oidc."+env+".sessionDuration"] = time.Duration(c.SessionDuration)
	}
	return out
}

func (s *Service) add(name, env string, p provider) {
	if s.providers[name] == nil {
		s.providers[name] = map[string]provider{}
	}
	s.providers[name][env] = p
}

// Providers lists the providers a user can sign in with in this
// environment, in the order the sign-in page shows them: "github",
// "oidc", "guest".
func (s *Service) Providers() []string {
	var out []string
	for _, name := range []string{"github", "oidc"} {
		if _, ok := s.providers[name][s.opts.Environment]; ok {
			out = append(out, name)
		}
	}
	if s.guest != nil {
		out = append(out, "guest")
	}
	return out
}

// Enabled reports whether any provider can sign users in.
func (s *Service) Enabled() bool { return len(s.Providers()) > 0 }

// provider is one configured sign-in method in one environment.
type provider interface {
	// authURL returns where to send the browser to sign in.
	authURL(ctx context.Context, st *flowState) (string, error)
	// identity finishes the flow from the callback request.
	identity(ctx context.Context, r *http.Request, st *flowState) (Identity, error)
	// resolvers are the configured sign-in resolvers, or the provider's
	// defaults.
	resolvers() []ResolverConfig
	sessionDuration() time.Duration
}

// Identity is who the outside provider says the user is.
type Identity struct {
	Provider    string
	Username    string // GitHub login, OIDC preferred_username
	UserID      string // GitHub numeric id, OIDC sub
	Email       string
	DisplayName string
	Picture     string
}

// callbackURL is where a provider sends the browser back.
func (s *Service) callbackURL(name, configured string) string {
	if configured != "" {
		return configured
	}
	return strings.TrimSuffix(s.opts.BaseURL, "/") + "/api/auth/" + name + "/handler/frame"
}

func hasScope(scopes []string, want string) bool { return slices.Contains(scopes, want) }
