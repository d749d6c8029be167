package web_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"callboard"
	"callboard/web"
)

// headerAuth signs in whoever X-Test-User names: a session stand-in.
type headerAuth struct{}

func (headerAuth) Authenticate(r *http.Request) (callboard.Principal, error) {
	if u := r.Header.Get("X-Test-User"); u != "" {
		return callboard.Principal{Subject: u, Ownership: []string{u}}, nil
	}
	return callboard.Principal{}, nil
}
func (headerAuth) Providers() []string                                      { return []string{"guest"} }
func (headerAuth) Start(w http.ResponseWriter, r *http.Request) error       { return nil }
func (headerAuth) Frame(w http.ResponseWriter, r *http.Request) error       { return nil }
func (headerAuth) Refresh(w http.ResponseWriter, r *http.Request) error     { return nil }
func (headerAuth) LogoutRoute(w http.ResponseWriter, r *http.Request) error { return nil }
func (headerAuth) Logout(w http.ResponseWriter, r *http.Request) error      { return nil }

// TestSeenUser: signed-in people are reported for the monthly active
// users on each request; machine tokens and anonymous callers are not.
func TestSeenUser(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := newTestServer(t, web.Options{Auth: headerAuth{}, Tokens: map[string]string{"s3cret-token": "ci"},
		SeenUser: func(ctx context.Context, subject string) {
			mu.Lock()
			seen = append(seen, subject)
			mu.Unlock()
		}}, 1)
	get := func(header, value string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/catalog/entities?limit=1", nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	get("X-Test-User", "user:default/jane")
	get("X-Test-User", "user:default/jane")
	get("Authorization", "Bearer s3cret-token")
	get("", "")
	get("X-Test-User", "user:default/john")
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{"user:default/jane", "user:default/jane", "user:default/john"}) {
		t.Errorf("seen = %v, want jane twice and john (no machine, no anonymous)", seen)
	}
}
