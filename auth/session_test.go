package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"callboard/auth"
	"callboard/store/storetest"
)

func TestSessionExpiry(t *testing.T) {
	a := newApp(t, auth.Options{Guest: &auth.GuestConfig{UserEntityRef: "user:default/jane"}}, nil)
	if status, _, _ := a.get(t, "/api/auth/guest/start"); status != http.StatusOK {
		t.Fatalf("guest sign-in: status %d", status)
	}
	p, _ := a.whoami(t, "")
	if p.Subject != "user:default/jane" || len(p.Ownership) != 2 {
		t.Fatalf("guest principal = %+v, want jane with her group from the catalog", p)
	}
	token := a.sessionCookie()
	a.clock.Add(auth.DefaultSessionDuration - time.Minute)
	if p, _ := a.whoami(t, ""); p.Anonymous() {
		t.Fatal("session ended a minute early")
	}
	a.clock.Add(2 * time.Minute)
	// An ended session is anonymous from the cookie, 401 as a bearer.
	if p, status := a.whoami(t, ""); status != http.StatusOK || !p.Anonymous() {
		t.Errorf("expired cookie: %+v (%d), want anonymous", p, status)
	}
	if _, status := a.whoami(t, token); status != http.StatusUnauthorized {
		t.Errorf("expired bearer: status %d, want 401", status)
	}
	if _, status := a.whoami(t, "made-up-token"); status != http.StatusUnauthorized {
		t.Errorf("unknown bearer: status %d, want 401", status)
	}
	n, err := a.svc.Sweep(t.Context())
	if err != nil || n != 1 {
		t.Errorf("Sweep = %d, %v; want the one ended session", n, err)
	}
}

// TestSessionRotation: signing in again ends the browser's old session,
// so a token planted in a browser before sign-in is worthless after it.
func TestSessionRotation(t *testing.T) {
	a := newApp(t, auth.Options{Dev: true}, nil)
	a.get(t, "/api/auth/guest/start")
	first := a.sessionCookie()
	a.get(t, "/api/auth/guest/start")
	if second := a.sessionCookie(); second == first || second == "" {
		t.Fatalf("session token not renewed on sign-in")
	}
	if _, status := a.whoami(t, first); status != http.StatusUnauthorized {
		t.Errorf("the session from before sign-in still works: %d", status)
	}
}

// TestSessionCookie checks the cookie's flags and that the store keeps a
// hash, not the token.
func TestSessionCookie(t *testing.T) {
	db := storetest.Open(t)
	svc, err := auth.New(auth.Options{BaseURL: "https://portal.example.com", Dev: true, Sessions: db, Catalog: testUsers})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/auth/guest/start", nil)
	req.SetPathValue("provider", "guest")
	if err := svc.Start(rec, req); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v", cookies)
	}
	c := cookies[0]
	if c.Name != auth.CookieName || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 || c.Path != "/" {
		t.Errorf("cookie = %+v, want Secure, HttpOnly, SameSite=Lax, with an expiry", c)
	}
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), db.Rebind(`SELECT count(*) FROM sessions WHERE token_hash = ? OR data LIKE ?`),
		c.Value, "%"+c.Value+"%").Scan(&n); err != nil || n != 0 {
		t.Errorf("the token is stored in clear (%d rows, %v)", n, err)
	}
	if rec.Header().Get("Location") != "/" {
		t.Errorf("guest start redirects to %q", rec.Header().Get("Location"))
	}
}

func TestGuestOnlyWhenAllowed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  auth.Options
		guest bool
	}{
		{"not configured", auth.Options{}, false},
		{"auth.environment left at its default", auth.Options{Environment: "development"}, false},
		{"auth.environment: development", auth.Options{Environment: "development", EnvironmentSet: true}, true},
		{"dev mode", auth.Options{Dev: true}, true},
		{"auth.providers.guest", auth.Options{Guest: &auth.GuestConfig{}}, true},
		{"production, explicitly allowed", auth.Options{Environment: "production", Guest: &auth.GuestConfig{DangerouslyAllowOutsideDevelopment: true}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, tc.opts, nil)
			got := strings.Contains(strings.Join(a.svc.Providers(), ","), "guest")
			if got != tc.guest {
				t.Errorf("guest offered = %v, want %v", got, tc.guest)
			}
			status, _, _ := a.get(t, "/api/auth/guest/start")
			if (status == http.StatusOK) != tc.guest {
				t.Errorf("guest start: status %d", status)
			}
			// Backstage's frontend signs guests in through refresh.
			out, status := a.refresh(t, "guest")
			if (status == http.StatusOK) != tc.guest {
				t.Errorf("guest refresh: status %d", status)
			}
			if tc.guest && out["backstageIdentity"].(map[string]any)["identity"].(map[string]any)["userEntityRef"] != auth.DefaultGuestRef {
				t.Errorf("guest refresh = %v", out)
			}
		})
	}
}

// BenchmarkAuthenticate measures the per-request cost of a session cookie:
// one SQLite lookup by token hash plus JSON decoding.
func BenchmarkAuthenticate(b *testing.B) {
	svc, err := auth.New(auth.Options{Dev: true, Sessions: storetest.Open(b), Catalog: testUsers})
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/auth/guest/start", nil)
	req.SetPathValue("provider", "guest")
	if err := svc.Start(rec, req); err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(rec.Result().Cookies()[0])
	b.ResetTimer()
	for b.Loop() {
		if p, err := svc.Authenticate(r); err != nil || p.Anonymous() {
			b.Fatal(p, err)
		}
	}
}
