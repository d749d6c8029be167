package scaffold_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"callboard"
	"callboard/scaffold"
	"callboard/urlread"
)

// TestFetchFileSizeLimit: the fetch actions share the catalog's URL
// reader but keep their own 32 MiB limit for template files, unless the
// reader sets one.
func TestFetchFileSizeLimit(t *testing.T) {
	body := strings.Repeat("x", 9<<20) // over the catalog's 8 MiB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	shared := &urlread.Reader{Allow: callboard.HostRules(u.Host)}
	f := &scaffold.URLFetcher{URLs: shared}
	if b, err := f.FetchFile(t.Context(), srv.URL+"/big"); err != nil || len(b) != len(body) {
		t.Errorf("FetchFile = %d bytes, %v; want %d bytes", len(b), err, len(body))
	}
	if shared.MaxBytes != 0 {
		t.Errorf("the shared reader's MaxBytes changed to %d", shared.MaxBytes)
	}
	f.URLs = &urlread.Reader{Allow: shared.Allow, MaxBytes: 1 << 20}
	if _, err := f.FetchFile(t.Context(), srv.URL+"/big"); callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("FetchFile over the reader's own limit = %v, want Invalid", err)
	}
	if _, err := (&scaffold.URLFetcher{}).FetchFile(t.Context(), srv.URL+"/big"); callboard.ErrorKind(err) != callboard.Forbidden {
		t.Errorf("FetchFile without a URL reader = %v, want Forbidden", err)
	}
}
