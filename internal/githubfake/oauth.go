package githubfake

// OAuth is GitHub's OAuth app web flow for tests, as GitHub documents it
// (docs.github.com, "Authorizing OAuth apps"): GET /login/oauth/authorize,
// POST /login/oauth/access_token (form-encoded answer by default, JSON with
// Accept: application/json, errors as 200 with an error field, PKCE S256),
// and the REST calls a sign-in makes with the user's token: GET /user and
// GET /user/emails (also under /api/v3, as GitHub Enterprise serves them).
// It is a standalone http.Handler; Register mounts it on another mux.

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// OAuthUser is a GitHub account that can sign in.
type OAuthUser struct {
	Login     string
	ID        int64
	Name      string
	Email     string // public email; "" as for most accounts
	AvatarURL string
	// Emails are what /user/emails lists; the first is primary.
	Emails   []string
	Verified bool // whether the Emails are verified
}

// OAuth is one OAuth app (ClientID, ClientSecret) on a fake GitHub.
type OAuth struct {
	ClientID, ClientSecret string
	// CallbackURL, when set, is the app's registered callback: other
	// redirect_uri values are refused, as GitHub refuses them.
	CallbackURL string

	mu      sync.Mutex
	as      string // login that /authorize signs in; "" denies access
	users   map[string]*OAuthUser
	codes   map[string]*oauthCode
	tokens  map[string]oauthToken
	now     func() time.Time
	granted int
}

type oauthCode struct {
	login, redirect, scope, challenge string
	expires                           time.Time
}

type oauthToken struct {
	login, scope string
}

// NewOAuth returns an OAuth app with the given credentials and no users.
func NewOAuth(clientID, clientSecret string) *OAuth {
	return &OAuth{ClientID: clientID, ClientSecret: clientSecret, users: map[string]*OAuthUser{},
		codes: map[string]*oauthCode{}, tokens: map[string]oauthToken{}, now: time.Now}
}

// AddUser adds an account.
func (o *OAuth) AddUser(u OAuthUser) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.users[u.Login] = &u
}

// SignInAs makes /login/oauth/authorize approve the app as login, as if
// that user were signed in to GitHub and clicked Authorize. "" makes it
// deny (error=access_denied), as if the user clicked Cancel.
func (o *OAuth) SignInAs(login string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.as = login
}

// Grants returns how many access tokens were issued.
func (o *OAuth) Grants() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.granted
}

// Register mounts the flow's routes on mux.
func (o *OAuth) Register(mux interface{ Handle(string, http.Handler) }) {
	for _, p := range []string{"/login/oauth/authorize", "/login/oauth/access_token", "/user", "/user/emails", "/api/v3/user", "/api/v3/user/emails"} {
		mux.Handle(p, o)
	}
}

// ServeHTTP serves the routes listed on OAuth.
func (o *OAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := strings.TrimPrefix(r.URL.Path, "/api/v3"); {
	case r.URL.Path == "/login/oauth/authorize" && r.Method == http.MethodGet:
		o.authorize(w, r)
	case r.URL.Path == "/login/oauth/access_token" && r.Method == http.MethodPost:
		o.accessToken(w, r)
	case p == "/user" && r.Method == http.MethodGet:
		o.user(w, r)
	case p == "/user/emails" && r.Method == http.MethodGet:
		o.emails(w, r)
	default:
		oauthAPIError(w, http.StatusNotFound, "Not Found")
	}
}

func (o *OAuth) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != o.ClientID {
		http.Error(w, "Not Found: no OAuth app with this client_id", http.StatusNotFound)
		return
	}
	redirect := q.Get("redirect_uri")
	if o.CallbackURL != "" && (redirect == "" || !strings.HasPrefix(redirect, o.CallbackURL)) {
		http.Error(w, "The redirect_uri MUST match the registered callback URL for this application.", http.StatusBadRequest)
		return
	}
	if redirect == "" {
		redirect = o.CallbackURL
	}
	if m := q.Get("code_challenge_method"); q.Get("code_challenge") != "" && m != "S256" {
		http.Error(w, "code_challenge_method must be S256", http.StatusBadRequest)
		return
	}
	u, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	back := u.Query()
	back.Set("state", q.Get("state"))
	o.mu.Lock()
	login := o.as
	if _, ok := o.users[login]; !ok || login == "" {
		o.mu.Unlock()
		back.Set("error", "access_denied")
		back.Set("error_description", "The user has denied your application access.")
		u.RawQuery = back.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
		return
	}
	code := oauthRandom(10)
	o.codes[code] = &oauthCode{login: login, redirect: q.Get("redirect_uri"), scope: q.Get("scope"),
		challenge: q.Get("code_challenge"), expires: o.now().Add(10 * time.Minute)}
	o.mu.Unlock()
	back.Set("code", code)
	u.RawQuery = back.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (o *OAuth) accessToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	answer := func(v url.Values) {
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			m := map[string]string{}
			for k := range v {
				m[k] = v.Get(k)
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_ = json.NewEncoder(w).Encode(m)
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		_, _ = w.Write([]byte(v.Encode()))
	}
	fail := func(code, desc string) {
		answer(url.Values{"error": {code}, "error_description": {desc},
			"error_uri": {"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#" + strings.ReplaceAll(code, "_", "-")}})
	}
	if id != o.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(o.ClientSecret)) != 1 {
		fail("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.codes[r.PostForm.Get("code")]
	delete(o.codes, r.PostForm.Get("code")) // codes work once
	if !ok || o.now().After(c.expires) {
		fail("bad_verification_code", "The code passed is incorrect or expired.")
		return
	}
	if rd := r.PostForm.Get("redirect_uri"); rd != "" && rd != c.redirect {
		fail("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.")
		return
	}
	if c.challenge != "" {
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			fail("bad_verification_code", "The code_verifier does not match the code_challenge.")
			return
		}
	}
	token := "gho_" + oauthRandom(18)
	o.tokens[token] = oauthToken{login: c.login, scope: c.scope}
	o.granted++
	answer(url.Values{"access_token": {token}, "scope": {strings.ReplaceAll(c.scope, " ", ",")}, "token_type": {"bearer"}})
}

// account returns the user of the request's token, or answers 401.
func (o *OAuth) account(w http.ResponseWriter, r *http.Request) (*OAuthUser, oauthToken, bool) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(h, "token ")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	t, known := o.tokens[token]
	if !ok || !known {
		oauthAPIError(w, http.StatusUnauthorized, "Bad credentials")
		return nil, t, false
	}
	return o.users[t.login], t, true
}

func (o *OAuth) user(w http.ResponseWriter, r *http.Request) {
	u, _, ok := o.account(w, r)
	if !ok {
		return
	}
	var email any
	if u.Email != "" {
		email = u.Email
	}
	oauthJSON(w, map[string]any{
		"login": u.Login, "id": u.ID, "node_id": "U_" + u.Login, "avatar_url": u.AvatarURL,
		"type": "User", "site_admin": false, "name": u.Name, "email": email,
	})
}

func (o *OAuth) emails(w http.ResponseWriter, r *http.Request) {
	u, t, ok := o.account(w, r)
	if !ok {
		return
	}
	if !strings.Contains(t.scope, "user:email") && !strings.Contains(t.scope, "user") {
		oauthAPIError(w, http.StatusNotFound, "Not Found")
		return
	}
	out := []map[string]any{}
	for i, e := range u.Emails {
		out = append(out, map[string]any{"email": e, "primary": i == 0, "verified": u.Verified, "visibility": "private"})
	}
	oauthJSON(w, out)
}

func oauthAPIError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

func oauthJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func oauthRandom(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
