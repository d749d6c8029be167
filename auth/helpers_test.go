package auth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"callboard"
	"callboard/auth"
	"callboard/store"
	"callboard/store/storetest"
)

// users is a small catalog of User entities for the resolvers.
type users []*callboard.Entity

func (us users) Users(_ context.Context, key, value string) ([]*callboard.Entity, error) {
	var out []*callboard.Entity
	for _, u := range us {
		var got string
		switch {
		case key == "metadata.name":
			got = u.Metadata.Name
		case key == "spec.profile.email":
			if p, ok := u.Spec["profile"].(map[string]any); ok {
				got, _ = p["email"].(string)
			}
		case strings.HasPrefix(key, "metadata.annotations."):
			got = u.Annotation(strings.TrimPrefix(key, "metadata.annotations."))
		}
		if got != "" && strings.EqualFold(got, value) {
			out = append(out, u)
		}
	}
	return out, nil
}

func user(name, email string, annotations map[string]string, groups ...string) *callboard.Entity {
	e := &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "User"}
	e.Metadata.Name = name
	e.Metadata.Namespace = "default"
	e.Metadata.Annotations = annotations
	e.Spec = map[string]any{"profile": map[string]any{"email": email, "displayName": strings.ToUpper(name[:1]) + name[1:]}}
	for _, g := range groups {
		e.Relations = append(e.Relations, callboard.Relation{Type: callboard.RelationMemberOf, TargetRef: g})
	}
	return e
}

var testUsers = users{
	user("jane", "jane@example.com", map[string]string{auth.AnnotationGitHubUserLogin: "JaneOnGitHub"}, "group:default/payments-team"),
	user("ops", "ops@example.com", nil, "group:default/platform", "group:default/sre"),
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// app is callboard's side of a sign-in: the auth routes as web mounts them
// and /whoami, which reports the principal.
type app struct {
	*httptest.Server
	svc    *auth.Service
	db     *store.DB // sessions and the audit log
	clock  *clock
	client *http.Client // a browser: cookie jar, follows redirects
}

// newApp serves a Service built from opts; fill sets the fields that need
// the app's URL (providers' callback URLs come from BaseURL).
func newApp(t *testing.T, opts auth.Options, transport http.RoundTripper) *app {
	t.Helper()
	a := &app{clock: &clock{t: time.Now()}}
	var h http.Handler
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(a.Close)
	opts.BaseURL = a.URL
	a.db = storetest.Open(t)
	opts.Sessions, opts.Audit = a.db, a.db
	if opts.Catalog == nil {
		opts.Catalog = testUsers
	}
	opts.Now = a.clock.Now
	opts.HTTPClient = &http.Client{Transport: transport}
	svc, err := auth.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	a.svc = svc
	mux := http.NewServeMux()
	wrap := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := f(w, r); err != nil {
				w.Header().Set("X-Kind", string(callboard.ErrorKind(err)))
				http.Error(w, callboard.ErrorMessage(err), map[callboard.Kind]int{
					callboard.Unauthenticated: 401, callboard.Forbidden: 403, callboard.NotFound: 404,
					callboard.Invalid: 400, callboard.Upstream: 502}[callboard.ErrorKind(err)])
			}
		})
	}
	mux.Handle("GET /api/auth/{provider}/start", wrap(svc.Start))
	mux.Handle("GET /api/auth/{provider}/handler/frame", wrap(svc.Frame))
	mux.Handle("GET /api/auth/{provider}/refresh", wrap(svc.Refresh))
	mux.Handle("POST /api/auth/{provider}/logout", wrap(svc.LogoutRoute))
	mux.Handle("GET /whoami", wrap(func(w http.ResponseWriter, r *http.Request) error {
		p, err := svc.Authenticate(r)
		if err != nil {
			return err
		}
		return json.NewEncoder(w).Encode(p)
	}))
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "home "+r.URL.Path) }))
	h = mux
	jar, _ := cookiejar.New(nil)
	a.client = &http.Client{Jar: jar, Transport: transport}
	return a
}

// get fetches path with the browser and returns status and body.
func (a *app) get(t *testing.T, path string, header ...string) (int, string, *http.Response) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

// whoami returns the principal the app sees for the browser, or for a
// bearer token when token is set.
func (a *app) whoami(t *testing.T, token string) (callboard.Principal, int) {
	t.Helper()
	var h []string
	if token != "" {
		h = []string{"Authorization", "Bearer " + token}
	}
	status, body, _ := a.get(t, "/whoami", h...)
	var p callboard.Principal
	if status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("whoami: %v in %s", err, body)
		}
	}
	return p, status
}

// refresh calls /api/auth/{provider}/refresh as Backstage's frontend does.
func (a *app) refresh(t *testing.T, provider string) (map[string]any, int) {
	t.Helper()
	status, body, _ := a.get(t, "/api/auth/"+provider+"/refresh?optional&env=development", "X-Requested-With", "XMLHttpRequest")
	var out map[string]any
	if status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("refresh: %v in %s", err, body)
		}
	}
	return out, status
}

func (a *app) logout(t *testing.T, provider string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/api/auth/"+provider+"/logout", nil)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logout: status %d", resp.StatusCode)
	}
}

// sessionCookie returns the browser's session cookie value.
func (a *app) sessionCookie() string {
	u, _ := url.Parse(a.URL)
	for _, c := range a.client.Jar.Cookies(u) {
		if c.Name == auth.CookieName {
			return c.Value
		}
	}
	return ""
}

// rewrite sends requests for the given hosts to a test server instead, so
// the github.com code path runs against the fake.
type rewrite struct {
	hosts map[string]string // host -> test server host
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if to, ok := rw.hosts[r.URL.Host]; ok {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = "http", to
		r.Host = to
	}
	return http.DefaultTransport.RoundTrip(r)
}

func jsonDecode(resp *http.Response, into any) error { return json.NewDecoder(resp.Body).Decode(into) }

// memSessions is a session store for tests that never sign in.
type memSessions struct{}

func (memSessions) PutSession(context.Context, string, string, []byte, time.Time) error { return nil }
func (memSessions) Session(context.Context, string, time.Time) ([]byte, error) {
	return nil, callboard.Errorf(callboard.NotFound, "no session")
}
func (memSessions) DeleteSession(context.Context, string) error { return nil }
func (memSessions) DeleteSessionsBefore(context.Context, time.Time) (int64, error) {
	return 0, nil
}
