package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/auth"
	"callboard/store"
	"callboard/store/storetest"
)

// sessionsDB is a database both the test and `callboard sessions` open,
// with the config file that names it.
type sessionsDB struct {
	db      *store.DB
	cfgPath string
}

// newSessionsDB writes a config for a new database of backend b.
func newSessionsDB(t *testing.T, b storetest.Backend) sessionsDB {
	t.Helper()
	driver, dsn := b.DSN(t)
	client := map[string]string{"sqlite": "better-sqlite3", "postgres": "pg"}[driver]
	cfgPath := filepath.Join(t.TempDir(), "app-config.yaml")
	cfg := fmt.Sprintf("backend:\n  database: {client: %s, connection: '%s'}\n", client, dsn)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return sessionsDB{db: db, cfgPath: cfgPath}
}

// signIn signs userRef in with the guest provider and returns the session
// token (the cookie's value, also a bearer token).
func (s sessionsDB) signIn(t *testing.T, userRef string) string {
	t.Helper()
	svc := s.auth(t, userRef)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/auth/guest/start", nil)
	req.SetPathValue("provider", "guest")
	if err := svc.Start(rec, req); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == auth.CookieName {
			return c.Value
		}
	}
	t.Fatalf("no session cookie for %s", userRef)
	return ""
}

func (s sessionsDB) auth(t *testing.T, guest string) *auth.Service {
	t.Helper()
	svc, err := auth.New(auth.Options{Guest: &auth.GuestConfig{UserEntityRef: guest}, Sessions: s.db,
		Catalog: auth.CatalogFunc(func(context.Context, string, string) ([]*callboard.Entity, error) { return nil, nil })})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// status is what a request with token as its bearer gets: 200 for a live
// session, 401 for one that ended.
func (s sessionsDB) status(t *testing.T, token string) int {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	_, err := s.auth(t, "user:default/guest").Authenticate(r)
	switch {
	case err == nil:
		return http.StatusOK
	case callboard.ErrorKind(err) == callboard.Unauthenticated:
		return http.StatusUnauthorized
	}
	t.Fatalf("authenticate: %v", err)
	return 0
}

// revoke runs `callboard sessions revoke args... --config` and returns its
// output.
func (s sessionsDB) revoke(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append([]string{"sessions", "revoke"}, append(args, "--config", s.cfgPath)...)
	if err := run(t.Context(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %v; stderr:\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// auditTargets lists the targets of the recorded revocations, oldest first.
func (s sessionsDB) auditTargets(t *testing.T) []string {
	t.Helper()
	evs, err := s.db.AuditEvents(t.Context(), callboard.AuditFilter{Action: auth.ActionSessionsRevoke})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, fmt.Sprintf("%s %s %v", evs[i].Target, evs[i].Outcome, evs[i].Details["count"]))
	}
	return out
}

// TestSessionsRevokeUser ends one user's sessions through the real CLI;
// another user's session keeps working.
func TestSessionsRevokeUser(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := newSessionsDB(t, b)
			jane1, jane2 := s.signIn(t, "user:default/jane"), s.signIn(t, "user:default/jane")
			joe := s.signIn(t, "user:default/joe")
			if out := s.revoke(t, "--user", "jane"); out != "revoked 2 session(s) (user:default/jane)\n" {
				t.Errorf("output = %q", out)
			}
			for name, tc := range map[string]struct {
				token string
				want  int
			}{"jane's first": {jane1, 401}, "jane's second": {jane2, 401}, "joe's": {joe, 200}} {
				if got := s.status(t, tc.token); got != tc.want {
					t.Errorf("%s session after revoking jane: %d, want %d", name, got, tc.want)
				}
			}
			if got := strings.Join(s.auditTargets(t), ","); got != "user:default/jane success 2" {
				t.Errorf("audit = %q", got)
			}
		})
	}
}

// TestSessionsRevokeAll ends every session through the real CLI.
func TestSessionsRevokeAll(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := newSessionsDB(t, b)
			tokens := []string{s.signIn(t, "user:default/jane"), s.signIn(t, "user:default/joe")}
			if out := s.revoke(t, "--all"); out != "revoked 2 session(s) (all sessions)\n" {
				t.Errorf("output = %q", out)
			}
			for _, tok := range tokens {
				if got := s.status(t, tok); got != 401 {
					t.Errorf("a session after revoking all: %d, want 401", got)
				}
			}
			if out := s.revoke(t, "--all"); out != "revoked 0 session(s) (all sessions)\n" {
				t.Errorf("second revoke: %q", out)
			}
			if got := strings.Join(s.auditTargets(t), ","); got != "all sessions success 2,all sessions success 0" {
				t.Errorf("audit = %q", got)
			}
		})
	}
}

func TestSessionsUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{name: "no subcommand", args: []string{"sessions"}, err: errSilent.Error()},
		{name: "neither flag", args: []string{"sessions", "revoke"}, err: "either --all or --user"},
		{name: "both flags", args: []string{"sessions", "revoke", "--all", "--user", "jane"}, err: "either --all or --user"},
		{name: "not a user", args: []string{"sessions", "revoke", "--user", "group:default/admins"}, err: "group:default/admins is not a user"},
		{name: "bad ref", args: []string{"sessions", "revoke", "--user", "a:b:c/d/e"}, err: "--user: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), tc.args, func(string) string { return "" }, &out, &out)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error = %v, want %q", err, tc.err)
			}
		})
	}
}

// TestAttackRotatedSessionSecretServe: a browser signed in while serve ran
// with auth.session.secret A; serve restarts with secret B. The old cookie
// no longer names a session, so its write is anonymous: 401.
func TestAttackRotatedSessionSecretServe(t *testing.T) {
	dir := t.TempDir()
	cfgFor := func(secret string) string {
		p := filepath.Join(dir, "app-config-"+secret+".yaml")
		os.WriteFile(p, []byte(fmt.Sprintf(`
backend:
  database: {client: better-sqlite3, connection: %s}
auth:
  environment: development
  session: {secret: %s}
`, filepath.Join(dir, "cb.sqlite"), secret)), 0o644)
		return p
	}
	write := func(s *e2eServer, cookie string) int {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", s.base+"/api/catalog/locations?dryRun=true",
			strings.NewReader(`{"type":"url","target":"https://github.com/o/r/blob/main/catalog-info.yaml"}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: cookie})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	a := startServe(t, cfgFor("secret-A"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(a.base + "/api/auth/guest/start?redirectUrl=/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatalf("guest sign-in set no session cookie: %d", resp.StatusCode)
	}
	if got := write(a, cookie); got == http.StatusUnauthorized {
		t.Fatalf("write with the fresh cookie: %d, want it past authentication", got)
	}
	a.stop()
	b := startServe(t, cfgFor("secret-B"))
	if got := write(b, cookie); got != http.StatusUnauthorized {
		t.Errorf("write with a cookie minted under the old secret: %d, want 401", got)
	}
}
