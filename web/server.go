// Package web serves callboard over HTTP: the Backstage-compatible JSON API
// under /api and the portal's server-rendered pages everywhere else.
package web

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"callboard"
	"callboard/catalog"
)

// Options are the server's settings.
type Options struct {
	// Dev allows writes without authentication (the demo and local use).
	Dev bool
	// Tokens are static bearer tokens for machines
	// (backend.auth.externalAccess, type static): token -> subject.
	Tokens map[string]string
	// EntityTabs and EntityCards are the entity page's plugin slots: a
	// feature adds a tab or an Overview card by listing it here.
	EntityTabs  []EntityTab
	EntityCards []EntityCard
	// TemplateDir, when set, rereads the page templates from this folder
	// (web/templates in a checkout) on every request, for template work.
	TemplateDir string
	// Docs serves published TechDocs sites under /api/techdocs; when nil
	// those routes answer NotFound.
	Docs DocsReader
	// DocsSync, when set (techdocs.builder: local), brings the entity's docs
	// up to date for /api/techdocs/sync and reports whether it rebuilt
	// them. Nil means techdocs.builder: external: never updated here.
	DocsSync func(ctx context.Context, ref callboard.EntityRef) (updated bool, err error)
	// Events receives POST /api/events/http/{topic} (GitHub webhooks);
	// nil answers NotFound.
	Events EventSink
}

// Server is the HTTP handler of callboard.
type Server struct {
	log     *slog.Logger
	catalog *catalog.Service
	opts    Options
	mux     *http.ServeMux
	ui      *ui
	csrf    *http.CrossOriginProtection
}

// NewServer returns the handler serving every route in routes.go. It
// panics on a template that does not parse or a plugin tab whose ID is
// taken: both are programmer errors found at startup.
func NewServer(log *slog.Logger, cat *catalog.Service, opts Options) *Server {
	s := &Server{log: log, catalog: cat, opts: opts, mux: http.NewServeMux()}
	u, err := newUI(opts.TemplateDir)
	if err != nil {
		panic(err)
	}
	s.ui = u
	s.csrf = s.newCSRF()
	checkTabs(opts.EntityTabs)
	s.routes(s.mux)
	return s
}

// ServeHTTP recovers from panics so one bad request never stops the server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeError(w, r, errPanic)
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// authorized reports whether r may write: in dev mode always, otherwise
// with a configured static token.
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Dev {
		return true
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	for t := range s.opts.Tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return true
		}
	}
	return false
}
