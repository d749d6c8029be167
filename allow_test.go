package callboard_test

import (
	"net/url"
	"testing"

	"callboard"
)

// TestAttackReadingAllowOtherPort: an entry without a port used to allow
// every port of its host, so allowing a web server opened its admin
// consoles and databases to URL locations and placeholders. As in
// Backstage, it allows the scheme's default port only; an entry with a
// port or a range allows those.
func TestAttackReadingAllowOtherPort(t *testing.T) {
	tests := []struct {
		name  string
		rule  callboard.AllowRule
		url   string
		allow bool
	}{
		{name: "no port: other port refused", rule: callboard.AllowRule{Host: "example.local"}, url: "http://example.local:8080/x"},
		{name: "no port: http default", rule: callboard.AllowRule{Host: "example.local"}, url: "http://example.local/x", allow: true},
		{name: "no port: explicit :80 for http", rule: callboard.AllowRule{Host: "example.local"}, url: "http://example.local:80/x", allow: true},
		{name: "no port: explicit :443 for https", rule: callboard.AllowRule{Host: "example.local"}, url: "https://example.local:443/x", allow: true},
		{name: "no port: :443 for http refused", rule: callboard.AllowRule{Host: "example.local"}, url: "http://example.local:443/x"},
		{name: "no port: :80 for https refused", rule: callboard.AllowRule{Host: "example.local"}, url: "https://example.local:80/x"},
		{name: "no port: case of the host", rule: callboard.AllowRule{Host: "Example.Local"}, url: "https://EXAMPLE.local/x", allow: true},
		{name: "port: that port", rule: callboard.AllowRule{Host: "example.local:8080"}, url: "http://example.local:8080/x", allow: true},
		{name: "port: another port refused", rule: callboard.AllowRule{Host: "example.local:8080"}, url: "http://example.local:8081/x"},
		{name: "port: the default port refused", rule: callboard.AllowRule{Host: "example.local:8080"}, url: "http://example.local/x"},
		{name: "port 443: https default", rule: callboard.AllowRule{Host: "example.local:443"}, url: "https://example.local/x", allow: true},
		{name: "range: inside", rule: callboard.AllowRule{Host: "example.local:8000-8099"}, url: "http://example.local:8042/", allow: true},
		{name: "range: outside", rule: callboard.AllowRule{Host: "example.local:8000-8099"}, url: "http://example.local:8100/"},
		{name: "wildcard: subdomain default port", rule: callboard.AllowRule{Host: "*.example.com"}, url: "https://git.example.com/x", allow: true},
		{name: "wildcard: subdomain other port refused", rule: callboard.AllowRule{Host: "*.example.com"}, url: "https://git.example.com:8443/x"},
		{name: "wildcard: not the domain itself", rule: callboard.AllowRule{Host: "*.example.com"}, url: "https://example.com/x"},
		{name: "wildcard: not a lookalike", rule: callboard.AllowRule{Host: "*.example.com"}, url: "https://evilexample.com/x"},
		{name: "wildcard with port", rule: callboard.AllowRule{Host: "*.example.com:8443"}, url: "https://git.example.com:8443/x", allow: true},
		{name: "another host", rule: callboard.AllowRule{Host: "example.local"}, url: "http://other.local/x"},
		{name: "IPv6 with port", rule: callboard.AllowRule{Host: "[::1]:8080"}, url: "http://[::1]:8080/x", allow: true},
		{name: "IPv6 other port", rule: callboard.AllowRule{Host: "[::1]:8080"}, url: "http://[::1]:9090/x"},
		{name: "paths: under a path", rule: callboard.AllowRule{Host: "example.local", Paths: []string{"/org/"}}, url: "http://example.local/org/repo/catalog-info.yaml", allow: true},
		{name: "paths: another path refused", rule: callboard.AllowRule{Host: "example.local", Paths: []string{"/org/"}}, url: "http://example.local/other/catalog-info.yaml"},
		{name: "paths: dot-dot out refused", rule: callboard.AllowRule{Host: "example.local", Paths: []string{"/org/"}}, url: "http://example.local/org/../admin/x"},
		{name: "paths: escaped dot-dot out refused", rule: callboard.AllowRule{Host: "example.local", Paths: []string{"/org/"}}, url: "http://example.local/org/%2e%2e/admin/x"},
		{name: "paths: the folder itself", rule: callboard.AllowRule{Host: "example.local", Paths: []string{"/org/"}}, url: "http://example.local/org/", allow: true},
		{name: "paths: one of several", rule: callboard.AllowRule{Host: "example.local", Paths: []string{"/a/", "/b/"}}, url: "http://example.local/b/x", allow: true},
		{name: "paths: still the port rule", rule: callboard.AllowRule{Host: "example.local", Paths: []string{"/org/"}}, url: "http://example.local:8080/org/x"},
		{name: "a broken rule allows nothing", rule: callboard.AllowRule{Host: "example.local:http"}, url: "http://example.local/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.rule.Allows(u); got != tc.allow {
				t.Errorf("%+v allows %s = %v, want %v", tc.rule, tc.url, got, tc.allow)
			}
		})
	}
}

func TestAllowRulesAllows(t *testing.T) {
	rs := callboard.HostRules("github.com", "localhost:7000-7999")
	for u, want := range map[string]bool{
		"https://github.com/o/r":   true,
		"https://github.com:22/":   false,
		"http://localhost:7007/x":  true,
		"http://localhost/x":       false,
		"https://gitlab.com/o/r":   false,
		"http://localhost:8080/x/": false,
	} {
		if got := rs.Allows(mustURL(t, u)); got != want {
			t.Errorf("Allows(%s) = %v, want %v", u, got, want)
		}
	}
	if (callboard.AllowRules(nil)).Allows(mustURL(t, "https://github.com/")) {
		t.Error("no rules allow a URL")
	}
}

func TestAllowRuleCheck(t *testing.T) {
	tests := []struct {
		name string
		rule callboard.AllowRule
		want string // "" for no error
	}{
		{name: "host", rule: callboard.AllowRule{Host: "example.com"}},
		{name: "host and port", rule: callboard.AllowRule{Host: "example.com:8080"}},
		{name: "range", rule: callboard.AllowRule{Host: "example.com:8000-8099"}},
		{name: "wildcard", rule: callboard.AllowRule{Host: "*.example.com"}},
		{name: "IPv6", rule: callboard.AllowRule{Host: "[::1]:8080"}},
		{name: "paths", rule: callboard.AllowRule{Host: "example.com", Paths: []string{"/org/"}}},
		{name: "empty", rule: callboard.AllowRule{}, want: `host "": must not be empty`},
		{name: "a URL", rule: callboard.AllowRule{Host: "https://example.com"},
			want: `host "https://example.com": want a host name such as example.com or example.com:8080, not a URL or path; put paths in paths`},
		{name: "bad port", rule: callboard.AllowRule{Host: "example.com:99999"},
			want: `host "example.com:99999": want a port between 1 and 65535, or a range such as 8000-8099`},
		{name: "empty port", rule: callboard.AllowRule{Host: "example.com:"}, want: `host "example.com:": empty port`},
		{name: "backwards range", rule: callboard.AllowRule{Host: "example.com:9000-8000"},
			want: `host "example.com:9000-8000": want a port range such as 8000-8099, low to high, within 1-65535`},
		{name: "inner wildcard", rule: callboard.AllowRule{Host: "prod.*.example.com"},
			want: `host "prod.*.example.com": a wildcard is only allowed as a leading "*." before a domain`},
		{name: "relative path", rule: callboard.AllowRule{Host: "example.com", Paths: []string{"org/"}},
			want: `paths[0]: "org/" must start with "/"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rule.Check()
			got := ""
			if err != nil {
				got = callboard.ErrorMessage(err)
				if callboard.ErrorKind(err) != callboard.Invalid {
					t.Errorf("kind = %v, want Invalid", callboard.ErrorKind(err))
				}
			}
			if got != tc.want {
				t.Errorf("Check() = %q, want %q", got, tc.want)
			}
		})
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
