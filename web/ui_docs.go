package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"callboard"
	"callboard/index"
	"callboard/techdocs"
	"callboard/techdocs/docsync"
)

// The TechDocs reader: the Docs index (/docs), the reader
// (/docs/{namespace}/{kind}/{name}/{path...}) and the entity page's Docs
// tab (plugin_docs.go). Pages come from the publisher (Options.Docs) as
// built HTML files; the reader takes the article, the nav and the TOC out of
// them, so sites built by Backstage's techdocs-cli (mkdocs-material) read
// the same as ours.

// docsStatuser is implemented by a docs reader that also builds docs
// (docsync.Syncer): the reader shows its build status.
type docsStatuser interface {
	Status(ref callboard.EntityRef) docsync.Status
}

// pager returns the pages before and after the active one in nav order,
// skipping sections and external links.
func pager(nav []docsLink) (prev, next *docsLink) {
	var pages []*docsLink
	var walk func([]docsLink)
	walk = func(items []docsLink) {
		for i := range items {
			if items[i].URL != "" && !items[i].External && !strings.HasPrefix(items[i].URL, "#") {
				pages = append(pages, &items[i])
			}
			walk(items[i].Children)
		}
	}
	walk(nav)
	for i, p := range pages {
		if !p.Active {
			continue
		}
		if i > 0 {
			prev = pages[i-1]
		}
		if i+1 < len(pages) {
			next = pages[i+1]
		}
		return prev, next
	}
	return nil, nil
}

// docsSanitizer is the sanitizer docs carries (docsync.Syncer's, from
// techdocs.sanitizer), else the default one, which keeps no iframe.
func docsSanitizer(docs DocsReader) *techdocs.Sanitizer {
	if d, ok := docs.(interface{ Sanitizer() *techdocs.Sanitizer }); ok {
		return d.Sanitizer()
	}
	return nil
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
	// ArticleH1 is true when the page's content has its own h1, the
	// page's one h1; the site name is then not a heading.
	ArticleH1 bool
	Nav       []docsLink
	TOC       []docsLink
	EditURL   string
	// Prev and Next are the pages before and after this one in the nav,
	// as the reader's footer links them (mkdocs-material's footer).
	Prev, Next *docsLink
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
	owners := make([]*refLink, len(v.Rows))
	for i := range v.Rows {
		owners[i] = &v.Rows[i].Owner
	}
	s.nameLinks(r.Context(), owners...)
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
	v, err := loadDocsView(r.Context(), s.opts.Docs, e, p, strings.TrimSpace(r.URL.Query().Get("q")))
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

// renderDocsTab is the Docs tab: the site's home page in the reader layout,
// rendered with u's templates.
func renderDocsTab(ctx context.Context, u *ui, docs DocsReader, e *callboard.Entity) (template.HTML, error) {
	v, err := loadDocsView(ctx, docs, e, "", "")
	if err != nil {
		return "", err
	}
	v.InTab = true
	// The entity page has its h1 already: the article's top headings go
	// one level down, so that the page keeps one h1 (sanitized HTML: a
	// "<h1" in text is escaped and cannot match).
	html := strings.ReplaceAll(strings.ReplaceAll(string(v.HTML), "<h1", "<h2 data-level=\"1\""), "</h1>", "</h2>")
	v.HTML = template.HTML(html) //nolint:gosec // sanitized by readPage
	t, err := u.lookup("docs")
	if err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "load template")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "docsreader", v); err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "render docs tab")
	}
	return template.HTML(buf.String()), nil //nolint:gosec // rendered by html/template
}

// loadDocsView loads page p (a site path: "", "runbook/", "a/b.html") of e's
// site published in docs (nil: no publisher, NotFound). A site that is not
// published yet, or a failed build, is not an error: the view says so.
func loadDocsView(ctx context.Context, docs DocsReader, e *callboard.Entity, p, query string) (*docsView, error) {
	ref := e.Ref()
	v := &docsView{
		Ref: ref.String(), Name: e.Metadata.Name, Title: e.Metadata.Title, Kind: e.Kind,
		EntityURL: refURL(ref), Base: docsBase(ref), Query: query,
		CSS: "/static/techdocs.css?v=" + techdocsCSSVersion,
	}
	if docs == nil {
		return nil, errNoPublisher
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
		v.Hits, err = docsSearch(ctx, docs, ref, query)
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
	readPage(raw, links, docsSanitizer(docs), v)
	v.Prev, v.Next = pager(v.Nav)
	return v, nil
}

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
