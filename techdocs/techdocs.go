// Package techdocs builds MkDocs documentation sites natively: it reads
// mkdocs.yml and the docs_dir tree, renders every Markdown page with
// goldmark and the extensions that Backstage's techdocs-core enables
// (admonitions, details, tabs, superfences with mermaid, TOC permalinks,
// footnotes, definition lists, task lists, abbreviations, attribute lists,
// emoji, snippets), sanitizes the HTML, and writes the site in the shape
// Backstage's techdocs-cli produces (pages, assets, search index and
// techdocs_metadata.json). No Python or MkDocs is involved.
//
// Build is pure: it reads only from the fs.FS it is given, never outside
// docs_dir for page content, and reports problems in the sources as
// Warnings with file and line instead of failing. Write puts a built site
// on disk.
package techdocs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"callboard"
)

// Site is a built documentation site.
type Site struct {
	Name        string // site_name
	Description string // site_description
	RepoURL     string // repo_url
	EditURI     string // edit_uri as configured (empty: derived from repo_url)
	// DocsDir is docs_dir relative to the source root ("docs" by default).
	DocsDir string
	// Nav is the navigation: from mkdocs.yml's nav, or derived from the tree.
	Nav []NavItem
	// Pages holds every Markdown page of docs_dir in tree order: index.md or
	// README.md first in each folder, then files alphabetically, then folders.
	Pages []Page
	// Assets are the other files of docs_dir (images, downloads), relative to
	// docs_dir, sorted. Write copies them unchanged.
	Assets []string
	// Warnings are problems found in the sources, sorted by file and line.
	Warnings []Warning
	// Etag identifies the sources: BuildOptions.Etag, or a hash of every
	// file read.
	Etag string
	// BuildTime is when Build ran (BuildOptions.Now when set).
	BuildTime time.Time

	docs fs.FS // docs_dir, for Write to copy assets from
}

// NavItem is one entry of the navigation tree: a page, an external link or
// a section (Children set, Path empty).
type NavItem struct {
	Title string `json:"title"`
	// Path is the page's source path relative to docs_dir ("guide/setup.md"),
	// or the absolute URL of an external link; empty for sections.
	Path string `json:"path,omitempty"`
	// URL is the page's link relative to the site root ("guide/setup/",
	// "" for the home page), or the external URL.
	URL      string    `json:"url,omitempty"`
	External bool      `json:"external,omitempty"`
	Children []NavItem `json:"children,omitempty"`
}

// Page is one rendered Markdown page.
type Page struct {
	// Path is the source path relative to docs_dir ("guide/setup.md").
	Path string
	// URL is the output file relative to the site root, as MkDocs lays it out
	// with use_directory_urls: "index.html", "guide/setup/index.html".
	URL string
	// Title comes from the nav, else front matter "title", else the first H1,
	// else the file name.
	Title string
	// HTML is the sanitized page body. It keeps iframes with an http(s)
	// source, which the portal's Sanitizer keeps or drops by its allowed
	// hosts; the rest is safe to embed as is.
	HTML template.HTML
	// TOC lists the page's headings, nested by level.
	TOC []TOCEntry
	// EditURL links to the source file in its repository; empty without
	// repo_url.
	EditURL string
	// Text is the page's plain text, for search.
	Text string
	// Sections are the text between headings, for the search index.
	Sections []Section
}

// TOCEntry is a heading in a page's table of contents.
type TOCEntry struct {
	Title    string     `json:"title"`
	ID       string     `json:"id"`
	Level    int        `json:"level"`
	Children []TOCEntry `json:"children,omitempty"`
}

// Section is the text under one heading of a page.
type Section struct {
	ID, Title, Text string
}

// Warning is a problem in the sources that did not stop the build: a broken
// link, a missing snippet, an unknown plugin.
type Warning struct {
	File    string `json:"file"` // relative to the source root ("docs/index.md", "mkdocs.yml")
	Line    int    `json:"line"` // 1-based; 0 when unknown
	Message string `json:"message"`
}

// String formats w as "file:line: message".
func (w Warning) String() string {
	if w.Line > 0 {
		return w.File + ":" + itoa(w.Line) + ": " + w.Message
	}
	return w.File + ": " + w.Message
}

// BuildOptions tune Build. The zero value builds the site at the root of
// the given fs.FS.
type BuildOptions struct {
	// ConfigFile names the MkDocs config; empty tries mkdocs.yml, then
	// mkdocs.yaml.
	ConfigFile string
	// Etag is recorded in techdocs_metadata.json (a commit SHA in CI);
	// empty uses a hash of the sources.
	Etag string
	// Now is the build time; zero uses time.Now.
	Now time.Time
	// Workers bounds parallel page rendering; 0 uses GOMAXPROCS.
	Workers int
}

// Build reads the MkDocs config at the root of fsys and its docs_dir,
// renders every Markdown page, and returns the site. A missing or unreadable
// config, or a docs_dir outside the source root, is Invalid; problems inside
// the docs are Warnings on the site.
func Build(fsys fs.FS, opts BuildOptions) (*Site, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	cfg, cfgName, cfgData, err := readConfig(fsys, opts.ConfigFile)
	if err != nil {
		return nil, err
	}
	hash := sha256.New()
	hash.Write(cfgData)

	docsDir := path.Clean(cfg.DocsDir)
	if docsDir == "" || path.IsAbs(cfg.DocsDir) || docsDir == ".." || strings.HasPrefix(docsDir, "../") {
		return nil, callboard.Errorf(callboard.Invalid, "%s: docs_dir %q must be a folder inside the source directory", cfgName, cfg.DocsDir)
	}
	docs, err := fs.Sub(fsys, docsDir)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "%s: docs_dir %q", cfgName, cfg.DocsDir)
	}
	if fi, err := fs.Stat(docs, "."); err != nil || !fi.IsDir() {
		return nil, callboard.Errorf(callboard.Invalid, "%s: docs_dir %q is not a folder", cfgName, cfg.DocsDir)
	}

	b := &builder{
		cfg:     cfg,
		cfgName: cfgName,
		docs:    docs,
		docsDir: docsDir,
		pages:   map[string]int{},
		assets:  map[string]bool{},
	}
	b.warnings = append(b.warnings, cfg.warnings...)
	if cfg.Nav != nil {
		// The monorepo plugin's sub-sites join docs_dir at their site_name.
		var mounts []mountPoint
		cfg.Nav = b.includeSubsites(fsys, cfgName, cfg.Nav, &mounts, 0)
		if len(mounts) > 0 {
			b.mounts = &mountFS{root: docs, mounts: mounts}
			b.docs = b.mounts
		}
	}
	files, err := b.scan()
	if err != nil {
		return nil, err
	}

	for _, a := range files.assets {
		b.assets[a] = true
	}
	site := &Site{
		Name:        cfg.SiteName,
		Description: cfg.SiteDescription,
		RepoURL:     cfg.RepoURL,
		EditURI:     cfg.EditURI,
		DocsDir:     docsDir,
		Assets:      files.assets,
		BuildTime:   now,
		docs:        b.docs,
	}
	site.Pages = make([]Page, len(files.pages))
	for i, p := range files.pages {
		b.pages[p] = i
		site.Pages[i] = Page{Path: p, URL: b.pageURL(p)}
	}

	// Render pages in parallel; each worker keeps its own warnings, merged
	// and sorted afterwards so the result does not depend on scheduling.
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	r := newRenderer(b)
	sources := make([][]byte, len(site.Pages))
	warns := make([][]Warning, len(site.Pages))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sources[i], warns[i] = r.renderPage(&site.Pages[i])
			}
		}()
	}
	for i := range site.Pages {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range site.Pages {
		hash.Write([]byte(site.Pages[i].Path))
		hash.Write(sources[i])
		b.warnings = append(b.warnings, warns[i]...)
		site.Pages[i].EditURL = b.editURL(site.Pages[i].Path)
	}
	for _, a := range site.Assets {
		hash.Write([]byte(a))
	}

	site.Nav = b.nav(site)
	for i := range site.Pages {
		addTitleHeading(&site.Pages[i])
	}
	site.Etag = opts.Etag
	if site.Etag == "" {
		site.Etag = hex.EncodeToString(hash.Sum(nil))[:20]
	}
	site.Warnings = sortWarnings(b.warnings)
	return site, nil
}

// addTitleHeading gives a page without an h1 its title (the nav's, when
// the nav names it) as h1, as mkdocs-material's content template does for
// techdocs-core's sites.
func addTitleHeading(p *Page) {
	if p.Title == "" || strings.Contains(string(p.HTML), "<h1") {
		return
	}
	p.HTML = template.HTML("<h1>"+template.HTMLEscapeString(p.Title)+"</h1>\n") + p.HTML
}

// Page returns the page whose source path (relative to docs_dir) is p.
func (s *Site) Page(p string) (*Page, bool) {
	for i := range s.Pages {
		if s.Pages[i].Path == p {
			return &s.Pages[i], true
		}
	}
	return nil, false
}

// PageByURL returns the page served at u, relative to the site root:
// "guide/setup/", "guide/setup/index.html" and "" (the home page) all work.
func (s *Site) PageByURL(u string) (*Page, bool) {
	u = strings.TrimPrefix(u, "/")
	if u == "" || strings.HasSuffix(u, "/") {
		u += "index.html"
	}
	for i := range s.Pages {
		if s.Pages[i].URL == u {
			return &s.Pages[i], true
		}
	}
	return nil, false
}

// builder holds what every page's rendering needs to know about the site.
type builder struct {
	cfg      *config
	cfgName  string
	docs     fs.FS
	docsDir  string
	mounts   *mountFS        // docs with the monorepo sub-sites, or nil
	pages    map[string]int  // source path -> index in Site.Pages
	assets   map[string]bool // asset paths relative to docs_dir
	warnings []Warning

	codeMu sync.Mutex
	codes  map[string][]byte // highlighted blocks by codeKey, shared by pages
}

// highlight returns the highlighted HTML of a fenced block. Identical
// blocks (same code and fence options), common where pages repeat a
// snippet, are highlighted once per build; the result is read-only.
func (b *builder) highlight(code string, fi fenceInfo) []byte {
	key := codeKey(code, fi)
	b.codeMu.Lock()
	out, ok := b.codes[key]
	b.codeMu.Unlock()
	if ok {
		return out
	}
	var buf bytes.Buffer
	highlightCode(&buf, code, fi, b.cfg.LineNumbers)
	out = buf.Bytes()
	b.codeMu.Lock()
	if b.codes == nil {
		b.codes = map[string][]byte{}
	}
	b.codes[key] = out
	b.codeMu.Unlock()
	return out
}

// codeKey identifies a fenced block by everything highlightCode reads.
func codeKey(code string, fi fenceInfo) string {
	var k strings.Builder
	k.Grow(len(code) + len(fi.lang) + len(fi.title) + 16)
	k.WriteString(strconv.Itoa(len(fi.lang)))
	k.WriteByte(':')
	k.WriteString(fi.lang)
	k.WriteString(strconv.Itoa(len(fi.title)))
	k.WriteByte(':')
	k.WriteString(fi.title)
	k.WriteString(strconv.Itoa(fi.linenums))
	for _, r := range fi.hlLines {
		k.WriteByte(',')
		k.WriteString(strconv.Itoa(r[0]))
		k.WriteByte('-')
		k.WriteString(strconv.Itoa(r[1]))
	}
	k.WriteByte(';')
	k.WriteString(code)
	return k.String()
}

// warn records a warning on the config file.
func (b *builder) warn(line int, format string, args ...any) {
	b.warnings = append(b.warnings, Warning{File: b.cfgName, Line: line, Message: sprintf(format, args...)})
}

// srcName is the path of a docs file relative to the source root, as
// warnings show it.
func (b *builder) srcName(p string) string {
	if b.mounts != nil {
		name, _ := b.mounts.srcName(b.docsDir, p)
		return name
	}
	if b.docsDir == "." {
		return p
	}
	return b.docsDir + "/" + p
}

// pageURL is the output file of page p: MkDocs' use_directory_urls layout.
func (b *builder) pageURL(p string) string {
	stem := strings.TrimSuffix(p, path.Ext(p))
	base := path.Base(stem)
	dir := path.Dir(stem)
	if base == "index" || strings.EqualFold(base, "README") {
		if dir == "." {
			return "index.html"
		}
		return dir + "/index.html"
	}
	if !b.cfg.UseDirectoryURLs {
		return stem + ".html"
	}
	return stem + "/index.html"
}

// linkURL is how other pages link to page p: "guide/setup/" for directory
// URLs, "" for the home page.
func linkURL(pageURL string) string {
	if pageURL == "index.html" {
		return ""
	}
	if strings.HasSuffix(pageURL, "/index.html") {
		return strings.TrimSuffix(pageURL, "index.html")
	}
	return pageURL
}

// editURL follows MkDocs: edit_uri joined to repo_url, or a default for
// GitHub and GitLab repositories.
func (b *builder) editURL(p string) string {
	repo := strings.TrimSuffix(b.cfg.RepoURL, "/")
	uri := b.cfg.EditURI
	if repo == "" && !strings.Contains(uri, "://") {
		return ""
	}
	if uri == "" {
		if !b.cfg.editURISet && (strings.Contains(repo, "github.com") || strings.Contains(repo, "gitlab.com")) {
			uri = "edit/master/" + b.docsDir + "/"
		} else {
			return ""
		}
	}
	if b.mounts != nil {
		// A sub-site's page is edited in its own docs folder.
		if name, dir := b.mounts.srcName(b.docsDir, p); dir != b.docsDir {
			if base, ok := strings.CutSuffix(strings.TrimSuffix(uri, "/"), "/"+b.docsDir); ok {
				return editJoin(repo, base) + "/" + name
			}
		}
	}
	if strings.Contains(uri, "://") {
		return strings.TrimSuffix(uri, "/") + "/" + p
	}
	if strings.HasPrefix(uri, "?") || strings.HasPrefix(uri, "#") {
		return repo + "/" + uri + p
	}
	return repo + "/" + strings.Trim(uri, "/") + "/" + p
}

// editJoin joins an edit_uri without its docs folder to repo_url.
func editJoin(repo, base string) string {
	if strings.Contains(base, "://") {
		return base
	}
	return repo + "/" + strings.Trim(base, "/")
}

func sortWarnings(ws []Warning) []Warning {
	sort.SliceStable(ws, func(i, j int) bool {
		if ws[i].File != ws[j].File {
			return ws[i].File < ws[j].File
		}
		return ws[i].Line < ws[j].Line
	})
	// Drop exact duplicates (a snippet included twice reports once per use,
	// which is right; the same line reported twice is not).
	out := ws[:0]
	for i, w := range ws {
		if i > 0 && w == ws[i-1] {
			continue
		}
		out = append(out, w)
	}
	return out
}
