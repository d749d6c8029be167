package techdocs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"callboard/techdocs"
)

// Behaviours of techdocs-core that testdata/parity (golden files) shows,
// asserted one by one so that a failure names the behaviour.

func parityPage(t *testing.T, site *techdocs.Site, p string) string {
	t.Helper()
	page, ok := site.Page(p)
	if !ok {
		t.Fatalf("no page %s", p)
	}
	return string(page.HTML)
}

// TestSaneListsNestByTwo: an ordered list nested by 2 spaces nests three
// levels deep, as mdx_truly_sane_lists renders it, and the third level is
// not literal text.
func TestSaneListsNestByTwo(t *testing.T) {
	site := mustBuild(t, fstest.MapFS{
		"mkdocs.yml":    {Data: []byte("site_name: Lists\n")},
		"docs/index.md": {Data: []byte("# L\n\n1. one\n  1. two\n    1. three\n  2. two b\n2. one b\n\n- a\n  - b\n    - c\n")},
	})
	html := parityPage(t, site, "index.md")
	want := "<ol>\n<li>one\n<ol>\n<li>two\n<ol>\n<li>three</li>\n</ol>\n</li>\n<li>two b</li>\n</ol>\n</li>\n<li>one b</li>\n</ol>\n" +
		"<ul>\n<li>a\n<ul>\n<li>b\n<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>"
	if !strings.Contains(html, want) {
		t.Errorf("lists:\n%s\nwant:\n%s", html, want)
	}
	// Inside admonitions and tabs (content indented by 4) too.
	site = mustBuild(t, fstest.MapFS{
		"mkdocs.yml":    {Data: []byte("site_name: Lists\n")},
		"docs/index.md": {Data: []byte("# L\n\n!!! note\n    1. one\n      1. two\n        1. three\n\n=== \"Tab\"\n    1. tab one\n      1. tab two\n\nAfter.\n\n1. step\n  !!! tip\n      inside the step\n2. next\n")},
	})
	html = parityPage(t, site, "index.md")
	for _, want := range []string{
		"<ol>\n<li>one\n<ol>\n<li>two\n<ol>\n<li>three</li>\n</ol>",
		"<ol>\n<li>tab one\n<ol>\n<li>tab two</li>\n</ol>",
		"<p>After.</p>",
		"<li>step\n<div class=\"admonition tip\">\n<p class=\"admonition-title\">Tip</p>\n<p>inside the step</p>\n</div>\n</li>\n<li>next</li>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("lists in blocks lack %q:\n%s", want, html)
		}
	}
	// Code blocks and fenced code outside lists keep their indentation.
	site = mustBuild(t, fstest.MapFS{
		"mkdocs.yml":    {Data: []byte("site_name: Lists\n")},
		"docs/index.md": {Data: []byte("# L\n\n    indented code\n      - not a list\n\n```yaml\nitems:\n  - a\n    - b\n```\n")},
	})
	html = parityPage(t, site, "index.md")
	if !strings.Contains(html, "indented code\n  - not a list") || strings.Contains(html, "<li>") {
		t.Errorf("code changed by list handling:\n%s", html)
	}
}

// TestTitleHeading: a page without an h1 gets its nav title as h1; one
// with an h1 keeps its own only.
func TestTitleHeading(t *testing.T) {
	site := mustBuild(t, fstest.MapFS{
		"mkdocs.yml":    {Data: []byte("site_name: T\nnav:\n  - Start: index.md\n  - Run <it>: run.md\n")},
		"docs/index.md": {Data: []byte("# Own title\n")},
		"docs/run.md":   {Data: []byte("Steps.\n")},
	})
	if html := parityPage(t, site, "run.md"); !strings.HasPrefix(html, "<h1>Run &lt;it&gt;</h1>\n<p>Steps.</p>") {
		t.Errorf("run.md = %q", html)
	}
	if html := parityPage(t, site, "index.md"); strings.Count(html, "<h1") != 1 {
		t.Errorf("index.md has %d h1: %q", strings.Count(html, "<h1"), html)
	}
}

// TestLineNumbers: techdocs-core turns linenums on; a site's own
// pymdownx.highlight linenums: false turns them off.
func TestLineNumbers(t *testing.T) {
	page := "# C\n\n```go\nx := 1\n```\n"
	on := mustBuild(t, fstest.MapFS{"mkdocs.yml": {Data: []byte("site_name: C\n")}, "docs/index.md": {Data: []byte(page)}})
	if html := parityPage(t, on, "index.md"); !strings.Contains(html, `class="lntable"`) || !strings.Contains(html, `<span class="lnt">1`) {
		t.Errorf("no line numbers by default:\n%s", html)
	}
	off := mustBuild(t, fstest.MapFS{
		"mkdocs.yml":    {Data: []byte("site_name: C\nmarkdown_extensions:\n  - pymdownx.highlight:\n      linenums: false\n")},
		"docs/index.md": {Data: []byte(page)},
	})
	if html := parityPage(t, off, "index.md"); strings.Contains(html, "lntable") {
		t.Errorf("line numbers despite linenums: false:\n%s", html)
	}
}

// TestIframeHosts: the build keeps http(s) iframes for the portal to
// decide; techdocs.Sanitize keeps none, a Sanitizer the listed hosts (and
// Backstage's {src} prefixes) only.
func TestIframeHosts(t *testing.T) {
	site, err := techdocs.Build(os.DirFS(filepath.Join("testdata", "parity")), techdocs.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	built := []byte(parityPage(t, site, "embeds.md"))
	if strings.Count(string(built), "<iframe") != 2 || strings.Contains(string(built), "javascript:") {
		t.Fatalf("built page: %s", built)
	}
	if out := string(techdocs.Sanitize(built)); strings.Contains(out, "<iframe") || !strings.Contains(out, "Embeds") {
		t.Errorf("default sanitizer kept an iframe: %s", out)
	}
	out := string(techdocs.NewSanitizer([]string{"www.youtube.com"}, nil).Sanitize(built))
	if !strings.Contains(out, `<iframe src="https://www.youtube.com/embed/abc" width="560" height="315" title="Demo" allowfullscreen=""></iframe>`) {
		t.Errorf("listed host removed: %s", out)
	}
	if strings.Contains(out, "evil.example") {
		t.Errorf("unlisted host kept: %s", out)
	}
	// Hosts compare with their port, as Backstage's new URL(src).host.
	s := techdocs.NewSanitizer([]string{"grafana.example.com:3000"}, []string{"https://docs.google.com/presentation/", "https://miro.com"})
	for html, keep := range map[string]bool{
		`<iframe src="https://grafana.example.com:3000/d/x"></iframe>`:     true,
		`<iframe src="https://grafana.example.com/d/x"></iframe>`:          false,
		`<iframe src="https://docs.google.com/presentation/d/1"></iframe>`: true,
		`<iframe src="https://docs.google.com/spreadsheets/d/1"></iframe>`: false,
		`<iframe src="/api/techdocs/static/x.html"></iframe>`:              false,
		`<iframe src="https://miro.com/app/embed/1"></iframe>`:             true,
		`<iframe src="https://miro.com.evil.example/app"></iframe>`:        false,
		`<iframe src="https://evil.example/">fallback <b>x</b></iframe>ok`: false,
	} {
		out := string(s.Sanitize([]byte(html)))
		if strings.Contains(out, "<iframe") != keep {
			t.Errorf("%s -> %s, want kept=%v", html, out, keep)
		}
	}
	if out := string(s.Sanitize([]byte(`<iframe src="https://evil.example/">fallback</iframe><p>ok</p>`))); out != "<p>ok</p>" {
		t.Errorf("removed iframe left %q", out)
	}
	for _, bad := range []string{"https://a.example/x;script-src", "https://a.example/?q=1", "javascript:alert(1)", "https://a b/"} {
		if techdocs.ValidIframeSrc(bad) {
			t.Errorf("ValidIframeSrc(%q) = true", bad)
		}
	}
	if got := strings.Join(s.FrameSources(), " "); got != "grafana.example.com:3000 https://docs.google.com/presentation/ https://miro.com" {
		t.Errorf("FrameSources = %q", got)
	}
}

// TestMonorepoInclude: !include sub-sites build under their site_name
// with their own nav (or a derived one), edit links into their own docs
// folder, and their pages and assets are written.
func TestMonorepoInclude(t *testing.T) {
	site, err := techdocs.Build(os.DirFS(filepath.Join("testdata", "parity")), techdocs.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(site.Warnings) > 0 {
		t.Errorf("warnings: %v", site.Warnings)
	}
	services := site.Nav[len(site.Nav)-1]
	if services.Title != "Services" || len(services.Children) != 2 {
		t.Fatalf("nav: %+v", site.Nav)
	}
	pay, ledger := services.Children[0], services.Children[1]
	if pay.Title != "Payments" || len(pay.Children) != 2 || pay.Children[1].Title != "API" || pay.Children[1].URL != "services/payments/api/" {
		t.Errorf("payments section: %+v", pay)
	}
	if ledger.Title != "Ledger" || len(ledger.Children) != 2 || ledger.Children[1].Children[0].URL != "ledger/howto/close/" {
		t.Errorf("ledger section (derived): %+v", ledger)
	}
	p, ok := site.PageByURL("services/payments/api/")
	if !ok || p.EditURL != "https://github.com/acme/parity/edit/main/services/payments/docs/api.md" {
		t.Errorf("api page: %+v", p)
	}
	dir := t.TempDir()
	if err := techdocs.Write(site, nil, dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"services/payments/api/index.html", "ledger/howto/close/index.html", "index.html"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("not written: %s", f)
		}
	}
	// The written page's footer links its neighbours in nav order, from
	// one sub-site into the next.
	b, _ := os.ReadFile(filepath.Join(dir, "services", "payments", "api", "index.html"))
	for _, want := range []string{
		`<a class="md-footer__link md-footer__link--prev" href="../" rel="prev">← Overview</a>`,
		`<a class="md-footer__link md-footer__link--next" href="../../../ledger/" rel="next">Ledger →</a>`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("api page lacks %s", want)
		}
	}

	// A missing sub-site or one whose site_name is not a path is a
	// warning on the line that includes it.
	bad := mustBuild(t, fstest.MapFS{
		"mkdocs.yml":       {Data: []byte("site_name: B\nnav:\n  - Home: index.md\n  - Gone: '!include ./gone/mkdocs.yml'\n  - Up: '!include ./up/mkdocs.yml'\n")},
		"docs/index.md":    {Data: []byte("# B\n")},
		"up/mkdocs.yml":    {Data: []byte("site_name: ../escape\n")},
		"up/docs/index.md": {Data: []byte("# Up\n")},
	})
	got := strings.Join(warningStrings(bad), "\n")
	for _, want := range []string{
		"mkdocs.yml:4: nav: !include ./gone/mkdocs.yml: cannot read it; ignored",
		`mkdocs.yml:5: nav: !include ./up/mkdocs.yml: its site_name "../escape" must be a folder path`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
}

func warningStrings(site *techdocs.Site) []string {
	var out []string
	for _, w := range site.Warnings {
		out = append(out, w.String())
	}
	return out
}
