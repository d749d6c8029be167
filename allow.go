package callboard

import (
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// AllowRule is one entry of backend.reading.allow, with the meaning of
// Backstage's FetchUrlReader. Host is a host name ("example.com") or a
// pattern for its subdomains ("*.example.com"), optionally with a port or
// a port range ("example.com:8080", "example.com:8000-8099"). Without a
// port only the scheme's default port is allowed (80 for http, 443 for
// https), so that allowing a web server does not open every other service
// on that machine. Paths, when set, limit the URLs to those whose path,
// cleaned of "." and "..", starts with one of them.
type AllowRule struct {
	Host  string
	Paths []string
}

// AllowRules is the whole allow-list: a URL is allowed when one rule
// allows it.
type AllowRules []AllowRule

// HostRules makes rules without paths from host entries.
func HostRules(hosts ...string) AllowRules {
	rs := make(AllowRules, len(hosts))
	for i, h := range hosts {
		rs[i] = AllowRule{Host: h}
	}
	return rs
}

// Allows reports whether one of the rules allows u.
func (rs AllowRules) Allows(u *url.URL) bool {
	for _, r := range rs {
		if r.Allows(u) {
			return true
		}
	}
	return false
}

// Allows reports whether r allows u. A rule that Check refuses allows
// nothing.
func (r AllowRule) Allows(u *url.URL) bool {
	name, lo, hi, err := splitAllowHost(r.Host)
	if err != nil || u == nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if sub, ok := strings.CutPrefix(name, "*."); ok {
		if !strings.HasSuffix(host, "."+sub) {
			return false
		}
	} else if host != name {
		return false
	}
	port, explicit := 0, u.Port() != ""
	if explicit {
		p, err := strconv.Atoi(u.Port())
		if err != nil {
			return false
		}
		port = p
	}
	def := map[string]int{"http": 80, "https": 443}[strings.ToLower(u.Scheme)]
	switch {
	case lo == 0 && explicit: // no port in the rule: the default port only
		if port != def {
			return false
		}
	case lo == 0:
	case !explicit && def == 0:
		return false
	default:
		if !explicit {
			port = def
		}
		if port < lo || port > hi {
			return false
		}
	}
	if len(r.Paths) == 0 {
		return true
	}
	p := cleanURLPath(u.Path)
	for _, prefix := range r.Paths {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// cleanURLPath resolves "." and ".." in a URL path, keeping a final slash,
// as Node's path.posix.normalize does for Backstage.
func cleanURLPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// Check reports what is wrong with r (an Invalid error), or nil.
func (r AllowRule) Check() error {
	if _, _, _, err := splitAllowHost(r.Host); err != nil {
		return err
	}
	for i, p := range r.Paths {
		if !strings.HasPrefix(p, "/") {
			return Errorf(Invalid, "paths[%d]: %q must start with \"/\"", i, p)
		}
	}
	return nil
}

// splitAllowHost splits "name[:port[-port]]" into the lower-case name and
// the port range; lo is 0 when there is no port.
func splitAllowHost(h string) (name string, lo, hi int, err error) {
	bad := func(why string) (string, int, int, error) {
		return "", 0, 0, Errorf(Invalid, "host %q: %s", h, why)
	}
	if h == "" {
		return bad("must not be empty")
	}
	if strings.Contains(h, "/") {
		return bad("want a host name such as example.com or example.com:8080, not a URL or path; put paths in paths")
	}
	name, port := h, ""
	if strings.HasPrefix(h, "[") { // an IPv6 address
		end := strings.Index(h, "]")
		if end < 0 {
			return bad("unclosed [")
		}
		name, port = h[1:end], strings.TrimPrefix(h[end+1:], ":")
		if h[end+1:] != "" && !strings.HasPrefix(h[end+1:], ":") {
			return bad("want [address]:port")
		}
		if net.ParseIP(name) == nil {
			return bad("not an IPv6 address")
		}
	} else if i := strings.IndexByte(h, ':'); i >= 0 {
		name, port = h[:i], h[i+1:]
	}
	name = strings.ToLower(name)
	if rest, ok := strings.CutPrefix(name, "*."); ok {
		if rest == "" || strings.Contains(rest, "*") {
			return bad("a wildcard is only allowed as a leading \"*.\" before a domain")
		}
	} else if name == "" || strings.Contains(name, "*") {
		return bad("a wildcard is only allowed as a leading \"*.\" before a domain")
	}
	if port == "" {
		if strings.HasSuffix(h, ":") {
			return bad("empty port")
		}
		return name, 0, 0, nil
	}
	from, to, isRange := strings.Cut(port, "-")
	if lo, err = strconv.Atoi(from); err != nil || lo < 1 || lo > 65535 {
		return bad("want a port between 1 and 65535, or a range such as 8000-8099")
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(to); err != nil || hi < lo || hi > 65535 {
			return bad("want a port range such as 8000-8099, low to high, within 1-65535")
		}
	}
	return name, lo, hi, nil
}
