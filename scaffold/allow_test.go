package scaffold_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"callboard"
	"callboard/scaffold"
	"callboard/urlread"
)

// TestAttackReadingAllowOtherPort: fetch:plain:file and friends read http(s)
// URLs under backend.reading.allow. A host entry without a port used to let
// templates read any port of that host (an internal admin service next to
// the allowed web server); now only the default port, or the ports named.
func TestAttackReadingAllowOtherPort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal secret")) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	for _, tc := range []struct {
		name  string
		allow callboard.AllowRules
		kind  callboard.Kind // "" for success
	}{
		{name: "host without port", allow: callboard.HostRules(u.Hostname()), kind: callboard.Forbidden},
		{name: "host with the port", allow: callboard.HostRules(u.Host)},
		{name: "outside the paths", allow: callboard.AllowRules{{Host: u.Host, Paths: []string{"/templates/"}}}, kind: callboard.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &scaffold.URLFetcher{URLs: &urlread.Reader{Allow: tc.allow}}
			b, err := f.FetchFile(t.Context(), srv.URL+"/admin/secret")
			if tc.kind == "" {
				if err != nil || string(b) != "internal secret" {
					t.Errorf("FetchFile = %q, %v; want the file", b, err)
				}
				return
			}
			if callboard.ErrorKind(err) != tc.kind || len(b) > 0 {
				t.Errorf("FetchFile = %q, %v; want %s", b, err, tc.kind)
			}
		})
	}
}
