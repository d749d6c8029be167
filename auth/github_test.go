package auth_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"callboard"
	"callboard/auth"
	"callboard/internal/githubfake"
)

// newGitHubApp serves callboard with GitHub sign-in against the fake, which
// answers for github.com and api.github.com.
func newGitHubApp(t *testing.T, c auth.GitHubConfig) (*app, *githubfake.OAuth) {
	t.Helper()
	gh := githubfake.NewOAuth("Iv1.client", "s3cret-client")
	gh.AddUser(githubfake.OAuthUser{Login: "JaneOnGitHub", ID: 4242, Name: "Jane Doe", Emails: []string{"jane@example.com"}, Verified: true})
	gh.AddUser(githubfake.OAuthUser{Login: "stranger", ID: 7, Email: "stranger@example.org"})
	gh.AddUser(githubfake.OAuthUser{Login: "ops", ID: 8})
	fake := httptest.NewServer(gh)
	t.Cleanup(fake.Close)
	host := strings.TrimPrefix(fake.URL, "http://")
	if c.ClientID == "" {
		c.ClientID, c.ClientSecret = "Iv1.client", "s3cret-client"
	}
	a := newApp(t, auth.Options{GitHub: map[string]auth.GitHubConfig{"development": c}},
		rewrite{hosts: map[string]string{"github.com": host, "api.github.com": host}})
	gh.CallbackURL = a.URL + "/api/auth/github/handler/frame"
	return a, gh
}

func TestGitHubSignIn(t *testing.T) {
	a, gh := newGitHubApp(t, auth.GitHubConfig{})
	if p, status := a.whoami(t, ""); status != http.StatusOK || !p.Anonymous() {
		t.Fatalf("before sign-in: %+v (%d), want anonymous", p, status)
	}
	gh.SignInAs("JaneOnGitHub")
	status, body, resp := a.get(t, "/api/auth/github/start?env=development&redirectUrl=/catalog")
	if status != http.StatusOK || body != "home /catalog" {
		t.Fatalf("sign-in flow ended at %s with %d %q, want the redirectUrl", resp.Request.URL, status, body)
	}
	p, _ := a.whoami(t, "")
	want := callboard.Principal{Subject: "user:default/jane", Ownership: []string{"user:default/jane", "group:default/payments-team"}, Email: "jane@example.com"}
	if p.Subject != want.Subject || strings.Join(p.Ownership, ",") != strings.Join(want.Ownership, ",") || p.Email != want.Email {
		t.Errorf("principal = %+v, want %+v", p, want)
	}
	cookie := a.sessionCookie()
	if cookie == "" {
		t.Fatal("no session cookie")
	}

	// Backstage's session shape from refresh; its token works as a bearer.
	if status, _, _ := a.get(t, "/api/auth/github/refresh"); status != http.StatusUnauthorized {
		t.Errorf("refresh without X-Requested-With: status %d, want 401", status)
	}
	out, status := a.refresh(t, "github")
	if status != http.StatusOK {
		t.Fatalf("refresh: status %d", status)
	}
	bi := out["backstageIdentity"].(map[string]any)
	id := bi["identity"].(map[string]any)
	if id["type"] != "user" || id["userEntityRef"] != "user:default/jane" || len(id["ownershipEntityRefs"].([]any)) != 2 {
		t.Errorf("refresh identity = %v", id)
	}
	if prof := out["profile"].(map[string]any); prof["displayName"] != "Jane Doe" || prof["email"] != "jane@example.com" {
		t.Errorf("refresh profile = %v", prof)
	}
	token := bi["token"].(string)
	if p, status := a.whoami(t, token); status != http.StatusOK || p.Subject != "user:default/jane" {
		t.Errorf("bearer session token: %+v (%d)", p, status)
	}
	if _, status := a.refresh(t, "oidc"); status != http.StatusUnauthorized {
		t.Errorf("refresh of a provider not signed in with: status %d, want 401", status)
	}

	// Logout ends the session on the server: the old token and cookie die.
	a.logout(t, "github")
	if p, _ := a.whoami(t, ""); !p.Anonymous() {
		t.Errorf("after logout: %+v, want anonymous", p)
	}
	if _, status := a.whoami(t, token); status != http.StatusUnauthorized {
		t.Errorf("token after logout: status %d, want 401", status)
	}
	if _, status := a.whoami(t, cookie); status != http.StatusUnauthorized {
		t.Errorf("old cookie value as a bearer after logout: status %d, want 401", status)
	}
}

func TestGitHubSignInResolvers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		login     string
		resolvers []auth.ResolverConfig
		status    int
		subject   string
		message   string
	}{
		{name: "annotation github.com/user-login", login: "JaneOnGitHub", status: 200, subject: "user:default/jane"},
		{name: "entity name", login: "ops", status: 200, subject: "user:default/ops"},
		{name: "primary email", login: "JaneOnGitHub", resolvers: []auth.ResolverConfig{{Resolver: "emailMatchingUserEntityProfileEmail"}}, status: 200, subject: "user:default/jane"},
		{name: "not in catalog", login: "stranger", status: 403, message: "no User entity in the catalog matches github user \"stranger\""},
		{name: "email local part, domain not allowed", login: "stranger",
			resolvers: []auth.ResolverConfig{{Resolver: "emailLocalPartMatchingUserEntityName", AllowedDomains: []string{"example.com"}}}, status: 403, message: "nothing the configured resolvers can match"},
		{name: "outside the catalog allowed", login: "stranger",
			resolvers: []auth.ResolverConfig{{Resolver: "usernameMatchingUserEntityName", DangerouslyAllowSignInWithoutUserInCatalog: true}}, status: 200, subject: "user:default/stranger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, gh := newGitHubApp(t, auth.GitHubConfig{SignIn: auth.SignIn{Resolvers: tc.resolvers}})
			gh.SignInAs(tc.login)
			status, body, _ := a.get(t, "/api/auth/github/start")
			if status != tc.status || !strings.Contains(body, tc.message) {
				t.Fatalf("status %d %q, want %d with %q", status, body, tc.status, tc.message)
			}
			p, _ := a.whoami(t, "")
			if p.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", p.Subject, tc.subject)
			}
		})
	}
}

func TestGitHubSignInBadInput(t *testing.T) {
	a, gh := newGitHubApp(t, auth.GitHubConfig{})
	gh.SignInAs("JaneOnGitHub")
	// Stop at GitHub's redirect back, to tamper with it.
	noFollow := *a.client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start := func() *url.URL {
		t.Helper()
		resp, err := noFollow.Get(a.URL + "/api/auth/github/start")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = noFollow.Get(resp.Header.Get("Location")) // the fake GitHub approves
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, _ := url.Parse(resp.Header.Get("Location"))
		if back.Query().Get("code") == "" {
			t.Fatalf("GitHub did not send a code back: %s", back)
		}
		return back
	}

	back := start()
	q := back.Query()
	q.Set("state", "forged")
	back.RawQuery = q.Encode()
	status, body, _ := a.get(t, back.RequestURI())
	if status != http.StatusUnauthorized || !strings.Contains(body, "state parameter does not match") {
		t.Errorf("forged state: %d %q, want 401", status, body)
	}
	if p, _ := a.whoami(t, ""); !p.Anonymous() {
		t.Errorf("forged state signed in %+v", p)
	}

	// A callback without the flow cookie (another browser) is refused.
	back = start()
	resp, err := http.Get(a.URL + back.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("callback without the flow cookie: status %d, want 401", resp.StatusCode)
	}

	// A code is good once: replaying the callback fails even with a
	// fresh flow cookie of its own.
	back = start()
	if status, _, _ := a.get(t, back.RequestURI()); status != http.StatusOK {
		t.Fatalf("genuine callback: status %d", status)
	}
	back2 := start()
	q = back2.Query()
	q.Set("code", back.Query().Get("code"))
	back2.RawQuery = q.Encode()
	status, body, _ = a.get(t, back2.RequestURI())
	if status != http.StatusUnauthorized || !strings.Contains(body, "bad_verification_code") {
		t.Errorf("replayed code: %d %q, want 401 bad_verification_code", status, body)
	}

	// The user clicks Cancel on GitHub.
	gh.SignInAs("")
	status, body, _ = a.get(t, "/api/auth/github/start")
	if status != http.StatusUnauthorized || !strings.Contains(body, "access_denied") {
		t.Errorf("denied: %d %q", status, body)
	}
	// Unknown providers and environments.
	if status, _, _ := a.get(t, "/api/auth/gitlab/start"); status != http.StatusNotFound {
		t.Errorf("unknown provider: status %d, want 404", status)
	}
	if status, body, _ := a.get(t, "/api/auth/github/start?env=production"); status != http.StatusNotFound || !strings.Contains(body, "production") {
		t.Errorf("unconfigured env: %d %q", status, body)
	}
	// Off-site redirects after sign-in are dropped.
	gh.SignInAs("JaneOnGitHub")
	for _, bad := range []string{"//evil.example/x", "/\\evil.example", "/%09/evil.example", "https://evil.example/", "/%5Cevil.example"} {
		if status, body, _ := a.get(t, "/api/auth/github/start?redirectUrl="+bad); status != http.StatusOK || body != "home /" {
			t.Errorf("off-site redirectUrl %s: %d %q, want home /", bad, status, body)
		}
	}
}

// TestGitHubEnterprise signs in through enterpriseInstanceUrl, whose API
// is under /api/v3, with GitHub's JSON token answer checked too.
func TestGitHubEnterprise(t *testing.T) {
	gh := githubfake.NewOAuth("ghe-client", "ghe-secret")
	gh.AddUser(githubfake.OAuthUser{Login: "ops", ID: 8})
	fake := httptest.NewServer(gh)
	t.Cleanup(fake.Close)
	a := newApp(t, auth.Options{GitHub: map[string]auth.GitHubConfig{"development": {
		ClientID: "ghe-client", ClientSecret: "ghe-secret", EnterpriseInstanceURL: fake.URL,
	}}}, nil)
	gh.SignInAs("ops")
	if status, body, _ := a.get(t, "/api/auth/github/start"); status != http.StatusOK {
		t.Fatalf("enterprise sign-in: %d %q", status, body)
	}
	if p, _ := a.whoami(t, ""); p.Subject != "user:default/ops" || len(p.Ownership) != 3 {
		t.Errorf("principal = %+v, want ops with two groups", p)
	}

	// The token endpoint answers JSON when asked, and errors as 200s.
	req, _ := http.NewRequest(http.MethodPost, fake.URL+"/login/oauth/access_token",
		strings.NewReader(url.Values{"client_id": {"ghe-client"}, "client_secret": {"wrong"}, "code": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := jsonDecode(resp, &body); err != nil || resp.StatusCode != 200 || body["error"] != "incorrect_client_credentials" {
		t.Errorf("bad client secret: %d %v %v", resp.StatusCode, body, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts auth.Options
		want string
	}{
		{"github without secret", auth.Options{GitHub: map[string]auth.GitHubConfig{"development": {ClientID: "x"}}}, "auth.providers.github.development: clientId and clientSecret are required"},
		{"unknown resolver", auth.Options{GitHub: map[string]auth.GitHubConfig{"production": {ClientID: "x", ClientSecret: "y",
			SignIn: auth.SignIn{Resolvers: []auth.ResolverConfig{{Resolver: "emailMatchingUserEntityName"}}}}}}, "auth.providers.github.production.signIn.resolvers[0].resolver: unknown resolver"},
		{"bad enterprise URL", auth.Options{GitHub: map[string]auth.GitHubConfig{"development": {ClientID: "x", ClientSecret: "y", EnterpriseInstanceURL: "ghe.example.com"}}}, "enterpriseInstanceUrl"},
		{"oidc without metadata", auth.Options{OIDC: map[string]auth.OIDCConfig{"development": {ClientID: "x", ClientSecret: "y"}}}, "auth.providers.oidc.development: metadataUrl"},
		{"guest in production", auth.Options{Environment: "production", Guest: &auth.GuestConfig{}}, "dangerouslyAllowOutsideDevelopment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Sessions, tc.opts.Catalog = nil, testUsers
			tc.opts.Sessions = memSessions{}
			_, err := auth.New(tc.opts)
			if callboard.ErrorKind(err) != callboard.Invalid || !strings.Contains(callboard.ErrorMessage(err), tc.want) {
				t.Errorf("New: %v, want Invalid with %q", err, tc.want)
			}
		})
	}
}
