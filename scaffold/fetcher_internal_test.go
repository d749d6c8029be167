package scaffold

import (
	"testing"

	"callboard"
)

// TestResolveURL keeps file:// reads inside the template's directory.
func TestResolveURL(t *testing.T) {
	const base = "file:///srv/templates/go/template.yaml"
	for _, tc := range []struct {
		ref, want string
		kind      callboard.Kind // "" for success
	}{
		{"./skeleton", "file:///srv/templates/go/skeleton", ""},
		{"skeleton/sub", "file:///srv/templates/go/skeleton/sub", ""},
		{"https://example.com/x.yaml", "https://example.com/x.yaml", ""},
		{"../other/skeleton", "", callboard.Forbidden},
		{"./skeleton/../../../etc", "", callboard.Forbidden},
		{"file:///etc/passwd", "", callboard.Forbidden},
		{"/etc/passwd", "", callboard.Forbidden},
	} {
		got, err := resolveURL(base, tc.ref)
		if tc.kind == "" && (err != nil || got != tc.want) {
			t.Errorf("resolveURL(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
		if tc.kind != "" && callboard.ErrorKind(err) != tc.kind {
			t.Errorf("resolveURL(%q) = %q, %v; want %s", tc.ref, got, err, tc.kind)
		}
	}
	if _, err := resolveURL("", "./skeleton"); callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("relative URL without a base: %v, want invalid", err)
	}
	got, err := resolveURL("https://github.com/o/r/blob/main/t/template.yaml", "./skeleton")
	if err != nil || got != "https://github.com/o/r/blob/main/t/skeleton" {
		t.Errorf("https base: %q, %v", got, err)
	}
}
