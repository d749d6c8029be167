package techdocs_test

import (
	"strings"
	"testing"

	"callboard/techdocs"
)

// TestStyleSheetDarkCode checks the dark-mode code colours: under
// prefers-color-scheme: dark every token is first reset to the dark text
// colour (so no light-style colour survives on the dark background), then
// coloured by the dark style with selectors that outrank the light ones.
func TestStyleSheetDarkCode(t *testing.T) {
	css := string(techdocs.StyleSheet())
	lightKeyword := ".chroma .k {"
	if !strings.Contains(css, lightKeyword) {
		t.Fatalf("no light keyword rule %q", lightKeyword)
	}
	_, dark, ok := strings.Cut(css, "@media (prefers-color-scheme: dark) {\n:root:not([data-theme=\"light\"]) .md-typeset .chroma span {")
	if !ok {
		t.Fatal("no dark code block with a token reset")
	}
	dark, chosen, ok := strings.Cut(dark, "}\n:root[data-theme=\"dark\"] .md-typeset .chroma span {")
	if !ok {
		t.Fatal("no dark code block for the theme chosen in Settings (data-theme)")
	}
	for _, want := range []string{
		".md-typeset .chroma { color: #e6edf3; background-color: #0d1117;", // github-dark text on its background
		".md-typeset .chroma .k { color: #ff7b72 }",
		".md-typeset .chroma .c { color: #8b949e; font-style: italic }",
	} {
		if !strings.Contains(dark, `:root:not([data-theme="light"]) `+want) {
			t.Errorf("system dark block lacks %q", want)
		}
		if !strings.Contains(chosen, `:root[data-theme="dark"] `+want) {
			t.Errorf("chosen dark block lacks %q", want)
		}
	}
	for line := range strings.Lines(dark) {
		if strings.Contains(line, ".chroma") && !strings.Contains(line, ".md-typeset .chroma") {
			t.Errorf("dark rule not scoped above the light ones: %s", line)
		}
		if strings.Contains(line, " .bg ") {
			t.Errorf("global .bg rule in the dark block: %s", line)
		}
	}
	if !strings.Contains(css, "background: var(--md-pre-bg); color: var(--md-fg);") || !strings.Contains(css, "pre.mermaid {") {
		t.Error("mermaid source is not styled with the theme colours")
	}
}
