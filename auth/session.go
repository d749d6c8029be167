package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"callboard"
)

// CookieName is the session cookie.
const CookieName = "callboard_session"

// Profile is what the portal shows of a signed-in user; Backstage's
// ProfileInfo.
type Profile struct {
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Picture     string `json:"picture,omitempty"`
}

// Session is one sign-in.
type Session struct {
	Principal callboard.Principal `json:"principal"`
	Provider  string              `json:"provider"`
	Profile   Profile             `json:"profile"`
	// Expires is when the provider's sessionDuration ends it; the
	// absolute lifetime may end it sooner (see ends).
	Expires time.Time `json:"expires"`
	// SignedIn is when the session began. Sessions stored before it was
	// recorded have none and count as ended.
	SignedIn time.Time `json:"signedIn"`
}

// ends returns when sess ends: at Expires or at the absolute lifetime
// after sign-in, whichever comes first. The lifetime is today's config,
// so lowering it ends older sessions too.
func (s *Service) ends(sess Session) time.Time {
	if sess.SignedIn.IsZero() {
		return time.Time{}
	}
	if abs := sess.SignedIn.Add(s.opts.SessionLifetime); abs.Before(sess.Expires) {
		return abs
	}
	return sess.Expires
}

// newToken returns a random session token: 32 bytes, base64url.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is what the store keeps instead of the token: its
// HMAC-SHA256 under auth.session.secret, or its SHA-256 without one. With
// a secret, a token is found only under the secret it was minted with:
// rotating the secret ends every session, and a copy of the sessions
// table says nothing without it.
func (s *Service) tokenHash(token string) string {
	if s.opts.SessionSecret == "" {
		h := sha256.Sum256([]byte(token))
		return hex.EncodeToString(h[:])
	}
	m := hmac.New(sha256.New, []byte(s.opts.SessionSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// createSession stores sess under a new token and returns the token.
func (s *Service) createSession(ctx context.Context, sess Session) (string, error) {
	token := newToken()
	data, err := json.Marshal(sess)
	if err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "encode session")
	}
	if err := s.opts.Sessions.PutSession(ctx, s.tokenHash(token), sess.Principal.Subject, data, s.ends(sess)); err != nil {
		return "", err
	}
	return token, nil
}

// session looks a token up. Errors: NotFound when it is unknown or ended.
func (s *Service) session(ctx context.Context, token string) (Session, error) {
	var sess Session
	if token == "" || len(token) > 200 {
		return sess, callboard.Errorf(callboard.NotFound, "no session")
	}
	data, err := s.opts.Sessions.Session(ctx, s.tokenHash(token), s.now())
	if err != nil {
		return sess, err
	}
	if err := json.Unmarshal(data, &sess); err != nil {
		return sess, callboard.Wrap(callboard.Internal, err, "decode session")
	}
	if !s.now().Before(s.ends(sess)) {
		return sess, callboard.Errorf(callboard.NotFound, "session ended")
	}
	return sess, nil
}

// setCookie gives the browser its session cookie.
func (s *Service) setCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: "/", Expires: expires,
		MaxAge:   int(expires.Sub(s.now()).Seconds()),
		Secure:   s.secureFor(r),
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// clearCookie removes the session cookie.
func (s *Service) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		Secure: s.secureFor(r), HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// secureFor reports whether cookies must be Secure: the configured base
// URL is https, or this request came over TLS.
func (s *Service) secureFor(r *http.Request) bool { return s.secure || r.TLS != nil }

// Authenticate returns who sent r: the session of its bearer token or, if
// it has none, of its session cookie. A request with neither, or whose
// cookie's session is unknown or ended, is anonymous (the zero Principal,
// nil error). A bearer token that names no live session is
// Unauthenticated: a script should hear that its token is wrong. Static
// tokens for machines are checked by the web server before this.
func (s *Service) Authenticate(r *http.Request) (callboard.Principal, error) {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		sess, err := s.session(r.Context(), strings.TrimSpace(token))
		if err != nil {
			if callboard.ErrorKind(err) == callboard.NotFound {
				return callboard.Principal{}, callboard.Errorf(callboard.Unauthenticated, "the bearer token is not valid: it is unknown, revoked or expired")
			}
			return callboard.Principal{}, err
		}
		return sess.Principal, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return callboard.Principal{}, nil
	}
	sess, err := s.session(r.Context(), c.Value)
	if err != nil {
		if callboard.ErrorKind(err) == callboard.NotFound {
			return callboard.Principal{}, nil
		}
		return callboard.Principal{}, err
	}
	return sess.Principal, nil
}

// Logout ends r's session, if any, and clears its cookie.
func (s *Service) Logout(w http.ResponseWriter, r *http.Request) error {
	s.clearCookie(w, r)
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	// Only a live session's end is a sign-out worth recording.
	sess, serr := s.session(r.Context(), c.Value)
	err = s.opts.Sessions.DeleteSession(r.Context(), s.tokenHash(c.Value))
	if serr == nil {
		s.audit(r, ActionSignOut, sess.Provider, sess.Principal.Subject, err, nil)
	}
	return err
}

// Sweep deletes ended sessions; serve runs it now and then.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	return s.opts.Sessions.DeleteSessionsBefore(ctx, s.now())
}
