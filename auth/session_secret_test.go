package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"callboard"
	"callboard/auth"
)

// restartWith builds another Service on a's database and clock, as the
// next process would with opts.
func restartWith(t *testing.T, a *app, opts auth.Options) *auth.Service {
	t.Helper()
	opts.Sessions, opts.Audit, opts.Catalog, opts.Now = a.db, a.db, testUsers, a.clock.Now
	svc, err := auth.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// bearer authenticates a request that carries token as a bearer token.
func bearer(svc *auth.Service, token string) (callboard.Principal, error) {
	r := httptest.NewRequest(http.MethodGet, "/whoami", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return svc.Authenticate(r)
}

// TestAttackRotatedSessionSecret: a session minted under secret A is found
// only under A. After a restart with secret B (or none), its token is
// unknown: 401 as a bearer, anonymous as a cookie.
func TestAttackRotatedSessionSecret(t *testing.T) {
	guest := &auth.GuestConfig{UserEntityRef: "user:default/jane"}
	a := newApp(t, auth.Options{Guest: guest, SessionSecret: "secret-A"}, nil)
	if status, _, _ := a.get(t, "/api/auth/guest/start"); status != http.StatusOK {
		t.Fatalf("guest sign-in: status %d", status)
	}
	token := a.sessionCookie()
	if p, _ := a.whoami(t, token); p.Subject != "user:default/jane" {
		t.Fatalf("before the restart: %+v, want jane", p)
	}
	for _, tc := range []struct {
		name   string
		secret string
		works  bool
	}{
		{name: "rotated to B", secret: "secret-B"},
		{name: "secret removed", secret: ""},
		{name: "same secret A", secret: "secret-A", works: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := restartWith(t, a, auth.Options{Guest: guest, SessionSecret: tc.secret})
			p, err := bearer(svc, token)
			if tc.works {
				if err != nil || p.Subject != "user:default/jane" {
					t.Errorf("bearer = %+v, %v; want jane", p, err)
				}
				return
			}
			if callboard.ErrorKind(err) != callboard.Unauthenticated {
				t.Errorf("bearer after the rotation = %+v, %v; want Unauthenticated", p, err)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(&http.Cookie{Name: auth.CookieName, Value: token})
			if p, err := svc.Authenticate(r); err != nil || !p.Anonymous() {
				t.Errorf("cookie after the rotation = %+v, %v; want anonymous", p, err)
			}
		})
	}
}

// TestSessionAbsoluteLifetime: a session ends SessionLifetime after its
// sign-in although the provider gives it 7 days, and lowering the lifetime
// at a restart ends sessions that are older than the new one.
func TestSessionAbsoluteLifetime(t *testing.T) {
	guest := &auth.GuestConfig{UserEntityRef: "user:default/jane"}
	a := newApp(t, auth.Options{Guest: guest, SessionLifetime: 12 * time.Hour}, nil)
	a.get(t, "/api/auth/guest/start")
	token := a.sessionCookie()
	out, status := a.refresh(t, "guest")
	if status != http.StatusOK {
		t.Fatalf("refresh: %d", status)
	}
	if got := out["backstageIdentity"].(map[string]any)["expiresInSeconds"].(float64); got > (12 * time.Hour).Seconds() {
		t.Errorf("expiresInSeconds = %v, want at most 12 hours", got)
	}
	a.clock.Add(12*time.Hour - time.Minute)
	if p, _ := a.whoami(t, ""); p.Subject != "user:default/jane" {
		t.Fatalf("session ended before its lifetime: %+v", p)
	}
	a.clock.Add(2 * time.Minute)
	if _, status := a.whoami(t, token); status != http.StatusUnauthorized {
		t.Errorf("bearer past the absolute lifetime: %d, want 401", status)
	}

	// A session started under the default lifetime ends at a restart
	// with a lifetime shorter than its age.
	b := newApp(t, auth.Options{Guest: guest}, nil)
	b.get(t, "/api/auth/guest/start")
	token = b.sessionCookie()
	b.clock.Add(2 * 24 * time.Hour)
	if p, err := bearer(restartWith(t, b, auth.Options{Guest: guest}), token); err != nil || p.Anonymous() {
		t.Fatalf("two-day-old session under the default lifetime: %+v, %v", p, err)
	}
	svc := restartWith(t, b, auth.Options{Guest: guest, SessionLifetime: 24 * time.Hour})
	if _, err := bearer(svc, token); callboard.ErrorKind(err) != callboard.Unauthenticated {
		t.Errorf("two-day-old session after lowering the lifetime to a day: %v, want Unauthenticated", err)
	}
	if _, err := auth.New(auth.Options{Sessions: b.db, Catalog: testUsers, SessionLifetime: -time.Hour}); callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("negative lifetime: %v, want Invalid", err)
	}
}
