package catalog_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/urlread"
)

// TestReadRedirectStaysOnAllowedHosts: an allowed host redirecting to a
// host that is not allowed is refused, also with the caller's own client;
// redirects between allowed hosts are followed, loops stop.
func TestReadRedirectStaysOnAllowedHosts(t *testing.T) {
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal secret")) }))
	defer inner.Close()
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, inner.URL+"/x", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/ok", http.StatusFound)
		default:
			w.Write([]byte("fine"))
		}
	}))
	defer outer.Close()
	ou, _ := url.Parse(outer.URL)
	for _, client := range []*http.Client{nil, {}} {
		r := &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(ou.Host), Client: client}}
		b, err := r.Read(t.Context(), catalog.TypeURL, outer.URL+"/away")
		if callboard.ErrorKind(err) != callboard.Forbidden || strings.Contains(string(b), "secret") {
			t.Errorf("redirect to a host not allowed (client %v): %q, %v; want Forbidden", client, b, err)
		}
		if _, err := r.Read(t.Context(), catalog.TypeURL, outer.URL+"/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
			t.Errorf("redirect loop: %v, want stopped after redirects", err)
		}
		if b, err := r.Read(t.Context(), catalog.TypeURL, outer.URL+"/here"); err != nil || string(b) != "fine" {
			t.Errorf("redirect on the allowed host: %q, %v", b, err)
		}
	}
}
