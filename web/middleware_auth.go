package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"callboard"
)

// Authenticator signs people in; package auth's *Service implements it.
// Its handlers serve Backstage's routes under /api/auth/{provider}/.
type Authenticator interface {
	// Authenticate returns who sent r from its session cookie or session
	// bearer token: the zero Principal for nobody (or an ended session),
	// Unauthenticated for a bearer token that names no live session.
	Authenticate(r *http.Request) (callboard.Principal, error)
	// Providers lists the sign-in providers offered: github, oidc, guest.
	Providers() []string
	Start(w http.ResponseWriter, r *http.Request) error       // GET start
	Frame(w http.ResponseWriter, r *http.Request) error       // GET handler/frame
	Refresh(w http.ResponseWriter, r *http.Request) error     // GET refresh
	LogoutRoute(w http.ResponseWriter, r *http.Request) error // POST logout
	// Logout ends r's session and clears its cookie.
	Logout(w http.ResponseWriter, r *http.Request) error
}

// authenticate puts the caller's principal into r's context: a machine
// holding a static token from backend.auth.externalAccess, else whoever
// the Authenticator finds (a session), else nobody. A bearer token that
// matches nothing is refused here with 401 on every route, reads too, so a
// script learns at once that its token is wrong; ok is then false. A
// principal already in the context (put there by code around the Server,
// never by a client) is kept.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (_ *http.Request, ok bool) {
	if !callboard.PrincipalFrom(r.Context()).Anonymous() {
		return r, true // set by a handler around the server (tests, an embedding program)
	}
	p, err := s.principal(r)
	if err != nil {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeError(w, r, err)
		} else {
			s.pageError(w, r, err)
		}
		return r, false
	}
	if s.opts.SeenUser != nil && !p.Anonymous() && !p.Service {
		s.opts.SeenUser(r.Context(), p.Subject)
	}
	return r.WithContext(callboard.WithPrincipal(r.Context(), p)), true
}

func (s *Server) principal(r *http.Request) (callboard.Principal, error) {
	token, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if bearer {
		token = strings.TrimSpace(token)
		// Compare with every configured token, so the time taken does
		// not tell which prefix matched.
		subject, found := "", false
		for t, sub := range s.opts.Tokens {
			if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
				subject, found = sub, true
			}
		}
		if !found && s.opts.ExternalToken != nil {
			subject, found = s.opts.ExternalToken(token)
		}
		if found {
			return callboard.Principal{Subject: "external:" + subject, Service: true}, nil
		}
		if s.opts.Auth == nil {
			return callboard.Principal{}, errUnknownToken
		}
	}
	if s.opts.Auth == nil {
		return callboard.Principal{}, nil
	}
	return s.opts.Auth.Authenticate(r)
}

var errUnknownToken = callboard.Errorf(callboard.Unauthenticated,
	"the bearer token is not valid: it is none of backend.auth.externalAccess's tokens and no session's")

// requireCaller answers anonymous requests outside dev mode, as Backstage's
// default auth policy does: 401 on the API, a redirect to the sign-in page
// for pages. Health checks, sign-in, static assets and webhooks (which
// carry their own signature) stay open. ok is false when it answered.
// backend.auth.dangerouslyDisableDefaultAuthPolicy turns this off (it
// means dev mode, see cmd/callboard).
func (s *Server) requireCaller(w http.ResponseWriter, r *http.Request) (ok bool) {
	if s.opts.Dev || !callboard.PrincipalFrom(r.Context()).Anonymous() {
		return true
	}
	// Cleaned as the mux cleans it, so "/static/../api/x" is not open.
	p := path.Clean("/" + r.URL.Path)
	if openPaths[p] || slices.ContainsFunc(openPrefixes, func(pre string) bool { return strings.HasPrefix(p, pre) }) {
		return true
	}
	if strings.HasPrefix(p, "/api/") || p == "/api" || (s.opts.Metrics != nil && p == s.metricsPath()) {
		writeError(w, r, errSignInNeeded)
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.pageError(w, r, errPageSignInNeeded)
		return false
	}
	http.Redirect(w, r, "/signin?redirect="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

// openPaths and openPrefixes are what anonymous callers may reach outside
// dev mode.
var (
	openPaths    = map[string]bool{"/healthz": true, "/readyz": true, "/signin": true, "/signout": true}
	openPrefixes = []string{"/.backstage/health/", "/api/auth/", "/static/", "/api/events/http/"}
)

var errSignInNeeded = callboard.Errorf(callboard.Unauthenticated,
	"this instance needs a signed-in caller: send Authorization: Bearer <token> "+
		"(a backend.auth.externalAccess token, or a session's backstageIdentity.token), or sign in at /signin")

var errPageSignInNeeded = callboard.Errorf(callboard.Unauthenticated,
	"this portal needs sign-in: sign in at /signin, then try again")

// authorized reports whether r may write: in dev mode anyone may, else an
// authenticated caller (a signed-in user or a machine with a token).
// Which writes a caller may make is the permission policy's business.
func (s *Server) authorized(r *http.Request) bool {
	return s.opts.Dev || !callboard.PrincipalFrom(r.Context()).Anonymous()
}

// authRoute serves one of the Authenticator's routes; without sign-in
// configured they do not exist.
func (s *Server) authRoute(h func(Authenticator, http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.opts.Auth == nil {
			return callboard.Errorf(callboard.NotFound, "sign-in is not configured on this instance (auth.providers in app-config.yaml)")
		}
		requestID(r) // so the sign-in's audit event carries one
		return h(s.opts.Auth, w, r)
	}
}
