package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync"

	"callboard"
	"callboard/apidoc"
)

//go:embed templates static
var assets embed.FS

// pageFiles lists the page templates; each is parsed together with
// layout.html and parts.html into its own set, so every page defines its
// own "content" without clashing. Every page set is listed here.
var pageFiles = []string{
	"home", "search", "catalog", "entity", "register", "unregister", "error", "settings",
	"docs", "docs_index", "signin",
	"create", "create_form", "create_task", "create_tasks",
	"plugin_page",
}

// ui holds the parsed templates and the static assets of the portal.
type ui struct {
	dir     string // Options.TemplateDir: reread templates from here on each request
	mu      sync.Mutex
	pages   map[string]*template.Template
	static  fs.FS
	version string // hash of the static files, appended to their URLs
}

// newUI parses every page template at startup: a broken template stops the
// server from starting instead of failing one page later.
func newUI(dir string) (*ui, error) {
	u := &ui{dir: dir}
	static, _ := fs.Sub(assets, "static")
	u.static = static
	h := sha256.New()
	_ = fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(static, p)
			h.Write(b)
		}
		return nil
	})
	h.Write([]byte(apidoc.CSS()))
	u.version = hex.EncodeToString(h.Sum(nil))[:10]
	pages, err := u.parse()
	if err != nil {
		return nil, err
	}
	u.pages = pages
	return u, nil
}

// parse reads every page set from the embedded files, or from dir.
func (u *ui) parse() (map[string]*template.Template, error) {
	var src fs.FS
	if u.dir != "" {
		src = os.DirFS(u.dir)
	} else {
		src, _ = fs.Sub(assets, "templates")
	}
	out := make(map[string]*template.Template, len(pageFiles))
	for _, name := range pageFiles {
		t, err := template.New(name).Funcs(uiFuncs).ParseFS(src, "layout.html", "parts.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// lookup returns the page set; with a template dir it is parsed anew.
func (u *ui) lookup(name string) (*template.Template, error) {
	if u.dir != "" {
		pages, err := u.parse()
		if err != nil {
			return nil, err
		}
		return pages[name], nil
	}
	t := u.pages[name]
	if t == nil {
		return nil, fmt.Errorf("no page template %q", name)
	}
	return t, nil
}

// page is what every page template receives: the frame's fields and the
// page's own Data.
type page struct {
	Title     string    // page title, also the <title>
	Subtitle  string    // one line under the title: what this page is
	Nav       string    // active sidebar item: home, catalog, apis, docs, create, settings
	Query     string    // the top bar search box's value
	Writable  bool      // the UI may offer writes (dev mode)
	Static    string    // version of the static assets
	Team      string    // the "my team" cookie, a group ref
	Notice    string    // a one-line message after a redirect
	User      *userChip // the signed-in user, for the header; nil for nobody
	SignIn    bool      // sign-in is configured: offer it to nobody
	Here      string    // this page's path, where sign-in returns to
	PluginNav []navItem // the sidebar's links to plugin pages
	Data      any
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page (or, with block != "", one named template of it,
// for fragments) into a buffer and writes it only if that succeeded: a
// template error becomes a clean error page, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, block string, p *page) error {
	t, err := s.ui.lookup(name)
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "load template")
	}
	p.Writable = s.authorized(r)
	p.User, p.SignIn = s.userChip(r), s.opts.Auth != nil
	if p.Here == "" {
		p.Here = r.URL.RequestURI()
	}
	p.Static = s.ui.version
	p.PluginNav = s.pluginNav(p.Nav)
	if p.Team == "" {
		p.Team = teamCookie(r)
	}
	if p.Notice == "" {
		p.Notice = notices[r.URL.Query().Get("notice")]
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if block == "" {
		block = "layout"
	}
	if err := t.ExecuteTemplate(buf, block, p); err != nil {
		return callboard.Wrap(callboard.Internal, err, "render %s", name)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// notices are the messages a redirect may ask a page to show; only these
// fixed texts can appear, so a crafted link cannot put words on the page.
var notices = map[string]string{
	"unregistered": "The location was unregistered and the entities that came only from it were removed.",
	"deleted":      "The orphaned entity was deleted.",
	"refreshed":    "A refresh was scheduled; the page shows the new state once the entity is processed again.",
	"team":         "Your team was saved in this browser.",
	"registered":   "Registered. The catalog read the location and imported its entities.",
	"signedout":    "You are signed out; the session was ended on the server.",
}

// page adapts a page handler that returns an error: the error is shown on
// an HTML error page with the status from the one Kind table in errors.go.
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.pageError(w, r, err)
		}
	})
}

// pageError renders err as the error page.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	kind := callboard.ErrorKind(err)
	if kind == callboard.Internal && r.Context().Err() == nil {
		s.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := statusOf[kind]
	data := errorView{Status: status, StatusText: http.StatusText(status), Message: callboard.ErrorMessage(err), Kind: string(kind)}
	p := &page{Title: http.StatusText(status), Subtitle: "Something went wrong", Data: data}
	if rerr := s.render(w, r, status, "error", "", p); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, data.Message, status)
	}
}

type errorView struct {
	Status     int
	StatusText string
	Message    string
	Kind       string
}

// form guards a page handler that changes the catalog: the request must
// come from our own origin (http.CrossOriginProtection, which checks
// Sec-Fetch-Site and Origin) and pass the same rule as the API's writes.
func (s *Server) form(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return s.csrf.Handler(s.page(func(w http.ResponseWriter, r *http.Request) error {
		if !s.authorized(r) {
			if s.opts.Auth != nil {
				return callboard.Errorf(callboard.Unauthenticated, "changing the catalog from the portal needs sign-in: sign in at /signin, then try again")
			}
			return callboard.Errorf(callboard.Unauthenticated,
				"changing the catalog from the portal needs sign-in, which this instance does not have yet (auth.providers); "+
					"use the API with a token from backend.auth.externalAccess, or run callboard with --dev")
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			return callboard.Wrap(callboard.Invalid, err, "malformed form")
		}
		return h(w, r)
	}))
}

// newCSRF returns the cross-origin guard for the portal's forms; a refused
// request gets the HTML error page.
func (s *Server) newCSRF() *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pageError(w, r, callboard.Errorf(callboard.Forbidden, "this form was sent from another site, so it was refused"))
	}))
	return c
}

// handleStatic serves the embedded assets. URLs carry ?v=<hash> of the
// assets, so browsers may keep them for a long time.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("path")
	b, err := fs.ReadFile(s.ui.static, name)
	if name == "apidoc.css" {
		b, err = []byte(apidoc.CSS()), nil
	}
	if err != nil || strings.HasSuffix(name, ".md") {
		return callboard.Errorf(callboard.NotFound, "no static file %s", name)
	}
	ctype := "application/octet-stream"
	switch {
	case strings.HasSuffix(name, ".css"):
		ctype = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".js"):
		ctype = "text/javascript; charset=utf-8"
	case strings.HasSuffix(name, ".svg"):
		ctype = "image/svg+xml"
	}
	w.Header().Set("Content-Type", ctype)
	if r.URL.Query().Get("v") == s.ui.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(b)
	return nil
}

func (s *Server) handlePageNotFound(w http.ResponseWriter, r *http.Request) error {
	return callboard.Errorf(callboard.NotFound, "there is no page at %s", r.URL.Path)
}
