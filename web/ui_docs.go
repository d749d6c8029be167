package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/html"

	"callboard"
	"callboard/index"
	"callboard/techdocs"
	"callboard/techdocs/docsync"
)

// The TechDocs reader: the Docs index (/docs), the reader
// (/docs/{namespace}/{kind}/{name}/{path...}) and the entity page's Docs
// tab. Pages come from the publisher (Options.Docs) as built HTML files;
// the reader takes the article, the nav and the TOC out of them, so sites
// built by Backstage's techdocs-cli (mkdocs-material) read the same as ours.

// docsTabID is the entity page tab of the docs.
const docsTabID = "docs"

// docsStatuser is implemented by a docs reader that also builds docs
// (docsync.Syncer): the reader shows its build status.
type docsStatuser interface {
	Status(ref callboard.EntityRef) docsync.Status
}

// addDocsTab puts the Docs tab into the entity page's plugin slot, unless
// the caller registered its own tab with that ID.
func (s *Server) addDocsTab() {
	for _, t := range s.opts.EntityTabs {
		if t.ID == docsTabID {
			return
		}
	}
	s.opts.EntityTabs = append(s.opts.EntityTabs, EntityTab{
		ID:      docsTabID,
		Title:   "Docs",
		Applies: func(e *callboard.Entity) bool { return e.Annotation(callboard.AnnotationTechDocsRef) != "" },
		Render:  s.renderDocsTab,
	})
}

// docsBase is the reader's URL of the site root, with a trailing slash.
func docsBase(r callboard.EntityRef) string {
	ns := r.Namespace
	if ns == "" {
		ns = callboard.DefaultNamespace
	}
	return "/docs/" + url.PathEscape(strings.ToLower(ns)) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(r.Name) + "/"
}

// docsStaticBase is the API's URL of the site's files, with a trailing slash.
func docsStaticBase(r callboard.EntityRef) string {
	return "/api/techdocs/static" + docsBase(r)
}

// docsView is what the reader and the Docs tab show.
type docsView struct {
	Ref, Name, Title, Kind string
	EntityURL              string
	Base                   string // reader URL of the site root
	SiteName, SiteDesc     string
	Updated                string // "2026-11-26 02:51 UTC", from build_timestamp
	UpdatedISO             string
	Status                 docsStatusView
	Missing                bool // no published site (yet)
	// The page.
	PageTitle string
	HTML      template.HTML
	Nav       []docsLink
	TOC       []docsLink
	EditURL   string
	// Search within the site.
	Query    string
	Searched bool
	Hits     []docsHit
	InTab    bool
	// CSS is the URL of the builder's page styles.
	CSS string
}

type docsStatusView struct {
	Builder   string // local or external; empty when unknown
	Building  bool
	Error     string
	ErrorAt   string
	LastBuild string
	Warnings  []string
}

// docsLink is an entry of the nav tree or the TOC.
type docsLink struct {
	Title    string
	URL      string
	External bool
	Active   bool
	Children []docsLink
}

// docsHit is one search result.
type docsHit struct {
	Title   string
	URL     string
	Page    string
	Snippet []snippetPart
}

type snippetPart struct {
	Text string
	Mark bool
}

// handleDocsIndex serves /docs: every entity with docs, with its owner and
// when its docs were last built.
func (s *Server) handleDocsIndex(w http.ResponseWriter, r *http.Request) error {
	const limit = 500
	q := index.Query{
		Filter: index.Filter{{{Key: "metadata.annotations." + callboard.AnnotationTechDocsRef}}},
		Order:  []index.Order{{Field: "metadata.name"}},
		Limit:  limit,
	}
	term := strings.TrimSpace(r.URL.Query().Get("q"))
	if term != "" {
		q.FullText = index.FullText{Term: term, Fields: []string{"metadata.name", "metadata.title", "metadata.description", "spec.owner"}}
	}
	es, total, err := s.catalog.Query(r.Context(), q)
	if err != nil {
		return err
	}
	type row struct {
		Name, Title, Kind, Type, Ref, Description string
		URL, DocsURL                              string
		Owner                                     refLink
		Updated, UpdatedISO                       string
		State                                     string // "", "building", "failed", "none"
		StateText                                 string
	}
	v := struct {
		Rows         []row
		Total, Shown int
		Query        string
		HasDocs      bool
	}{Total: total, Query: term, HasDocs: s.opts.Docs != nil}
	for _, e := range es {
		ref := e.Ref()
		rw := row{
			Name: e.Metadata.Name, Title: e.Metadata.Title, Kind: e.Kind, Type: e.SpecString("type"),
			Ref: ref.String(), Description: e.Metadata.Description, URL: refURL(ref), DocsURL: docsBase(ref),
			Owner: ownerLink(e),
		}
		if s.opts.Docs != nil {
			if m, err := s.opts.Docs.Metadata(r.Context(), ref); err == nil {
				if t := m.BuildTime(); !t.IsZero() {
					rw.Updated, rw.UpdatedISO = fmtTime(t), t.UTC().Format(time.RFC3339)
				}
			} else {
				rw.State, rw.StateText = "none", "not built yet"
			}
			if st, ok := s.opts.Docs.(docsStatuser); ok {
				switch status := st.Status(ref); {
				case status.Building:
					rw.State, rw.StateText = "building", "building…"
				case status.LastError != "":
					rw.State, rw.StateText = "failed", "build failed"
				}
			}
		}
		v.Rows = append(v.Rows, rw)
	}
	v.Shown = len(v.Rows)
	return s.render(w, r, http.StatusOK, "docs_index", "", &page{
		Title: "Docs", Subtitle: "Technical documentation written next to the code, built from each entity's mkdocs.yml",
		Nav: "docs", Data: &v,
	})
}

// ownerLink links an entity's owner: its ownedBy relation, else spec.owner.
func ownerLink(e *callboard.Entity) refLink {
	for _, rel := range e.Relations {
		if rel.Type == callboard.RelationOwnedBy {
			return linkTo(rel.TargetRef, "group")
		}
	}
	if o := e.SpecString("owner"); o != "" {
		if ref, err := callboard.ParseRef(o, "group", e.Ref().Namespace); err == nil {
			return linkTo(ref.String(), "group")
		}
	}
	return refLink{}
}

func fmtTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// handleDocsRoot redirects /docs/{namespace}/{kind}/{name} to the site root
// with its slash, so relative links resolve.
func (s *Server) handleDocsRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, docsBase(docsRef(r)), http.StatusMovedPermanently)
	return nil
}

// handleDocsPage serves the reader: one page of an entity's site, or with
// ?q= the pages matching a search. Files that are not pages (images,
// downloads) are redirected to the sandboxed static route.
func (s *Server) handleDocsPage(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docsEntity(r, "Entity not found for %s")
	if err != nil {
		return err
	}
	ref := e.Ref()
	p := r.PathValue("path")
	ext := path.Ext(p)
	switch {
	case p == "" || strings.HasSuffix(p, "/") || ext == ".html":
	case ext == "":
		// A page without its slash: relative links need it.
		target := docsBase(ref) + p + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return nil
	default:
		http.Redirect(w, r, docsStaticBase(ref)+p, http.StatusFound)
		return nil
	}
	v, err := s.docsView(r.Context(), e, p, strings.TrimSpace(r.URL.Query().Get("q")))
	if err != nil {
		return err
	}
	title := v.PageTitle
	if v.SiteName != "" && v.SiteName != title {
		if title == "" {
			title = v.SiteName
		} else {
			title += " · " + v.SiteName
		}
	}
	if title == "" {
		title = v.Name + " docs"
	}
	return s.render(w, r, http.StatusOK, "docs", "", &page{
		Title: title, Subtitle: "Docs of " + v.Kind + " " + v.Ref, Nav: "docs", Data: v,
	})
}

// renderDocsTab is the Docs tab: the site's home page in the reader layout.
func (s *Server) renderDocsTab(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	v, err := s.docsView(ctx, e, "", "")
	if err != nil {
		return "", err
	}
	v.InTab = true
	t, err := s.ui.lookup("docs")
	if err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "load template")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "docsreader", v); err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "render docs tab")
	}
	return template.HTML(buf.String()), nil //nolint:gosec // rendered by html/template
}

// docsView loads page p (a site path: "", "runbook/", "a/b.html") of e's
// published site. A site that is not published yet, or a failed build, is
// not an error: the view says so.
func (s *Server) docsView(ctx context.Context, e *callboard.Entity, p, query string) (*docsView, error) {
	ref := e.Ref()
	v := &docsView{
		Ref: ref.String(), Name: e.Metadata.Name, Title: e.Metadata.Title, Kind: e.Kind,
		EntityURL: refURL(ref), Base: docsBase(ref), Query: query,
		CSS: "/static/techdocs.css?v=" + techdocsCSSVersion,
	}
	docs, err := s.docs()
	if err != nil {
		return nil, err
	}
	if st, ok := docs.(docsStatuser); ok {
		status := st.Status(ref)
		v.Status = docsStatusView{Builder: status.Builder, Building: status.Building, Error: status.LastError, Warnings: status.Warnings}
		if !status.LastErrorAt.IsZero() {
			v.Status.ErrorAt = fmtTime(status.LastErrorAt)
		}
		if !status.LastBuild.IsZero() {
			v.Status.LastBuild = fmtTime(status.LastBuild)
		}
	}
	meta, err := docs.Metadata(ctx, ref)
	if callboard.ErrorKind(err) == callboard.NotFound {
		v.Missing = true
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.SiteName, v.SiteDesc = meta.SiteName, meta.SiteDescription
	if t := meta.BuildTime(); !t.IsZero() {
		v.Updated, v.UpdatedISO = fmtTime(t), t.UTC().Format(time.RFC3339)
	}
	if query != "" {
		v.Searched = true
		v.Hits, err = s.docsSearch(ctx, ref, query)
		if err != nil {
			return nil, err
		}
	}
	file := p
	if file == "" || strings.HasSuffix(file, "/") {
		file += "index.html"
	}
	body, _, err := docs.Open(ctx, ref, file)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(body, 32<<20))
	body.Close()
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read docs page %s", file)
	}
	links := linkResolver{dir: path.Dir(file), base: v.Base, static: docsStaticBase(ref), current: strings.TrimSuffix(v.Base+file, "index.html")}
	readPage(raw, links, v)
	return v, nil
}

// readPage fills the page fields of v from a built page: the article
// (sanitized, its links made to work in the portal), the nav, the TOC and
// the edit link.
func readPage(raw []byte, links linkResolver, v *docsView) {
	content, ok := techdocs.ExtractContent(raw)
	if !ok {
		content = raw // not a MkDocs page: show what sanitizing leaves
	}
	v.HTML, v.PageTitle = rewriteLinks(techdocs.Sanitize(content), links)
	doc, err := html.Parse(bytes.NewReader(raw))
	if err != nil {
		return
	}
	var primary, secondary *html.Node
	var walk func(n *html.Node, inPrimary bool)
	walk = func(n *html.Node, inPrimary bool) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "nav" && hasClass(n, "md-nav--primary") && primary == nil:
				primary, inPrimary = n, true
			case n.Data == "nav" && hasClass(n, "md-nav--secondary") && (secondary == nil || !inPrimary):
				if !inPrimary || secondary == nil {
					secondary = n
				}
			case n.Data == "a" && v.EditURL == "" && (hasClass(n, "md-content__button") || hasClass(n, "md-source-edit")):
				if h := attr(n, "href"); strings.HasPrefix(h, "https://") || strings.HasPrefix(h, "http://") {
					if strings.Contains(strings.ToLower(attr(n, "title")+text(n)), "edit") {
						v.EditURL = h
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inPrimary)
		}
	}
	walk(doc, false)
	if primary != nil {
		if ul := firstList(primary); ul != nil {
			v.Nav = navList(ul, links, 0)
		}
	}
	if secondary != nil {
		if ul := firstList(secondary); ul != nil {
			v.TOC = navList(ul, links, 0)
		}
	}
	if v.PageTitle == "" {
		v.PageTitle = activeTitle(v.Nav)
	}
}

func activeTitle(items []docsLink) string {
	for _, it := range items {
		if it.Active {
			return it.Title
		}
		if t := activeTitle(it.Children); t != "" {
			return t
		}
	}
	return ""
}

// firstList returns the first <ul> under n, not looking inside a nested
// TOC (mkdocs-material puts the current page's TOC inside the nav).
func firstList(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.Data == "ul" || c.Data == "ol" {
			return c
		}
		if c.Data == "nav" && hasClass(c, "md-nav--secondary") {
			continue
		}
		if ul := firstList(c); ul != nil {
			return ul
		}
	}
	return nil
}

// navList reads a nav or TOC list: each <li> is a link (its first <a>) or a
// section title (its first label or span), with the first nested list as
// its children. Only text and resolved links are kept, never markup.
func navList(ul *html.Node, links linkResolver, depth int) []docsLink {
	if depth > 8 {
		return nil
	}
	var out []docsLink
	for li := ul.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode || li.Data != "li" {
			continue
		}
		var item docsLink
		var a, label, sub *html.Node
		var find func(n *html.Node)
		find = func(n *html.Node) {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type != html.ElementNode {
					continue
				}
				switch {
				case c.Data == "nav" && hasClass(c, "md-nav--secondary"):
					continue
				case c.Data == "ul" || c.Data == "ol":
					if sub == nil {
						sub = c
					}
					continue
				case c.Data == "a" && a == nil:
					a = c
					continue
				case (c.Data == "label" || c.Data == "span") && label == nil && strings.TrimSpace(text(c)) != "":
					label = c
					continue
				}
				find(c)
			}
		}
		find(li)
		switch {
		case a != nil:
			item.Title = text(a)
			item.URL, item.External = links.resolve(attr(a, "href"))
			item.Active = !item.External && item.URL == links.current
		case label != nil:
			item.Title = text(label)
		default:
			continue
		}
		if sub != nil {
			item.Children = navList(sub, links, depth+1)
		}
		if item.Title == "" && len(item.Children) == 0 {
			continue
		}
		out = append(out, item)
	}
	return out
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text returns the text of n with whitespace collapsed, without the
// permalink signs of headings.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && (hasClass(n, "headerlink") || n.Data == "svg") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "¶", "")), " ")
}

// linkResolver maps links of a built page to portal URLs: pages to the
// reader, other files to the sandboxed static route.
type linkResolver struct {
	dir     string // the page file's folder in the site ("." or "runbook")
	base    string // reader URL of the site root
	static  string // static URL of the site root
	current string // reader URL of this page
}

// resolve returns the portal URL for href and whether it leaves the
// portal. Links that leave the site by ".." or use other schemes are
// dropped ("").
func (l linkResolver) resolve(href string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" {
		switch strings.ToLower(u.Scheme) {
		case "http", "https", "mailto":
			return u.String(), true
		}
		return "", false
	}
	if u.Path == "" {
		return href, false // #fragment or ?query on this page
	}
	if strings.HasPrefix(u.Path, "/") {
		return "", false // absolute paths mean nothing inside a site
	}
	p := path.Join(l.dir, u.Path)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	if p == "." {
		p = ""
	}
	dirLike := strings.HasSuffix(u.Path, "/") || u.Path == "." || u.Path == ".."
	frag := ""
	if u.Fragment != "" {
		frag = "#" + url.PathEscape(u.Fragment)
	}
	ext := path.Ext(p)
	switch {
	case dirLike || ext == "":
		if p != "" {
			p += "/"
		}
		return l.base + escapePath(p) + frag, false
	case path.Base(p) == "index.html":
		return l.base + escapePath(strings.TrimSuffix(p, "index.html")) + frag, false
	case ext == ".html":
		return l.base + escapePath(p) + frag, false
	}
	return l.static + escapePath(p), false
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// rewriteLinks points the sanitized page's links and images at portal URLs
// and returns the page with its first heading's text.
func rewriteLinks(b []byte, links linkResolver) (template.HTML, string) {
	var out bytes.Buffer
	z := html.NewTokenizer(bytes.NewReader(b))
	title, inH1, h1Done := "", false, false
	depthSkip := 0 // inside a permalink of the h1
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return template.HTML(out.String()), strings.Join(strings.Fields(strings.ReplaceAll(title, "¶", "")), " ") //nolint:gosec // sanitized above
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			changed := false
			for i, a := range tok.Attr {
				if (tok.Data == "a" && a.Key == "href") || (tok.Data == "img" && a.Key == "src") {
					if strings.HasPrefix(a.Val, "data:") && tok.Data == "img" {
						continue
					}
					u, _ := links.resolve(a.Val)
					tok.Attr[i].Val = u
					changed = true
				}
			}
			if tok.Data == "h1" && !h1Done {
				inH1 = true
			}
			if inH1 && tok.Data == "a" && tt == html.StartTagToken && strings.Contains(attrOf(tok, "class"), "headerlink") {
				depthSkip++
			}
			if changed {
				out.WriteString(tok.String())
			} else {
				out.Write(z.Raw())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if inH1 && string(name) == "a" && depthSkip > 0 {
				depthSkip--
			}
			if string(name) == "h1" && inH1 {
				inH1, h1Done = false, true
			}
			out.Write(z.Raw())
		case html.TextToken:
			if inH1 && depthSkip == 0 {
				title += html.UnescapeString(string(z.Raw()))
			}
			out.Write(z.Raw())
		default:
			out.Write(z.Raw())
		}
	}
}

func attrOf(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// searchIndex is search/search_index.json as MkDocs and our builder write it.
type searchIndex struct {
	Docs []struct {
		Location string `json:"location"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	} `json:"docs"`
}

// docsSearch finds the site's pages and sections containing every word of
// query, best first: title matches, then the number of occurrences.
func (s *Server) docsSearch(ctx context.Context, ref callboard.EntityRef, query string) ([]docsHit, error) {
	body, _, err := s.opts.Docs.Open(ctx, ref, techdocs.SearchIndexFile)
	if callboard.ErrorKind(err) == callboard.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var idx searchIndex
	if err := json.NewDecoder(io.LimitReader(body, 64<<20)).Decode(&idx); err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "the site's search index is malformed")
	}
	terms := strings.Fields(strings.ToLower(query))
	if len(terms) == 0 {
		return nil, nil
	}
	type scored struct {
		hit   docsHit
		score int
		page  string
	}
	var found []scored
	pageHasSection := map[string]bool{}
	pageTitle := map[string]string{}
	for _, d := range idx.Docs {
		if !strings.Contains(d.Location, "#") {
			pageTitle[d.Location] = d.Title
		}
	}
	links := linkResolver{dir: ".", base: docsBase(ref), static: docsStaticBase(ref)}
	for _, d := range idx.Docs {
		lt, ltext := strings.ToLower(d.Title), strings.ToLower(d.Text)
		score := 0
		for _, t := range terms {
			inTitle, n := strings.Contains(lt, t), strings.Count(ltext, t)
			if !inTitle && n == 0 {
				score = -1
				break
			}
			if inTitle {
				score += 10
			}
			score += min(n, 10)
		}
		if score < 0 {
			continue
		}
		pagePart, _, isSection := strings.Cut(d.Location, "#")
		if isSection {
			pageHasSection[pagePart] = true
		}
		u, _ := links.resolve(orDot(d.Location))
		found = append(found, scored{
			hit:   docsHit{Title: d.Title, URL: u, Page: pageTitle[pagePart], Snippet: snippet(d.Text, terms)},
			score: score, page: pagePart,
		})
		if !isSection {
			found[len(found)-1].page = "\x00" + pagePart // a whole page
		}
	}
	var hits []scored
	for _, f := range found {
		if p, ok := strings.CutPrefix(f.page, "\x00"); ok && pageHasSection[p] {
			continue // its sections are listed instead
		}
		if f.hit.Page == f.hit.Title {
			f.hit.Page = ""
		}
		hits = append(hits, f)
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]docsHit, 0, min(len(hits), 20))
	for _, h := range hits[:min(len(hits), 20)] {
		out = append(out, h.hit)
	}
	return out, nil
}

func orDot(loc string) string {
	if loc == "" || strings.HasPrefix(loc, "#") {
		return "./" + loc
	}
	return loc
}

// snippet returns about 200 characters of text around the first term,
// with every term marked.
func snippet(text string, terms []string) []snippetPart {
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		text = lower // case mapping changed lengths: show lowercase rather than cut runes wrongly
	}
	first := -1
	for _, t := range terms {
		if i := strings.Index(lower, t); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	start, end := 0, len(text)
	if first > 80 {
		start = first - 80
	}
	if end-start > 220 {
		end = start + 220
	}
	for start > 0 && !utf8Start(text[start]) {
		start--
	}
	for end < len(text) && !utf8Start(text[end]) {
		end++
	}
	seg, lseg := text[start:end], lower[start:end]
	var parts []snippetPart
	if start > 0 {
		parts = append(parts, snippetPart{Text: "… "})
	}
	for len(seg) > 0 {
		at, n := -1, 0
		for _, t := range terms {
			if i := strings.Index(lseg, t); i >= 0 && (at < 0 || i < at) {
				at, n = i, len(t)
			}
		}
		if at < 0 {
			parts = append(parts, snippetPart{Text: seg})
			break
		}
		if at > 0 {
			parts = append(parts, snippetPart{Text: seg[:at]})
		}
		parts = append(parts, snippetPart{Text: seg[at : at+n], Mark: true})
		seg, lseg = seg[at+n:], lseg[at+n:]
	}
	if end < len(text) {
		parts = append(parts, snippetPart{Text: " …"})
	}
	return parts
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// handleDocsCSS serves the techdocs builder's page styles (scoped to
// .md-typeset), which the reader's article uses.
func (s *Server) handleDocsCSS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	if r.URL.Query().Get("v") == techdocsCSSVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(techdocsCSS)
	return nil
}

var (
	techdocsCSS        = techdocs.StyleSheet()
	techdocsCSSVersion = func() string { h := sha256.Sum256(techdocsCSS); return hex.EncodeToString(h[:5]) }()
)
