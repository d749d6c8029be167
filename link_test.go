package callboard_test

import (
	"testing"

	"callboard"
)

func TestLinkURL(t *testing.T) {
	tests := []struct {
		name, in   string
		ok         bool
		wantScheme string
	}{
		{"https", "https://grafana.example.com/d/x?a=1#b", true, "https"},
		{"http", "http://localhost:3000", true, "http"},
		{"mailto", "mailto:team@example.com", true, "mailto"},
		{"site path", "/docs/default/component/x", true, ""},
		{"javascript", "javascript:alert(1)", false, "javascript"},
		{"javascript mixed case", "JaVaScRiPt:alert(1)", false, "javascript"},
		{"javascript with a newline", "java\nscript:alert(1)", false, "javascript"},
		{"javascript with a tab", "java\tscript:alert(1)", false, "javascript"},
		{"javascript after a space", " javascript:alert(1)", false, "javascript"},
		{"vbscript", "vbscript:msgbox(1)", false, "vbscript"},
		{"data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", false, "data"},
		{"file", "file:///etc/passwd", false, "file"},
		{"protocol relative", "//evil.example/x", false, ""},
		{"backslash host", `/\evil.example/x`, false, ""},
		{"relative", "docs/index.md", false, ""},
		{"http without host", "http:/x", false, "http"},
		{"empty mailto", "mailto:", false, "mailto"},
		{"empty", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, scheme := callboard.LinkURL(tt.in)
			if ok != tt.ok || scheme != tt.wantScheme {
				t.Errorf("LinkURL(%q) = %v, %q; want %v, %q", tt.in, ok, scheme, tt.ok, tt.wantScheme)
			}
		})
	}
}
