package web

import "testing"

// TestCreateTaskSafeURL: output links may be http(s) or paths on this
// site; //host and /\host (which browsers read as //host) are refused.
func TestCreateTaskSafeURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://github.com/o/r":       true,
		"http://example.com":           true,
		"/catalog/default/component/x": true,
		"/a\\b":                        true,
		"":                             false,
		"javascript:alert(1)":          false,
		"//evil.com":                   false,
		"/\\evil.com":                  false,
		"/\\/evil.com":                 false,
		"relative/path":                false,
		"/\tevil.com":                  false,
		"data:text/html,<script>":      false,
	} {
		if got := safeURL(s); got != want {
			t.Errorf("safeURL(%q) = %v, want %v", s, got, want)
		}
	}
}
