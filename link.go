package callboard

import (
	"net/url"
	"strings"
)

// LinkURL reports whether the portal may render an address that an entity
// provides (metadata.links, the view-url annotation...) as a link: an
// absolute http, https or mailto URL, or a path on this site. Browsers run
// javascript: and vbscript: addresses and data: ones carry whole documents,
// so these and every other scheme are shown as text. For a refused address
// it returns the lowercased scheme, "" when there is none.
func LinkURL(s string) (ok bool, scheme string) {
	// Browsers drop tabs and newlines inside URLs and spaces around them
	// ("java\nscript:"), so such an address is never a link.
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) || strings.TrimSpace(s) != s {
		return false, schemeOf(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return false, schemeOf(s)
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != "", u.Scheme
	case "mailto":
		return u.Opaque != "", u.Scheme
	case "":
		// A path on this site; "//host" and "/\host" name another host.
		return u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, `/\`), ""
	}
	return false, u.Scheme
}

// schemeOf returns the lowercased scheme of an address url.Parse refuses,
// with browsers' leniency: surrounding space and embedded tabs and newlines
// are dropped first.
func schemeOf(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return ""
	}
	for j, r := range s[:i] {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (j == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return ""
		}
	}
	return strings.ToLower(s[:i])
}
