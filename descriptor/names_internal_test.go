package descriptor

import (
	"regexp"
	"strings"
	"testing"
)

// The regexps the byte loops of names.go replace, as the reference.
var (
	nameRE      = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	dnsLabelRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	kindRE      = regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`)
	apiSuffixRE = regexp.MustCompile(`^[a-z0-9A-Z]+$`)
	tagRE       = regexp.MustCompile(`^[a-z0-9+#]+(-[a-z0-9+#]+)*$`)
)

// checkMatchers compares each byte loop with its regexp on s, and the
// exported checks with their regexp forms.
func checkMatchers(t *testing.T, s string) {
	t.Helper()
	for _, m := range []struct {
		name string
		got  bool
		re   *regexp.Regexp
	}{
		{"name", matchName(s), nameRE},
		{"dns label", matchDashed(s, isLowerAlnum), dnsLabelRE},
		{"kind", matchKind(s), kindRE},
		{"api suffix", matchAPISuffix(s), apiSuffixRE},
		{"tag", matchDashed(s, isTagChar), tagRE},
	} {
		if want := m.re.MatchString(s); m.got != want {
			t.Errorf("%s(%q) = %v, regexp says %v", m.name, s, m.got, want)
		}
	}
	// The split forms, against strings.Split as before.
	wantSub := len(s) >= 1 && len(s) <= 253
	for _, part := range strings.Split(s, ".") {
		wantSub = wantSub && len(part) >= 1 && len(part) <= 63 && dnsLabelRE.MatchString(part)
	}
	if got := validDNSSubdomain(s); got != wantSub {
		t.Errorf("validDNSSubdomain(%q) = %v, want %v", s, got, wantSub)
	}
	parts := strings.Split(s, "/")
	wantKey := false
	validName := func(x string) bool { return len(x) >= 1 && len(x) <= 63 && nameRE.MatchString(x) }
	switch len(parts) {
	case 1:
		wantKey = validName(parts[0])
	case 2:
		wantKey = validDNSSubdomain(parts[0]) && validName(parts[1])
	}
	if got := ValidKey(s); got != wantKey {
		t.Errorf("ValidKey(%q) = %v, want %v", s, got, wantKey)
	}
}

func TestMatchersAgreeWithRegexps(t *testing.T) {
	for _, s := range []string{
		"", "a", "A", "0", "-", "_", ".", "a-b", "a--b", "a_b", "a.b", "-a", "a-", "_a", "a_", ".a", "a.",
		"Ab9", "9a", "a b", "a\n", "\na", "é", "aé", "c++", "c#", "a+-b", "+-", "#", "a/b", "a//b", "/a", "a/",
		"backstage.io/techdocs-ref", "Example.com/x", "example..com/x", "a.-b/c", "github.com/project-slug",
		"backstage.io/v1alpha1", "v1", "x/y/z", strings.Repeat("a", 64), strings.Repeat("a", 63),
	} {
		checkMatchers(t, s)
	}
}

func FuzzMatchers(f *testing.F) {
	for _, s := range []string{"a-b", "c++", "backstage.io/x", "a..b", "A_b.c"} {
		f.Add(s)
	}
	f.Fuzz(checkMatchers)
}
