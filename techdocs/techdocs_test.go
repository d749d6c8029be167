package techdocs_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"callboard/techdocs"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

var buildTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// mustBuild builds the site in fsys and fails the test on error.
func mustBuild(t *testing.T, fsys fstest.MapFS) *techdocs.Site {
	t.Helper()
	site, err := techdocs.Build(fsys, techdocs.BuildOptions{Now: buildTime, Etag: "test"})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return site
}

// checkGolden compares got with testdata/golden/name, rewriting it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "golden", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read golden (run go test ./techdocs -update): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// siteSummary is what the golden file records besides the pages' HTML.
type siteSummary struct {
	Name, Description string
	Nav               []techdocs.NavItem
	Pages             []pageSummary
	Assets            []string
	Warnings          []string
}

type pageSummary struct {
	Path, URL, Title, EditURL string
	TOC                       []techdocs.TOCEntry
}

func summarize(site *techdocs.Site) []byte {
	s := siteSummary{Name: site.Name, Description: site.Description, Nav: site.Nav, Assets: site.Assets}
	for _, p := range site.Pages {
		s.Pages = append(s.Pages, pageSummary{Path: p.Path, URL: p.URL, Title: p.Title, EditURL: p.EditURL, TOC: p.TOC})
	}
	for _, w := range site.Warnings {
		s.Warnings = append(s.Warnings, w.String())
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	return append(b, '\n')
}

func TestBuildGolden(t *testing.T) {
	trees := map[string]string{
		"fulltree": filepath.Join("testdata", "fulltree"),
		"derived":  filepath.Join("testdata", "derived"),
		"parity":   filepath.Join("testdata", "parity"),
	}
	for name, dir := range trees {
		t.Run(name, func(t *testing.T) {
			site, err := techdocs.Build(os.DirFS(dir), techdocs.BuildOptions{Now: buildTime, Etag: "golden"})
			if err != nil {
				t.Fatalf("Build(%s): %v", dir, err)
			}
			checkGolden(t, name+"/site.json", summarize(site))
			for _, p := range site.Pages {
				checkGolden(t, name+"/"+p.Path+".html", []byte(string(p.HTML)))
			}
			// Building again gives the same bytes: output is deterministic.
			again, err := techdocs.Build(os.DirFS(dir), techdocs.BuildOptions{Now: buildTime, Etag: "golden", Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(summarize(site), summarize(again)); diff != "" {
				t.Errorf("second build differs:\n%s", diff)
			}
			for i := range site.Pages {
				if site.Pages[i].HTML != again.Pages[i].HTML {
					t.Errorf("page %s renders differently on a second build", site.Pages[i].Path)
				}
			}
		})
	}
}

func TestFullTreeCoversEveryExtension(t *testing.T) {
	site, err := techdocs.Build(os.DirFS(filepath.Join("testdata", "fulltree")), techdocs.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, p := range site.Pages {
		all.WriteString(string(p.HTML))
	}
	html := all.String()
	for _, want := range []string{
		`<table>`, `<th align="center">`, // tables
		`<div class="highlight language-go"><span class="filename">main.go</span><div class="chroma">`, // fenced code, title, linenums by default
		`<span class="line hl">`, `class="lntable"`, // hl_lines, linenums
		`<pre class="mermaid">graph LR`,                                                    // superfences mermaid
		`<div class="admonition note">`, `<p class="admonition-title">Read this first</p>`, // admonition
		`<details class="info">`, `<details class="danger" open="">`, `<summary>Open details</summary>`, // details
		`<div class="tabbed-set tabbed-alternate" data-tabs="1:3">`, `<label for="__tabbed_1_2">Python</label>`, // tabs
		`<input checked="checked" id="__tabbed_1_3"`,                                                   // ===+
		`<h2 id="tables">Tables<a class="headerlink" href="#tables" title="Permanent link">¶</a></h2>`, // toc permalinks
		`<h2 id="extensions_1">`,              // unique ids
		`<sup id="fnref:1"><a href="#fn:1"`,   // footnotes
		`<dt>Term</dt>`, `<dd>The definition`, // def lists
		`<li class="task-list-item"><input checked="" disabled="" type="checkbox">`,                                      // task lists
		`<abbr title="Hyper Text Markup Language">HTML</abbr>`,                                                           // abbreviations
		`<h2 id="code-blocks" class="special">`, `<p title="A paragraph title" class="lead">`, `width="64" class="logo"`, // attr lists
		`🚀`, `:not_an_emoji:`, // emoji
		`This paragraph comes from a snippet`, `<span class="c1">// Hello says hello.</span>`, // snippets
		`<a href="guide/setup/">setup guide</a>`, `<a href="../../extensions/#tabs">`, `<a href="../../img/logo.png">`, // links
		`<del>Struck</del>`, `<a href="https://example.com">`, `<kbd>Ctrl</kbd>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered full tree lacks %s", want)
		}
	}
}

func TestDeriveNav(t *testing.T) {
	fsys := fstest.MapFS{
		"mkdocs.yml":                {Data: []byte("site_name: Derived\n")},
		"docs/zebra.md":             {Data: []byte("# Zebra stripes\n")},
		"docs/README.md":            {Data: []byte("# Welcome\n")},
		"docs/about-us.md":          {Data: []byte("No heading here.\n")},
		"docs/how_to/index.md":      {Data: []byte("# How-to guides\n")},
		"docs/how_to/deploy.md":     {Data: []byte("# Deploying\n")},
		"docs/how_to/adv/tuning.md": {Data: []byte("---\ntitle: Tuning knobs\n---\n# Ignored H1\n")},
		"docs/API/ref.md":           {Data: []byte("text\n")},
		"docs/.hidden/secret.md":    {Data: []byte("# Secret\n")},
	}
	site := mustBuild(t, fsys)
	want := []techdocs.NavItem{
		{Title: "Welcome", Path: "README.md", URL: ""},
		{Title: "About us", Path: "about-us.md", URL: "about-us/"},
		{Title: "Zebra stripes", Path: "zebra.md", URL: "zebra/"},
		{Title: "API", Children: []techdocs.NavItem{{Title: "Ref", Path: "API/ref.md", URL: "API/ref/"}}},
		{Title: "How to", Children: []techdocs.NavItem{
			{Title: "How-to guides", Path: "how_to/index.md", URL: "how_to/"},
			{Title: "Deploying", Path: "how_to/deploy.md", URL: "how_to/deploy/"},
			{Title: "Adv", Children: []techdocs.NavItem{{Title: "Tuning knobs", Path: "how_to/adv/tuning.md", URL: "how_to/adv/tuning/"}}},
		}},
	}
	if diff := cmp.Diff(want, site.Nav); diff != "" {
		t.Errorf("Nav mismatch (-want +got):\n%s", diff)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		wantErr  bool
		warnings []string
		check    func(t *testing.T, s *techdocs.Site)
	}{
		{
			name:   "techdocs-core and search are accepted",
			config: "site_name: X\nplugins:\n  - techdocs-core\n  - search:\n      lang: en\n",
		},
		{
			name:     "unknown plugin and extension warn",
			config:   "site_name: X\nplugins:\n  - techdocs-core\n  - awesome-pages\nmarkdown_extensions:\n  - toc:\n      permalink: \"#\"\n  - pymdownx.nonexistent\n",
			warnings: []string{`mkdocs.yml:4: plugin "awesome-pages" is not supported; ignored`, `mkdocs.yml:8: markdown extension "pymdownx.nonexistent" is not supported; ignored`},
			check: func(t *testing.T, s *techdocs.Site) {
				if !strings.Contains(string(s.Pages[0].HTML), `title="Permanent link">#</a>`) {
					t.Errorf("permalink symbol not used: %s", s.Pages[0].HTML)
				}
			},
		},
		{
			name:   "python tags do not fail the build",
			config: "site_name: X\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n",
		},
		{
			name:   "toc permalink false",
			config: "site_name: X\nmarkdown_extensions:\n  - toc:\n      permalink: false\n",
			check: func(t *testing.T, s *techdocs.Site) {
				if strings.Contains(string(s.Pages[0].HTML), "headerlink") {
					t.Errorf("permalink rendered although disabled")
				}
			},
		},
		{
			name:   "edit links from repo_url",
			config: "site_name: X\nrepo_url: https://github.com/acme/repo/\n",
			check: func(t *testing.T, s *techdocs.Site) {
				if got, want := s.Pages[0].EditURL, "https://github.com/acme/repo/edit/master/docs/index.md"; got != want {
					t.Errorf("EditURL = %s, want %s", got, want)
				}
			},
		},
		{
			name:   "absolute edit_uri",
			config: "site_name: X\nedit_uri: https://git.example.com/edit/docs/\n",
			check: func(t *testing.T, s *techdocs.Site) {
				if got, want := s.Pages[0].EditURL, "https://git.example.com/edit/docs/index.md"; got != want {
					t.Errorf("EditURL = %s, want %s", got, want)
				}
			},
		},
		{
			name:     "nav with sections and external links",
			config:   "site_name: X\nnav:\n  - Start: index.md\n  - More:\n      - Site: https://example.com\n      - gone.md\n",
			warnings: []string{`mkdocs.yml:6: nav references "gone.md", which is not found in the docs directory`},
			check: func(t *testing.T, s *techdocs.Site) {
				want := []techdocs.NavItem{
					{Title: "Start", Path: "index.md"},
					{Title: "More", Children: []techdocs.NavItem{{Title: "Site", Path: "https://example.com", URL: "https://example.com", External: true}}},
				}
				if diff := cmp.Diff(want, s.Nav); diff != "" {
					t.Errorf("Nav (-want +got):\n%s", diff)
				}
			},
		},
		{name: "docs_dir outside", config: "site_name: X\ndocs_dir: ../elsewhere\n", wantErr: true},
		{name: "not yaml", config: "site_name: [\n", wantErr: true},
		{name: "unknown key warns", config: "site_name: X\nsite_colour: red\n", warnings: []string{`mkdocs.yml:2: unrecognised configuration name "site_colour"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"mkdocs.yml": {Data: []byte(tc.config)}, "docs/index.md": {Data: []byte("# Home\n\n## Part\n")}}
			site, err := techdocs.Build(fsys, techdocs.BuildOptions{})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Build succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			var got []string
			for _, w := range site.Warnings {
				got = append(got, w.String())
			}
			if diff := cmp.Diff(tc.warnings, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if tc.check != nil {
				tc.check(t, site)
			}
		})
	}
}

func TestMissingConfig(t *testing.T) {
	_, err := techdocs.Build(fstest.MapFS{"docs/index.md": {Data: []byte("# x")}}, techdocs.BuildOptions{})
	if err == nil {
		t.Fatal("Build without mkdocs.yml succeeded")
	}
	site, err := techdocs.Build(fstest.MapFS{"mkdocs.yaml": {Data: []byte("site_name: Y")}, "docs/index.md": {Data: []byte("# x")}}, techdocs.BuildOptions{})
	if err != nil || site.Name != "Y" {
		t.Fatalf("mkdocs.yaml not read: %v", err)
	}
}

func TestWarningLines(t *testing.T) {
	fsys := fstest.MapFS{
		"mkdocs.yml":    {Data: []byte("site_name: W\n")},
		"docs/index.md": {Data: []byte("---\ntitle: Front\n---\n# Home\n\nok [fine](other.md)\n\n--8<-- \"part.md\"\n\n[bad](missing.md)\n![img](nope.png)\n")},
		"docs/other.md": {Data: []byte("# Other\n\n[up](../index.md) [anchor](index.md#home)\n")},
		"docs/part.md":  {Data: []byte("line one\n\n[broken in snippet](nowhere.md)\n")},
	}
	site := mustBuild(t, fsys)
	var got []string
	for _, w := range site.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		`docs/index.md:10: link "missing.md": page missing.md not found in the docs directory`,
		`docs/index.md:11: image "nope.png": nope.png not found in the docs directory`,
		`docs/other.md:3: link "../index.md" points outside the docs directory`,
		`docs/part.md:3: link "nowhere.md": page nowhere.md not found in the docs directory`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if p, _ := site.Page("index.md"); p.Title != "Front" {
		t.Errorf("Title = %q, want the front matter title", p.Title)
	}
}

func TestWrite(t *testing.T) {
	site, err := techdocs.Build(os.DirFS(filepath.Join("testdata", "fulltree")), techdocs.BuildOptions{Now: buildTime, Etag: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := techdocs.Write(site, nil, out); err != nil {
		t.Fatalf("Write: %v", err)
	}
	var meta techdocs.Metadata
	mustReadJSON(t, filepath.Join(out, "techdocs_metadata.json"), &meta)
	if meta.SiteName != "Full Tree" || meta.Etag != "abc123" || meta.BuildTimestamp != buildTime.UnixMilli() {
		t.Errorf("metadata = %+v", meta)
	}
	for _, f := range meta.Files {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("metadata lists %s, which was not written: %v", f, err)
		}
	}
	for _, f := range []string{"index.html", "guide/setup/index.html", "img/logo.png", "search/search_index.json", "assets/stylesheets/callboard.css"} {
		if !contains(meta.Files, f) {
			t.Errorf("metadata files lack %s", f)
		}
	}
	var idx techdocs.SearchIndex
	mustReadJSON(t, filepath.Join(out, "search", "search_index.json"), &idx)
	if idx.Config.Lang[0] != "en" || len(idx.Docs) == 0 || idx.Docs[0].Location != "" || idx.Docs[0].Title != "Home" {
		t.Errorf("search index starts %+v", idx.Docs[:1])
	}
	found := false
	for _, d := range idx.Docs {
		if d.Location == "guide/reference/api/#endpoints" && d.Title == "Endpoints" {
			found = true
		}
	}
	if !found {
		t.Errorf("search index lacks the Endpoints section")
	}
	page, err := os.ReadFile(filepath.Join(out, "guide", "setup", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	content, ok := techdocs.ExtractContent(page)
	p, _ := site.Page("guide/setup.md")
	if !ok || strings.TrimSpace(string(content)) != strings.TrimSpace(string(p.HTML)) {
		t.Errorf("ExtractContent did not return the page fragment")
	}
	if !strings.Contains(string(page), `href="../../assets/stylesheets/callboard.css"`) || !strings.Contains(string(page), `href="../../extensions/"`) {
		t.Errorf("standalone page links are not relative to the page:\n%s", page)
	}
}

func mustReadJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
