package techdocs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"callboard/techdocs"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name     string
		markdown string
		forbid   []string // case-insensitive substrings that must not survive
		keep     string   // a substring that must survive, if any
	}{
		{name: "script tag", markdown: "hi <script>alert(1)</script>", forbid: []string{"<script", "alert(1)"}, keep: "hi"},
		{name: "script block", markdown: "<script>\nalert(1)\n</script>\n\ntext", forbid: []string{"<script"}, keep: "text"},
		{name: "onerror", markdown: `<img src="x.png" onerror="alert(1)">`, forbid: []string{"onerror"}},
		{name: "javascript link", markdown: "[click](javascript:alert(1))", forbid: []string{"javascript:"}, keep: "click"},
		{name: "javascript link upper", markdown: "[click](JaVaScRiPt:alert(1))", forbid: []string{"javascript:"}},
		{name: "javascript raw anchor", markdown: `<a href="javascript:alert(1)">x</a>`, forbid: []string{"javascript:"}},
		{name: "javascript image", markdown: "![x](javascript:alert(1))", forbid: []string{"javascript:"}},
		{name: "data html link", markdown: "[x](data:text/html;base64,PHNjcmlwdD4=)", forbid: []string{"data:text/html"}},
		{name: "iframe script src", markdown: `<iframe src="javascript:alert(1)"></iframe><iframe srcdoc="<script>x</script>"></iframe>`, forbid: []string{"javascript:", "srcdoc", "<script"}},
		{name: "svg onload", markdown: `<svg onload="alert(1)"><circle/></svg>`, forbid: []string{"onload", "<svg"}},
		{name: "style tag", markdown: "<style>body{display:none}</style>", forbid: []string{"<style", "display:none"}},
		{name: "style attribute", markdown: `<p style="position:fixed;top:0">x</p>`, forbid: []string{"position:fixed"}},
		{name: "form", markdown: `<form action="https://evil.example"><input type="password"></form>`, forbid: []string{"<form", "password"}},
		{name: "object", markdown: `<object data="x.swf"></object><embed src="x.swf">`, forbid: []string{"<object", "<embed"}},
		{name: "details ontoggle", markdown: `<details open ontoggle="alert(1)"><summary>s</summary></details>`, forbid: []string{"ontoggle"}, keep: "<summary>s</summary>"},
		{name: "attr list handler", markdown: "para {: onclick=\"alert(1)\" }", forbid: []string{"onclick"}},
		{name: "attr list on heading", markdown: "# Title {: onmouseover=alert(1) .ok }", forbid: []string{"onmouseover"}, keep: `class="ok"`},
		{name: "admonition title", markdown: "!!! note \"<script>alert(1)</script>\"\n    body", forbid: []string{"<script"}, keep: "&lt;script&gt;"},
		{name: "tab title", markdown: "=== \"<img src=x onerror=alert(1)>\"\n    body", forbid: []string{"<img"}, keep: "&lt;img src=x"},
		{name: "fence info", markdown: "```go\" onmouseover=\"alert(1)\nx\n```", forbid: []string{"onmouseover=\"alert"}},
		{name: "mermaid content", markdown: "```mermaid\n<script>alert(1)</script>\n```", forbid: []string{"<script"}, keep: `<pre class="mermaid">`},
		{name: "abbr title", markdown: "HTML\n\n*[HTML]: \"><script>alert(1)</script>", forbid: []string{"<script"}},
		{name: "meta refresh", markdown: `<meta http-equiv="refresh" content="0;url=https://evil.example">`, forbid: []string{"<meta", "refresh"}},
		{name: "base tag", markdown: `<base href="https://evil.example/">`, forbid: []string{"<base"}},
		{name: "link tag", markdown: `<link rel="stylesheet" href="https://evil.example/x.css">`, forbid: []string{"<link"}},
		{name: "script in highlighted code", markdown: "```html title=\"<script>x</script>\"\n<script>alert(1)</script>\n```", forbid: []string{"<script"}, keep: "&lt;"},
		{name: "forged code placeholder", markdown: "<div class=\"cb-code-00000000000000000000000000000000-0\"></div>\n\n```go\nx := 1\n```", forbid: []string{"<script"}, keep: "cb-code-00000000000000000000000000000000-0"},
		{name: "vbscript", markdown: `<a href="vbscript:msgbox(1)">x</a>`, forbid: []string{"vbscript:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			site := mustBuild(t, fstest.MapFS{
				"mkdocs.yml":    {Data: []byte("site_name: XSS\n")},
				"docs/index.md": {Data: []byte(tc.markdown + "\n")},
			})
			html := string(site.Pages[0].HTML)
			for _, f := range tc.forbid {
				if strings.Contains(strings.ToLower(html), strings.ToLower(f)) {
					t.Errorf("output contains %q:\n%s", f, html)
				}
			}
			if tc.keep != "" && !strings.Contains(html, tc.keep) {
				t.Errorf("output lacks %q:\n%s", tc.keep, html)
			}
		})
	}
}

func TestSnippetTraversal(t *testing.T) {
	root := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	symlink := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
	}
	write("secret.txt", "TOP-SECRET-OUTSIDE")
	write("project/mkdocs.yml", "site_name: Traversal\n")
	write("project/README.md", "PROJECT-README-OUTSIDE-DOCS")
	write("project/docs/inside/ok.md", "INSIDE-OK")
	write("project/docs/index.md", strings.Join([]string{
		"# Traversal",
		`--8<-- "../secret.txt"`,
		`--8<-- "../../secret.txt"`,
		`--8<-- "` + filepath.ToSlash(filepath.Join(root, "secret.txt")) + `"`,
		`--8<-- "README.md"`,
		`--8<-- "link-out.md"`,
		`--8<-- "dirlink/secret.txt"`,
		`--8<-- "inside/../../secret.txt"`,
		`--8<-- "https://evil.example/x.md"`,
		`--8<-- "inside/ok.md"`,
		`--8<-- "docs/inside/ok.md"`,
		`--8<-- "link-in.md"`,
		"",
	}, "\n"))
	symlink(filepath.Join(root, "secret.txt"), "project/docs/link-out.md")
	symlink("../..", "project/docs/dirlink")
	symlink("inside/ok.md", "project/docs/link-in.md")
	write("project/docs/page.md", "[escape](../../secret.txt) ![img](../README.md)\n")

	site, err := techdocs.Build(os.DirFS(filepath.Join(root, "project")), techdocs.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, p := range site.Pages {
		all.WriteString(string(p.HTML))
		all.WriteString(p.Text)
	}
	for _, secret := range []string{"TOP-SECRET-OUTSIDE", "PROJECT-README-OUTSIDE-DOCS"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("a file outside docs_dir was included: %s", secret)
		}
	}
	if n := strings.Count(all.String(), "INSIDE-OK"); n < 3*2 { // three includes, in HTML and Text
		t.Errorf("snippets inside docs_dir included %d times, want 6", n)
	}
	warned := map[int]bool{}
	for _, w := range site.Warnings {
		if w.File == "docs/index.md" {
			warned[w.Line] = true
		}
	}
	for line := 2; line <= 9; line++ {
		if !warned[line] {
			t.Errorf("no warning for the refused snippet on docs/index.md:%d; warnings: %v", line, site.Warnings)
		}
	}
	// The outward symlink is not published as a page or asset either.
	for _, p := range site.Pages {
		if p.Path == "link-out.md" {
			t.Errorf("symlink to a file outside docs_dir became a page")
		}
	}
	out := t.TempDir()
	if err := techdocs.Write(site, nil, out); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), "TOP-SECRET-OUTSIDE") {
				t.Errorf("%s holds a secret from outside docs_dir", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAttackJavascriptDocsLinks: mkdocs.yml addresses with javascript: or
// data: (repo_url, edit_uri, nav links) are dropped with a warning, never
// written as (dead #ZgotmplZ) links into the built site.
func TestAttackJavascriptDocsLinks(t *testing.T) {
	tests := []struct{ name, config, warning string }{
		{"repo_url", "repo_url: javascript:alert(1)//github.com/o/r\n", "repo_url"},
		{"edit_uri", "repo_url: https://github.com/o/r\nedit_uri: \"data:text/html,<script>alert(1)</script>\"\n", "edit_uri"},
		{"nav link", "nav:\n  - Home: index.md\n  - Run: \"javascript:alert(1)\"\n  - VB: \"vbscript:msgbox(1)\"\n", "nav links to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			site := mustBuild(t, fstest.MapFS{
				"mkdocs.yml":    {Data: []byte("site_name: Links\n" + tc.config)},
				"docs/index.md": {Data: []byte("# Home\n")},
			})
			out := t.TempDir()
			if err := techdocs.Write(site, nil, out); err != nil {
				t.Fatal(err)
			}
			page, err := os.ReadFile(filepath.Join(out, "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"ZgotmplZ", "javascript:", "data:text/html", "vbscript:"} {
				if strings.Contains(string(page), bad) {
					t.Errorf("the built page contains %q", bad)
				}
			}
			warned := false
			for _, w := range site.Warnings {
				warned = warned || strings.Contains(w.Message, tc.warning)
			}
			if !warned {
				t.Errorf("no warning mentioning %q in %+v", tc.warning, site.Warnings)
			}
		})
	}
}
