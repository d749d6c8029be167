package techdocs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Metadata is techdocs_metadata.json as Backstage's techdocs-cli writes it.
type Metadata struct {
	SiteName        string   `json:"site_name"`
	SiteDescription string   `json:"site_description"`
	Etag            string   `json:"etag"`
	BuildTimestamp  int64    `json:"build_timestamp"` // milliseconds since the epoch
	Files           []string `json:"files"`
}

// SearchIndex is search/search_index.json in MkDocs' lunr shape, which
// Backstage's search collator reads.
type SearchIndex struct {
	Config SearchConfig `json:"config"`
	Docs   []SearchDoc  `json:"docs"`
}

// SearchConfig is the search plugin's config as MkDocs records it.
type SearchConfig struct {
	Indexing        string   `json:"indexing"`
	Lang            []string `json:"lang"`
	MinSearchLength int      `json:"min_search_length"`
	PrebuildIndex   bool     `json:"prebuild_index"`
	Separator       string   `json:"separator"`
}

// SearchDoc is one page or section in the search index.
type SearchDoc struct {
	Location string `json:"location"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

// Paths of the files Write adds besides pages and assets.
const (
	MetadataFile    = "techdocs_metadata.json"
	SearchIndexFile = "search/search_index.json"
	StyleSheetFile  = "assets/stylesheets/callboard.css"
)

// SearchIndex builds the site's search index: one entry per page with its
// whole text, then one per heading with the text under it.
func (s *Site) SearchIndex() SearchIndex {
	idx := SearchIndex{
		Config: SearchConfig{Indexing: "full", Lang: []string{"en"}, MinSearchLength: 3, Separator: `[\s\-]+`},
		Docs:   []SearchDoc{},
	}
	for _, p := range s.Pages {
		loc := linkURL(p.URL)
		idx.Docs = append(idx.Docs, SearchDoc{Location: loc, Title: p.Title, Text: p.Text})
		for _, sec := range p.Sections {
			idx.Docs = append(idx.Docs, SearchDoc{Location: loc + "#" + sec.ID, Title: sec.Title, Text: sec.Text})
		}
	}
	return idx
}

// Write lays the site out in outDir as Backstage's techdocs-cli does: one
// index.html per page (a standalone page whose <article class="md-content__inner
// md-typeset"> holds the sanitized fragment, see ExtractContent), the
// assets copied from docs_dir, the stylesheet, search/search_index.json
// and techdocs_metadata.json (written last). assets is the docs_dir to copy
// from; nil uses the tree the site was built from. Existing files in outDir
// are overwritten, others are left alone.
func Write(site *Site, assets fs.FS, outDir string) error {
	if assets == nil {
		assets = site.docs
	}
	var files []string
	write := func(name string, data []byte) error {
		dst := filepath.Join(outDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	}
	put := func(name string, data []byte) error {
		if err := write(name, data); err != nil {
			return err
		}
		files = append(files, name)
		return nil
	}
	// The search index is encoded while the pages are written.
	var idx []byte
	var idxErr error
	idxDone := make(chan struct{})
	go func() {
		defer close(idxDone)
		idx, idxErr = json.Marshal(site.SearchIndex())
	}()
	// Pages (each renders the whole nav) are rendered and written in
	// parallel; the first failing page in site order is reported.
	errs := make([]error, len(site.Pages))
	navs := &navCache{}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), max(len(site.Pages), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for i := range next {
				p := &site.Pages[i]
				buf.Reset()
				if err := renderStandalone(&buf, site, p, LayoutOptions{}, navs); err != nil {
					errs[i] = fmt.Errorf("render %s: %w", p.Path, err)
					continue
				}
				errs[i] = write(p.URL, buf.Bytes())
			}
		}()
	}
	for i := range site.Pages {
		next <- i
	}
	close(next)
	wg.Wait()
	<-idxDone
	for i := range site.Pages {
		if errs[i] != nil {
			return errs[i]
		}
		files = append(files, site.Pages[i].URL)
	}
	for _, a := range site.Assets {
		real, err := safePath(assets, a)
		if err != nil {
			continue // Build already warned
		}
		data, err := fs.ReadFile(assets, real)
		if err != nil {
			return fmt.Errorf("copy %s: %w", a, err)
		}
		if err := put(a, data); err != nil {
			return err
		}
	}
	if err := put(StyleSheetFile, StyleSheet()); err != nil {
		return err
	}
	if idxErr != nil {
		return idxErr
	}
	if err := put(SearchIndexFile, idx); err != nil {
		return err
	}
	files = append(files, MetadataFile)
	sort.Strings(files)
	meta, err := json.MarshalIndent(Metadata{
		SiteName:        site.Name,
		SiteDescription: site.Description,
		Etag:            site.Etag,
		BuildTimestamp:  site.BuildTime.UnixMilli(),
		Files:           files,
	}, "", "  ")
	if err != nil {
		return err
	}
	return put(MetadataFile, meta)
}

// ExtractContent returns the page fragment inside a built page's
// <article class="md-content__inner md-typeset">, the element both
// callboard and mkdocs-material write, so the portal can embed pages built
// by either. ok is false when the page has no such article.
func ExtractContent(page []byte) (content []byte, ok bool) {
	start := bytes.Index(page, []byte(`<article class="md-content__inner md-typeset"`))
	if start < 0 {
		return nil, false
	}
	gt := bytes.IndexByte(page[start:], '>')
	end := bytes.LastIndex(page, []byte("</article>"))
	if gt < 0 || end < start+gt {
		return nil, false
	}
	return page[start+gt+1 : end], true
}

// LayoutOptions tune RenderStandalone.
type LayoutOptions struct {
	// Head is added to <head>: `callboard docs serve` puts its live-reload
	// script there.
	Head template.HTML
}

// RenderStandalone writes p as a complete HTML page with the site's nav, the
// page's TOC and an edit link, with every URL relative to the page. It is
// what Write stores and what `callboard docs serve` shows.
func RenderStandalone(w io.Writer, site *Site, p *Page, opts LayoutOptions) error {
	return renderStandalone(w, site, p, opts, nil)
}

// renderStandalone is RenderStandalone; navs, when not nil, caches each
// directory's nav for Write.
func renderStandalone(w io.Writer, site *Site, p *Page, opts LayoutOptions, navs *navCache) error {
	dir := path.Dir(p.URL)
	nav, err := navs.render(site, dir, linkURL(p.URL))
	if err != nil {
		return err
	}
	data := layoutData{
		Site:    site,
		Page:    p,
		CSS:     relURL(dir, StyleSheetFile),
		Home:    relURL(dir, ""),
		NavHTML: nav,
		Head:    opts.Head,
		Title:   p.Title,
	}
	if site.Name != "" && site.Name != p.Title {
		data.Title = p.Title + " - " + site.Name
	}
	data.Prev, data.Next = footerLinks(site, p, dir)
	return layout.Execute(w, data)
}

// footerLink is the previous or next page, as mkdocs-material's footer
// links it.
type footerLink struct {
	Title, Href string
}

// footerLinks returns the pages before and after p in the nav's order.
func footerLinks(site *Site, p *Page, dir string) (prev, next *footerLink) {
	var pages []NavItem
	var walk func([]NavItem)
	walk = func(items []NavItem) {
		for _, it := range items {
			if it.Path != "" && !it.External {
				pages = append(pages, it)
			}
			walk(it.Children)
		}
	}
	walk(site.Nav)
	for i, it := range pages {
		if it.Path != p.Path {
			continue
		}
		if i > 0 {
			prev = &footerLink{Title: pages[i-1].Title, Href: relURL(dir, pages[i-1].URL)}
		}
		if i+1 < len(pages) {
			next = &footerLink{Title: pages[i+1].Title, Href: relURL(dir, pages[i+1].URL)}
		}
		break
	}
	return prev, next
}

type layoutData struct {
	Site    *Site
	Page    *Page
	CSS     string
	Home    string
	Title   string
	NavHTML template.HTML // the "nav" template of the page's layoutNav
	Head    template.HTML
	// Prev and Next are the neighbouring pages in the nav, for the footer.
	Prev, Next *footerLink
}

// navCache renders the nav of every page of one site from a skeleton: the
// "nav" template executed once, with a placeholder for each page link's
// href. Each page only fills in its relative hrefs (escaped as html/template
// escapes them, which is char by char for these relative URLs) and marks
// its active links. A nil cache, or a nav whose skeleton is not as
// expected, renders the nav from the template each time.
type navCache struct {
	once sync.Once
	sk   *navSkeleton // nil: render in full

	mu  sync.Mutex
	esc map[string]string // escapeHref memo
}

type navSkeleton struct {
	parts []string // parts[i] precedes link i's href; the last part ends the nav
	urls  []string // link i's URL relative to the site root
}

// render returns the "nav" template's output for a page in dir whose link
// URL is current, byte for byte what executing it on layoutNav gives.
func (c *navCache) render(site *Site, dir, current string) (template.HTML, error) {
	if c != nil {
		c.once.Do(func() { c.sk = newNavSkeleton(site) })
	}
	if c == nil || c.sk == nil {
		s, err := execTemplate("nav", layoutNav(site.Nav, dir, current))
		return template.HTML(s), err
	}
	var b strings.Builder
	b.Grow(len(c.sk.parts) * 96)
	for i, u := range c.sk.urls {
		part := c.sk.parts[i]
		if u == current {
			part = strings.TrimSuffix(part, navLinkOpen) + navLinkActive
		}
		b.WriteString(part)
		href, err := c.escapeHref(relURL(dir, u))
		if err != nil {
			return "", err
		}
		b.WriteString(href)
	}
	b.WriteString(c.sk.parts[len(c.sk.parts)-1])
	return template.HTML(b.String()), nil
}

// The markup before a page link's href, inactive and active: navlink's.
const (
	navLinkOpen   = `<a class="md-nav__link" href="`
	navLinkActive = `<a class="md-nav__link md-nav__link--active" href="`
)

// newNavSkeleton renders the nav with placeholder hrefs, or returns nil
// when the result cannot be split at them (it always can; the check keeps
// a template change from producing wrong navs).
func newNavSkeleton(site *Site) *navSkeleton {
	sk := &navSkeleton{}
	var walk func([]NavItem) []layoutItem
	walk = func(items []NavItem) []layoutItem {
		out := make([]layoutItem, 0, len(items))
		for _, it := range items {
			li := layoutItem{Title: it.Title, External: it.External, Children: walk(it.Children)}
			switch {
			case it.External:
				li.Href = it.URL
			case it.Children == nil:
				li.Href = navPlaceholder + strconv.Itoa(len(sk.urls)) + "x"
				sk.urls = append(sk.urls, it.URL)
			}
			out = append(out, li)
		}
		return out
	}
	html, err := execTemplate("nav", walk(site.Nav))
	if err != nil {
		return nil
	}
	for i := range sk.urls {
		ph := navPlaceholder + strconv.Itoa(i) + "x"
		before, after, ok := strings.Cut(html, ph)
		if !ok || !strings.HasSuffix(before, navLinkOpen) || strings.Contains(after, ph) {
			return nil
		}
		sk.parts = append(sk.parts, before)
		html = after
	}
	sk.parts = append(sk.parts, html)
	return sk
}

// navPlaceholder starts a placeholder href: letters and digits, which
// html/template leaves alone, with a per-process secret so that no title
// or URL of the docs can contain one.
var navPlaceholder = "cbnav" + randomHex() + "n"

// escapeHref is what html/template writes for v in an href attribute.
// relURL's results are "../" repeated and a path: html/template escapes a
// URL char by char, checking only the start for a scheme, so the path's
// escaping (after "./", which has none) is memoized once per path.
func (c *navCache) escapeHref(v string) (string, error) {
	prefix, rest := "", v
	for strings.HasPrefix(rest, "../") {
		prefix += "../"
		rest = rest[3:]
	}
	key := rest
	if prefix != "" {
		key = "./" + rest
	}
	c.mu.Lock()
	e, ok := c.esc[key]
	c.mu.Unlock()
	if !ok {
		out, err := execTemplate("href", key)
		if err != nil {
			return "", err
		}
		e = strings.TrimSuffix(strings.TrimPrefix(out, `<a href="`), `">`)
		c.mu.Lock()
		if c.esc == nil {
			c.esc = map[string]string{}
		}
		c.esc[key] = e
		c.mu.Unlock()
	}
	if prefix != "" {
		e = prefix + strings.TrimPrefix(e, "./")
	}
	return e, nil
}

func execTemplate(name string, data any) (string, error) {
	var b strings.Builder
	err := layout.ExecuteTemplate(&b, name, data)
	return b.String(), err
}

type layoutItem struct {
	Title, Href      string
	Active, External bool
	Children         []layoutItem
}

func layoutNav(items []NavItem, dir, current string) []layoutItem {
	out := make([]layoutItem, 0, len(items))
	for _, it := range items {
		li := layoutItem{Title: it.Title, External: it.External, Children: layoutNav(it.Children, dir, current)}
		switch {
		case it.External:
			li.Href = it.URL
		case it.Children == nil:
			li.Href = relURL(dir, it.URL)
			li.Active = it.URL == current
		}
		out = append(out, li)
	}
	return out
}

var layout = template.Must(template.New("page").Parse(strings.TrimSpace(`
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.Title}}</title>
{{with .Site.Description}}<meta name="description" content="{{.}}">{{end}}
<link rel="stylesheet" href="{{.CSS}}">
<style>
body { margin: 0; background: #fff; }
.md-container { display: grid; grid-template-columns: 240px minmax(0, 1fr) 220px; gap: 2em; max-width: 1300px; margin: 0 auto; padding: 0 1.5em; }
.md-header { background: #24292f; color: #fff; padding: .8em 1.5em; font: 600 1.1em system-ui, sans-serif; }
.md-header a { color: #fff; text-decoration: none; }
.md-nav { font: .9em/1.5 system-ui, sans-serif; padding-top: 1.5em; }
.md-nav ul { list-style: none; margin: 0; padding-left: .9em; }
.md-nav > ul { padding-left: 0; }
.md-nav a { color: #1f2328; text-decoration: none; display: block; padding: .15em 0; }
.md-nav a.md-nav__link--active { color: #0969da; font-weight: 600; }
.md-nav .md-nav__title { font-weight: 600; color: #59636e; margin: .6em 0 .2em; display: block; }
.md-content { padding: 1.5em 0 4em; }
.md-source-edit { float: right; font: .85em system-ui, sans-serif; }
.md-footer { display: flex; gap: 1em; margin-top: 3em; padding-top: 1em; border-top: 1px solid #d1d9e0; font: .95em system-ui, sans-serif; }
.md-footer__link { color: #0969da; text-decoration: none; }
.md-footer__link--next { margin-left: auto; }
@media (max-width: 900px) { .md-container { grid-template-columns: 1fr; } .md-sidebar--secondary { display: none; } }
@media (prefers-color-scheme: dark) {
body { background: #0d1117; }
.md-header { background: #010409; border-bottom: 1px solid #3d444d; }
.md-nav a { color: #e6edf3; }
.md-nav a.md-nav__link--active { color: #4493f8; }
.md-nav .md-nav__title { color: #9198a1; }
}
</style>
{{.Head}}
</head>
<body>
<header class="md-header"><a href="{{.Home}}">{{.Site.Name}}</a></header>
<div class="md-container">
<nav class="md-nav md-nav--primary md-sidebar md-sidebar--primary" aria-label="Navigation">{{.NavHTML}}</nav>
<main class="md-main"><div class="md-content" data-md-component="content">
{{with .Page.EditURL}}<a class="md-source-edit md-content__button" href="{{.}}" title="Edit this page">Edit this page</a>{{end}}
<article class="md-content__inner md-typeset">
{{.Page.HTML}}
</article>
{{if or .Prev .Next}}<nav class="md-footer" aria-label="Previous and next page">{{with .Prev}}<a class="md-footer__link md-footer__link--prev" href="{{.Href}}" rel="prev">← {{.Title}}</a>{{end}}{{with .Next}}<a class="md-footer__link md-footer__link--next" href="{{.Href}}" rel="next">{{.Title}} →</a>{{end}}</nav>{{end}}
</div></main>
<nav class="md-nav md-nav--secondary md-sidebar md-sidebar--secondary" aria-label="Table of contents">
{{if .Page.TOC}}<span class="md-nav__title">On this page</span>{{template "toc" .Page.TOC}}{{end}}
</nav>
</div>
</body>
</html>
{{define "nav"}}<ul class="md-nav__list">{{range .}}<li class="md-nav__item">{{if .Children}}<span class="md-nav__title">{{.Title}}</span>{{template "nav" .Children}}{{else}}{{template "navlink" .}}{{end}}</li>{{end}}</ul>{{end}}{{define "navlink"}}<a class="md-nav__link{{if .Active}} md-nav__link--active{{end}}" href="{{.Href}}"{{if .External}} rel="noopener"{{end}}>{{.Title}}</a>{{end}}
{{define "href"}}<a href="{{.}}">{{end}}{{define "toc"}}<ul class="md-nav__list">{{range .}}<li class="md-nav__item"><a class="md-nav__link" href="#{{.ID}}">{{.Title}}</a>{{if .Children}}{{template "toc" .Children}}{{end}}</li>{{end}}</ul>{{end}}
`) + "\n"))
