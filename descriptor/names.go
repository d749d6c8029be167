package descriptor

import (
	"net/url"
	"regexp"
	"strings"
)

// The format rules of Backstage's default (Kubernetes-style) validators,
// spec section 1a.3. They are exported because the catalog and the web
// layer check names that do not come from files (API input, filters).
var (
	nameRE      = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	dnsLabelRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	kindRE      = regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`)
	apiSuffixRE = regexp.MustCompile(`^[a-z0-9A-Z]+$`)
	tagRE       = regexp.MustCompile(`^[a-z0-9+#]+(-[a-z0-9+#]+)*$`)
)

// ValidName reports whether s is a valid metadata.name (also the rule for
// label values and the name part of label and annotation keys): 1-63
// characters of [A-Za-z0-9], with [-_.] allowed between them.
func ValidName(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && nameRE.MatchString(s)
}

// ValidNamespace reports whether s is a valid metadata.namespace: a DNS
// label, 1-63 characters of [a-z0-9] in runs separated by single dashes.
func ValidNamespace(s string) bool { return validDNSLabel(s) }

func validDNSLabel(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && dnsLabelRE.MatchString(s)
}

// validDNSSubdomain: 1-253 characters of dot-separated DNS labels.
func validDNSSubdomain(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !validDNSLabel(part) {
			return false
		}
	}
	return true
}

// ValidKind reports whether s is a well-formed kind: 1-63 letters and
// digits, starting with a letter. It says nothing about whether the kind is
// supported.
func ValidKind(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && kindRE.MatchString(s)
}

// ValidAPIVersion reports whether s is a well-formed apiVersion:
// [<dns-subdomain>/]<1-63 alphanumerics>, with at most one slash.
func ValidAPIVersion(s string) bool {
	return prefixAndSuffix(s, validDNSSubdomain, func(v string) bool {
		return len(v) >= 1 && len(v) <= 63 && apiSuffixRE.MatchString(v)
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
	return len(s) >= 1 && len(s) <= 63 && tagRE.MatchString(s)
}

// prefixAndSuffix splits s on "/" (Backstage's isValidPrefixAndOrSuffix):
// one part is a suffix, two are prefix and suffix, more are invalid.
func prefixAndSuffix(s string, prefix, suffix func(string) bool) bool {
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		return suffix(parts[0])
	case 2:
		return prefix(parts[0]) && suffix(parts[1])
	}
	return false
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
