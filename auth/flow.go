package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"callboard"
)

// The browser flow, with Backstage's routes under /api/auth/{provider}/:
// start sends the browser to the provider, handler/frame takes it back,
// refresh returns the session as Backstage's frontend reads it, logout ends
// it. The flow's secrets (state, PKCE verifier, OIDC nonce) ride in a
// short-lived HttpOnly cookie scoped to the callback path, so any replica
// can finish a flow another one started.

// flowState is what start remembers for handler/frame.
type flowState struct {
	Nonce       string `json:"n"` // the state parameter
	Env         string `json:"e"`
	Verifier    string `json:"v,omitempty"` // PKCE
	OIDCNonce   string `json:"o,omitempty"`
	RedirectURL string `json:"r"`
}

const flowTTL = 10 * time.Minute

func flowCookie(provider string) string { return "callboard_auth_" + provider }

// provider returns the named provider in env. Errors: NotFound.
func (s *Service) provider(name, env string) (provider, error) {
	if env == "" {
		env = s.opts.Environment
	}
	p, ok := s.providers[name][env]
	if !ok {
		if _, known := s.providers[name]; known {
			return nil, callboard.Errorf(callboard.NotFound, "auth provider %s is not configured for environment %q", name, env)
		}
		return nil, callboard.Errorf(callboard.NotFound, "no auth provider %q is configured", name)
	}
	return p, nil
}

// localPath returns u when it is a path on this site, else "/": a
// redirect after sign-in never leaves the portal.
func localPath(u string) string {
	// Browsers drop tabs and newlines from URLs and read "\\" as "/", so
	// "/\t/evil.example" would become "//evil.example": refuse them all.
	if u == "" || u[0] != '/' || strings.HasPrefix(u, "//") || strings.ContainsRune(u, '\\') ||
		strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "/"
	}
	return u
}

// Start begins signing in with the provider named in the path: GET
// /api/auth/{provider}/start?env=&redirectUrl=. Errors: NotFound for an
// unknown provider, Upstream when the provider cannot be reached.
func (s *Service) Start(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("provider")
	q := r.URL.Query()
	redirect := localPath(q.Get("redirectUrl"))
	if name == "guest" {
		return s.guestStart(w, r, redirect)
	}
	p, err := s.provider(name, q.Get("env"))
	if err != nil {
		return err
	}
	st := &flowState{Nonce: newToken(), Env: q.Get("env"), RedirectURL: redirect}
	if st.Env == "" {
		st.Env = s.opts.Environment
	}
	to, err := p.authURL(r.Context(), st)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(st)
	http.SetCookie(w, &http.Cookie{
		Name: flowCookie(name), Value: base64.RawURLEncoding.EncodeToString(b),
		Path: "/api/auth/" + name + "/handler", MaxAge: int(flowTTL.Seconds()),
		Secure: s.secureFor(r), HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// Frame finishes signing in: GET /api/auth/{provider}/handler/frame with
// the provider's code and state. It checks the state against the flow
// cookie, asks the provider who the user is, resolves them to a catalog
// User, starts a session and sends the browser back where it started.
// Errors: Unauthenticated for a missing or forged state or a refusal by
// the provider, Forbidden when no User entity matches, Upstream.
func (s *Service) Frame(w http.ResponseWriter, r *http.Request) (err error) {
	name := r.PathValue("provider")
	var id Identity // who the provider said, for the record of a refusal
	defer func() {
		if err != nil {
			details := map[string]any{}
			if id.Username != "" {
				details["username"] = id.Username
			}
			if id.Email != "" {
				details["email"] = id.Email
			}
			s.audit(r, ActionSignIn, name, "", err, details)
		}
	}()
	c, err := r.Cookie(flowCookie(name))
	if err != nil {
		return callboard.Errorf(callboard.Unauthenticated,
			"sign-in with %s cannot finish: its flow cookie is missing (it expires after %s, or cookies are blocked); start again", name, flowTTL)
	}
	// The flow cookie is used once, whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: flowCookie(name), Value: "", Path: "/api/auth/" + name + "/handler", MaxAge: -1,
		Secure: s.secureFor(r), HttpOnly: true, SameSite: http.SameSiteLaxMode})
	var st flowState
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || json.Unmarshal(b, &st) != nil || st.Nonce == "" {
		return callboard.Errorf(callboard.Unauthenticated, "sign-in with %s: the flow cookie is malformed; start again", name)
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.Nonce)) != 1 {
		return callboard.Errorf(callboard.Unauthenticated,
			"sign-in with %s refused: the state parameter does not match this browser's sign-in (a forged or replayed callback)", name)
	}
	if e := q.Get("error"); e != "" {
		return callboard.Errorf(callboard.Unauthenticated, "%s refused the sign-in: %s %s", name, e, q.Get("error_description"))
	}
	p, err := s.provider(name, st.Env)
	if err != nil {
		return err
	}
	if id, err = p.identity(r.Context(), r, &st); err != nil {
		return err
	}
	principal, err := s.resolve(r.Context(), id, p.resolvers())
	if err != nil {
		s.log.Info("sign-in refused", "provider", name, "username", id.Username, "email", id.Email, "err", callboard.ErrorMessage(err))
		return err
	}
	if _, _, err := s.signIn(w, r, name, principal, s.profileOf(r.Context(), id, principal), p.sessionDuration()); err != nil {
		return err
	}
	s.log.Info("signed in", "provider", name, "subject", principal.Subject)
	http.Redirect(w, r, localPath(st.RedirectURL), http.StatusSeeOther)
	return nil
}

// signIn starts a session and sets its cookie.
func (s *Service) signIn(w http.ResponseWriter, r *http.Request, provider string, p callboard.Principal, prof Profile, d time.Duration) (Session, string, error) {
	if d <= 0 {
		d = DefaultSessionDuration
	}
	// A session the browser had before ends: each sign-in gets a fresh
	// token, so a token planted before sign-in is worth nothing after it.
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		_ = s.opts.Sessions.DeleteSession(r.Context(), s.tokenHash(c.Value))
	}
	now := s.now().UTC()
	sess := Session{Principal: p, Provider: provider, Profile: prof, Expires: now.Add(d), SignedIn: now}
	token, err := s.createSession(r.Context(), sess)
	if err != nil {
		return Session{}, "", err
	}
	s.setCookie(w, r, token, s.ends(sess))
	s.audit(r, ActionSignIn, provider, p.Subject, nil, nil)
	return sess, token, nil
}

// sessionResponse is Backstage's session shape (ProviderSession plus
// backstageIdentity) as /refresh returns it.
type sessionResponse struct {
	Profile           Profile        `json:"profile"`
	ProviderInfo      map[string]any `json:"providerInfo"`
	BackstageIdentity struct {
		// Token is the session's bearer token, for Authorization: Bearer.
		Token            string `json:"token"`
		ExpiresInSeconds int64  `json:"expiresInSeconds"`
		Identity         struct {
			Type                string   `json:"type"`
			UserEntityRef       string   `json:"userEntityRef"`
			OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
		} `json:"identity"`
	} `json:"backstageIdentity"`
}

// Refresh answers GET /api/auth/{provider}/refresh with the signed-in
// session in Backstage's shape. Like Backstage it needs the header
// X-Requested-With: XMLHttpRequest, which a cross-site form or link cannot
// send. For guest it signs in when there is no session yet. Errors:
// Unauthenticated without a session of that provider.
func (s *Service) Refresh(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("provider")
	if r.Header.Get("X-Requested-With") != "XMLHttpRequest" {
		return callboard.Errorf(callboard.Unauthenticated, "refresh needs the header X-Requested-With: XMLHttpRequest")
	}
	token := ""
	if c, err := r.Cookie(CookieName); err == nil {
		token = c.Value
	}
	sess, err := s.session(r.Context(), token)
	if err != nil && callboard.ErrorKind(err) != callboard.NotFound {
		return err
	}
	if (err != nil || sess.Provider != name) && name == "guest" && s.guest != nil {
		sess, token, err = s.guestSession(w, r)
	}
	if err != nil || sess.Provider != name {
		return callboard.Errorf(callboard.Unauthenticated, "not signed in with %s", name)
	}
	var out sessionResponse
	out.Profile = sess.Profile
	out.ProviderInfo = map[string]any{}
	out.BackstageIdentity.Token = token
	out.BackstageIdentity.ExpiresInSeconds = int64(s.ends(sess).Sub(s.now()).Seconds())
	out.BackstageIdentity.Identity.Type = "user"
	out.BackstageIdentity.Identity.UserEntityRef = sess.Principal.Subject
	out.BackstageIdentity.Identity.OwnershipEntityRefs = sess.Principal.Ownership
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(out)
}

// LogoutRoute answers POST /api/auth/{provider}/logout: the session ends
// on the server, not only in the browser.
func (s *Service) LogoutRoute(w http.ResponseWriter, r *http.Request) error {
	if err := s.Logout(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
