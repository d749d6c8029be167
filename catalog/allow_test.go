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

// TestAttackReadingAllowOtherPort: backend.reading.allow with a host and
// no port let URL locations and placeholders read every port of that
// host. Now only the default port is allowed; an entry naming the port
// allows it, and paths limit what may be read under it.
func TestAttackReadingAllowOtherPort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(component("internal-"+strings.Trim(strings.ReplaceAll(r.URL.Path, "/", "-"), "-"), "team-a", "service")))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	tests := []struct {
		name  string
		allow callboard.AllowRules
		path  string
		want  string // the entity read, or "" when refused
	}{
		{name: "host without port", allow: callboard.HostRules(u.Hostname()), path: "/a"},
		{name: "host with the port", allow: callboard.HostRules(u.Host), path: "/a", want: "component:internal-a"},
		{name: "port range", allow: callboard.HostRules(u.Hostname() + ":1-65535"), path: "/a", want: "component:internal-a"},
		{name: "under an allowed path", allow: callboard.AllowRules{{Host: u.Host, Paths: []string{"/team/"}}}, path: "/team/b", want: "component:internal-team-b"},
		{name: "outside the allowed paths", allow: callboard.AllowRules{{Host: u.Host, Paths: []string{"/team/"}}}, path: "/admin/c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCatalog(t, catalog.Options{Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: tc.allow}}})
			target := srv.URL + tc.path
			if _, _, _, err := c.AddLocation(t.Context(), "url", target, false); err != nil {
				t.Fatal(err)
			}
			root := mustEntity(t, c, "location:generated-"+sha1Hex("url:"+target))
			msg := statusMessages(root)
			if tc.want == "" {
				if !strings.Contains(msg, "NotAllowedError") || !strings.Contains(msg, "backend.reading.allow") || c.Len() != 1 {
					t.Errorf("status = %q with %d entities; want only the location, refused with advice about backend.reading.allow", msg, c.Len())
				}
				return
			}
			if msg != "" {
				t.Errorf("status = %q, want none", msg)
			}
			mustEntity(t, c, tc.want)
		})
	}
}
