package descriptor

import (
	"net/url"
	"strings"
)

// The format rules of Backstage's default (Kubernetes-style) validators,
// spec section 1a.3. They are exported because the catalog and the web
// layer check names that do not come from files (API input, filters).
// Each is a byte loop rather than a regexp (they run several times per
// entity); names_internal_test.go checks them against these regexps:
//
//	name       ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$
//	DNS label  ^[a-z0-9]+(-[a-z0-9]+)*$
//	kind       ^[a-zA-Z][a-z0-9A-Z]*$
//	API suffix ^[a-z0-9A-Z]+$
//	tag        ^[a-z0-9+#]+(-[a-z0-9+#]+)*$

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isTagChar(c byte) bool { return isLowerAlnum(c) || c == '+' || c == '#' }

// matchName is the name regexp.
func matchName(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// matchDashed matches runs of ok characters separated by single dashes:
// the DNS label and tag regexps.
func matchDashed(s string, ok func(byte) bool) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '-' {
			if s[i-1] == '-' {
				return false
			}
		} else if !ok(c) {
			return false
		}
	}
	return true
}

// matchKind is the kind regexp; matchAPISuffix the API suffix one.
func matchKind(s string) bool {
	return s != "" && ('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') && matchAPISuffix(s)
}

func matchAPISuffix(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// ValidName reports whether s is a valid metadata.name (also the rule for
// label values and the name part of label and annotation keys): 1-63
// characters of [A-Za-z0-9], with [-_.] allowed between them.
func ValidName(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && matchName(s)
}

// ValidNamespace reports whether s is a valid metadata.namespace: a DNS
// label, 1-63 characters of [a-z0-9] in runs separated by single dashes.
func ValidNamespace(s string) bool { return validDNSLabel(s) }

func validDNSLabel(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && matchDashed(s, isLowerAlnum)
}

// validDNSSubdomain: 1-253 characters of dot-separated DNS labels.
func validDNSSubdomain(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	for {
		part, rest, more := strings.Cut(s, ".")
		if !validDNSLabel(part) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// ValidKind reports whether s is a well-formed kind: 1-63 letters and
// digits, starting with a letter. It says nothing about whether the kind is
// supported.
func ValidKind(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && matchKind(s)
}

// ValidAPIVersion reports whether s is a well-formed apiVersion:
// [<dns-subdomain>/]<1-63 alphanumerics>, with at most one slash.
func ValidAPIVersion(s string) bool {
	return prefixAndSuffix(s, validDNSSubdomain, func(v string) bool {
		return len(v) >= 1 && len(v) <= 63 && matchAPISuffix(v)
	})
}

// ValidKey reports whether s is a valid label or annotation key:
// [<dns-subdomain>/]<name>, with at most one slash.
func ValidKey(s string) bool { return prefixAndSuffix(s, validDNSSubdomain, ValidName) }

// ValidLabelValue reports whether s is a valid label value: empty, or a
// name.
func ValidLabelValue(s string) bool { return s == "" || ValidName(s) }

// ValidTag reports whether s is a valid tag: 1-63 characters of
// [a-z0-9+#] in runs separated by single dashes.
func ValidTag(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && matchDashed(s, isTagChar)
}

// prefixAndSuffix splits s on "/" (Backstage's isValidPrefixAndOrSuffix):
// one part is a suffix, two are prefix and suffix, more are invalid.
func prefixAndSuffix(s string, prefix, suffix func(string) bool) bool {
	p, sfx, two := strings.Cut(s, "/")
	if !two {
		return suffix(s)
	}
	return !strings.Contains(sfx, "/") && prefix(p) && suffix(sfx)
}

// validURL approximates JavaScript's `new URL(s)` succeeding: an absolute
// URL with a scheme.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != ""
}

// suggestLower returns ` (try "x")` when lowercasing s would make it valid.
func suggestLower(s string, valid func(string) bool) string {
	if l := strings.ToLower(s); l != s && valid(l) {
		return ` (try "` + l + `")`
	}
	return ""
}
