package auth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"callboard/auth"
)

// newOIDCApp serves callboard with OIDC sign-in against mockoidc, an OIDC
// provider running in process (discovery, JWKS, PKCE, nonce, RS256 tokens).
func newOIDCApp(t *testing.T, resolvers ...auth.ResolverConfig) (*app, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	a := newApp(t, auth.Options{OIDC: map[string]auth.OIDCConfig{"development": {
		MetadataURL: cfg.Issuer + "/.well-known/openid-configuration",
		ClientID:    cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Scope: "openid profile email", SignIn: auth.SignIn{Resolvers: resolvers},
	}}}, nil)
	return a, m
}

func TestOIDCSignIn(t *testing.T) {
	a, m := newOIDCApp(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "00u1", Email: "ops@example.com", EmailVerified: true, PreferredUsername: "ops-person"})
	status, body, _ := a.get(t, "/api/auth/oidc/start?redirectUrl=/docs")
	if status != http.StatusOK || body != "home /docs" {
		t.Fatalf("OIDC sign-in: %d %q", status, body)
	}
	p, _ := a.whoami(t, "")
	if p.Subject != "user:default/ops" || strings.Join(p.Ownership, ",") != "user:default/ops,group:default/platform,group:default/sre" {
		t.Errorf("principal = %+v", p)
	}
	out, status := a.refresh(t, "oidc")
	if status != http.StatusOK || out["profile"].(map[string]any)["email"] != "ops@example.com" {
		t.Errorf("refresh: %d %v", status, out)
	}
}

func TestOIDCResolvers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		user      *mockoidc.MockUser
		resolvers []auth.ResolverConfig
		status    int
		subject   string
		message   string
	}{
		{"email local part", &mockoidc.MockUser{Subject: "1", Email: "jane@corp.example"},
			[]auth.ResolverConfig{{Resolver: "emailLocalPartMatchingUserEntityName", AllowedDomains: []string{"corp.example"}}}, 200, "user:default/jane", ""},
		{"preferred_username", &mockoidc.MockUser{Subject: "2", Email: "x@y.example", PreferredUsername: "jane"},
			[]auth.ResolverConfig{{Resolver: "usernameMatchingUserEntityName"}}, 200, "user:default/jane", ""},
		{"first resolver misses, second hits", &mockoidc.MockUser{Subject: "3", Email: "jane@example.com", PreferredUsername: "nobody"},
			[]auth.ResolverConfig{{Resolver: "usernameMatchingUserEntityName"}, {Resolver: "emailMatchingUserEntityProfileEmail"}}, 200, "user:default/jane", ""},
		{"user not in catalog", &mockoidc.MockUser{Subject: "4", Email: "new.hire@example.com"}, nil, 403, "",
			`no User entity in the catalog matches oidc user "new.hire@example.com"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, m := newOIDCApp(t, tc.resolvers...)
			m.QueueUser(tc.user)
			status, body, _ := a.get(t, "/api/auth/oidc/start")
			if status != tc.status || !strings.Contains(body, tc.message) {
				t.Fatalf("status %d %q, want %d with %q", status, body, tc.status, tc.message)
			}
			if p, _ := a.whoami(t, ""); p.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", p.Subject, tc.subject)
			}
		})
	}
}

// TestOIDCProviderDown: a provider that cannot be reached is an Upstream
// error at sign-in, not at startup.
func TestOIDCProviderDown(t *testing.T) {
	a := newApp(t, auth.Options{OIDC: map[string]auth.OIDCConfig{"development": {
		MetadataURL: "http://127.0.0.1:1/.well-known/openid-configuration", ClientID: "c", ClientSecret: "s",
	}}}, nil)
	if status, body, _ := a.get(t, "/api/auth/oidc/start"); status != http.StatusBadGateway || !strings.Contains(body, "metadata") {
		t.Errorf("provider down: %d %q, want 502", status, body)
	}
}
