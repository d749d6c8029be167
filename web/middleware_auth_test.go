package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"callboard"
	"callboard/auth"
	"callboard/catalog"
	"callboard/demo"
	"callboard/index"
	"callboard/internal/githubfake"
	"callboard/store/storetest"
	"callboard/urlread"
	"callboard/web"
)

// signInServer is the demo portal with sign-in, as serve wires it, and a
// browser (cookie jar) to use it.
type signInServer struct {
	*httptest.Server
	browser *http.Client
	now     time.Time
}

func (s *signInServer) clock() time.Time { return s.now }

// newSignInServer serves the demo catalog outside dev mode with sign-in
// configured by ao (BaseURL, Sessions, Catalog and Now are filled in) and
// the static token "ci-token" for machines.
func newSignInServer(t *testing.T, ao auth.Options, transport http.RoundTripper) *signInServer {
	t.Helper()
	db := storetest.Open(t)
	cat := catalog.New(db, catalog.Options{
		Reader:    &catalog.Reader{Embedded: demo.FS(), URLs: &urlread.Reader{Allow: callboard.HostRules("127.0.0.1:1-65535")}},
		Locations: []catalog.StaticLocation{{Type: catalog.TypeEmbedded, Target: "/catalog-info.yaml"}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	s := &signInServer{now: time.Now()}
	var h http.Handler
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(s.Close)
	ao.BaseURL, ao.Sessions, ao.Now = s.URL, db, s.clock
	ao.HTTPClient = &http.Client{Transport: transport}
	ao.Catalog = auth.CatalogFunc(func(ctx context.Context, key, value string) ([]*callboard.Entity, error) {
		es, _, err := cat.Query(ctx, index.Query{Filter: index.Filter{{{Key: "kind", Values: []string{"user"}}, {Key: key, Values: []string{value}}}}, Limit: 10})
		return es, err
	})
	svc, err := auth.New(ao)
	if err != nil {
		t.Fatal(err)
	}
	h = web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Auth: svc, Tokens: map[string]string{"ci-token": "ci"}})
	jar, _ := cookiejar.New(nil)
	s.browser = &http.Client{Jar: jar, Transport: transport}
	return s
}

// call sends a request as the browser and returns status and body.
func (s *signInServer) call(t *testing.T, method, path, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.browser.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// catalogFile writes a one-Component descriptor and serves it over HTTP
// (the API registers url locations only), returning its URL.
func catalogFile(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	os.WriteFile(path, []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: "+name+"}\nspec: {type: service, lifecycle: production, owner: payments-team}\n"), 0o644)
	return serveFile(t, path)
}

// serveFile serves path (read at every request, so rewrites show) on a
// loopback httptest server and returns its URL.
func serveFile(t testing.TB, path string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, path) }))
	t.Cleanup(srv.Close)
	return srv.URL + "/catalog-info.yaml"
}

func TestTokenAuth(t *testing.T) {
	s := newSignInServer(t, auth.Options{}, nil)
	loc := `{"type":"url","target":"` + catalogFile(t, "from-ci") + `"}`
	ct := []string{"Content-Type", "application/json"}
	status, body := s.call(t, "POST", "/api/catalog/locations", loc, ct...)
	var e struct {
		Error    struct{ Name, Message string }
		Response struct{ StatusCode int }
	}
	json.Unmarshal([]byte(body), &e)
	if status != 401 || e.Error.Name != "AuthenticationError" || e.Response.StatusCode != 401 || !strings.Contains(e.Error.Message, "Authorization: Bearer") {
		t.Errorf("write without a token: %d %s, want Backstage's 401", status, body)
	}
	// An unknown token is refused on reads too, so scripts notice.
	for _, path := range []string{"/api/catalog/entities?limit=1", "/api/catalog/locations"} {
		if status, body := s.call(t, "GET", path, "", "Authorization", "Bearer not-a-token"); status != 401 || !strings.Contains(body, "AuthenticationError") {
			t.Errorf("GET %s with an unknown token: %d %s, want 401", path, status, body)
		}
	}
	// Outside dev mode reads need a caller too (TestAttackAnonymousReadsProduction).
	if status, _ := s.call(t, "GET", "/api/catalog/entities?limit=1", ""); status != 401 {
		t.Errorf("anonymous read: %d, want 401", status)
	}
	if status, body := s.call(t, "GET", "/api/catalog/entities?limit=1", "", "Authorization", "Bearer ci-token"); status != 200 {
		t.Errorf("read with the static token: %d %s, want 200", status, body)
	}
	if status, body := s.call(t, "POST", "/api/catalog/locations", loc, append(ct, "Authorization", "Bearer ci-token")...); status != 201 {
		t.Errorf("write with the static token: %d %s", status, body)
	}
	if status, _ := s.call(t, "GET", "/", "", "Authorization", "Bearer not-a-token"); status != 401 {
		t.Errorf("page with an unknown token: %d, want 401", status)
	}
}

// TestSignInSession signs in with GitHub (the fake) against the demo
// catalog, then uses the session for the portal and the API.
func TestSignInSession(t *testing.T) {
	gh := githubfake.NewOAuth("client", "secret")
	gh.AddUser(githubfake.OAuthUser{Login: "zhang-wei", ID: 1, Name: "Zhang Wei"})
	gh.AddUser(githubfake.OAuthUser{Login: "outsider", ID: 2})
	fake := httptest.NewServer(gh)
	t.Cleanup(fake.Close)
	s := newSignInServer(t, auth.Options{GitHub: map[string]auth.GitHubConfig{"development": {
		ClientID: "client", ClientSecret: "secret", EnterpriseInstanceURL: fake.URL,
	}}}, nil)

	status, body := s.call(t, "GET", "/signin?redirect=/catalog", "")
	if status != 200 || !strings.Contains(body, `href="/api/auth/github/start?redirectUrl=%2Fcatalog"`) || strings.Contains(body, "guest/start") {
		t.Fatalf("sign-in page: %d, want a GitHub button returning to /catalog and no guest: %s", status, body)
	}
	if _, body := s.call(t, "GET", "/", ""); !strings.Contains(body, "Sign in") || strings.Contains(body, "Owned by me") {
		t.Error("anonymous home page lacks the sign-in link or shows 'Owned by me'")
	}
	form := url.Values{"target": {catalogFile(t, "from-portal")}}.Encode()
	formCT := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if status, body := s.call(t, "POST", "/catalog-import", form, formCT...); status != 401 || !strings.Contains(body, "/signin") {
		t.Errorf("anonymous portal write: %d, want 401 pointing at /signin", status)
	}

	// A GitHub user the catalog does not know is refused with a page.
	gh.SignInAs("outsider")
	if status, body := s.call(t, "GET", "/api/auth/github/start", ""); status != 403 || !strings.Contains(body, "no User entity in the catalog matches github user") || !strings.Contains(body, "<html") {
		t.Errorf("outsider: %d, want the 403 page: %.300s", status, body)
	}

	gh.SignInAs("zhang-wei")
	if status, _ := s.call(t, "GET", "/api/auth/github/start?redirectUrl=/", ""); status != 200 {
		t.Fatalf("sign-in: %d", status)
	}
	_, body = s.call(t, "GET", "/", "")
	for _, want := range []string{`data-user="user:default/zhang.wei"`, "张伟 Zhang Wei", `href="/catalog/default/user/zhang.wei"`,
		`title="group:default/payments-team"`, "Owned by me", "payment-service", `action="/signout"`} {
		if !strings.Contains(body, want) {
			t.Errorf("signed-in home page lacks %q", want)
		}
	}
	if status, body := s.call(t, "POST", "/catalog-import", form, formCT...); status == 401 || status == 403 {
		t.Errorf("signed-in portal write: %d %.300s", status, body)
	}
	if status, body := s.call(t, "POST", "/api/catalog/locations?dryRun=true", `{"type":"url","target":"`+catalogFile(t, "x")+`"}`, "Content-Type", "application/json"); status != 201 {
		t.Errorf("signed-in API write with the cookie: %d %s", status, body)
	}
	status, body = s.call(t, "GET", "/api/auth/github/refresh", "", "X-Requested-With", "XMLHttpRequest")
	var sess struct {
		BackstageIdentity struct {
			Token    string
			Identity struct {
				UserEntityRef       string
				OwnershipEntityRefs []string
			}
		}
	}
	json.Unmarshal([]byte(body), &sess)
	if status != 200 || sess.BackstageIdentity.Identity.UserEntityRef != "user:default/zhang.wei" ||
		strings.Join(sess.BackstageIdentity.Identity.OwnershipEntityRefs, ",") != "user:default/zhang.wei,group:default/payments-team" {
		t.Fatalf("refresh: %d %s", status, body)
	}
	token := sess.BackstageIdentity.Token

	// Sign out from the portal: the session ends on the server.
	if status, _ := s.call(t, "POST", "/signout", "", formCT...); status != 200 {
		t.Errorf("sign out: %d", status)
	}
	if _, body := s.call(t, "GET", "/", ""); strings.Contains(body, "data-user=") {
		t.Error("still signed in after sign out")
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/catalog/entities?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("session token after sign out: %d, want 401", resp.StatusCode)
	}
}

// TestSessionExpiredIsAnonymous: past its end a session cookie is
// ignored, and writes need sign-in again.
func TestSessionExpiredIsAnonymous(t *testing.T) {
	s := newSignInServer(t, auth.Options{Guest: &auth.GuestConfig{UserEntityRef: "user:default/li.na"}}, nil)
	if status, _ := s.call(t, "GET", "/api/auth/guest/start", ""); status != 200 {
		t.Fatal("guest sign-in failed")
	}
	loc := `{"type":"url","target":"` + catalogFile(t, "y") + `"}`
	if status, body := s.call(t, "POST", "/api/catalog/locations?dryRun=true", loc, "Content-Type", "application/json"); status != 201 {
		t.Fatalf("write in session: %d %s", status, body)
	}
	s.now = s.now.Add(auth.DefaultSessionDuration + time.Second)
	if status, _ := s.call(t, "POST", "/api/catalog/locations?dryRun=true", loc, "Content-Type", "application/json"); status != 401 {
		t.Errorf("write with an expired session: %d, want 401", status)
	}
	if status, body := s.call(t, "GET", "/", ""); status != 200 || strings.Contains(body, "data-user=") {
		t.Errorf("home with an expired session: %d, signed in: %v", status, strings.Contains(body, "data-user="))
	}
}

// TestTokenAuthLegacy: a backend.auth.externalAccess legacy token (an
// HS256 JWT from Backstage's old backends) may write; a forged one is 401.
func TestTokenAuthLegacy(t *testing.T) {
	key := auth.LegacyKey{Secret: []byte("old-backend-secret"), Subject: "old-backend"}
	srv := newTestServer(t, web.Options{ExternalToken: auth.LegacyVerifier([]auth.LegacyKey{key}, nil)}, 1)
	sign := func(secret string) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "backstage-server", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	loc := map[string]string{"type": "url", "target": catalogFile(t, "legacy")}
	if resp, b := do(t, srv, "POST", "/api/catalog/locations?dryRun=true", sign("old-backend-secret"), loc); resp.StatusCode != 201 {
		t.Errorf("legacy token: %d %s", resp.StatusCode, b)
	}
	if resp, _ := do(t, srv, "POST", "/api/catalog/locations?dryRun=true", sign("forged"), loc); resp.StatusCode != 401 {
		t.Errorf("forged legacy token: %d, want 401", resp.StatusCode)
	}
}
