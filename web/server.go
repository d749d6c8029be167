// Package web serves callboard over HTTP: the Backstage-compatible JSON API
// under /api and the portal's server-rendered pages everywhere else.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/plugin"
	"callboard/scaffold"
	"callboard/search"
)

// Options are the server's settings.
type Options struct {
	// Dev allows requests without authentication, writes too (the demo
	// and local use). Outside it every route but health, sign-in, static
	// assets and webhooks needs a caller (requireCaller).
	Dev bool
	// Tokens are static bearer tokens for machines
	// (backend.auth.externalAccess, type static): token -> subject.
	Tokens map[string]string
	// Auth signs users in (sessions, /api/auth, /signin); nil means no
	// sign-in, only Tokens.
	Auth Authenticator
	// ExternalToken, when set, checks bearer tokens that are not in Tokens
	// (backend.auth.externalAccess type legacy): the caller's subject, or
	// ok false.
	ExternalToken func(token string) (subject string, ok bool)
	// Plugins are the enabled plugins (package plugin): their routes are
	// mounted under /api/<id>/, their tabs and cards join entity pages,
	// their event handlers receive POST /api/events/http/{topic}.
	Plugins []plugin.Enabled
	// PluginTimeout bounds each plugin's render and facts call
	// (app-config plugins.timeout); zero means plugin.DefaultTimeout.
	PluginTimeout time.Duration
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
	// Scaffolder serves /api/scaffolder; nil answers NotFound there.
	Scaffolder *scaffold.Service
	// Authorizer decides permissions (auth/policy): catalog reads are
	// narrowed to what the caller may read, writes are checked. Nil allows
	// everything.
	Authorizer callboard.Authorizer
	// Audit records writes; nil keeps them in the log lines only, and
	// GET /api/audit/events answers NotFound.
	Audit callboard.AuditLog
	// Search answers /api/search/query and the search page; nil answers
	// NotFound there, and the page searches entity names only.
	Search *search.Service
}

// Server is the HTTP handler of callboard.
type Server struct {
	log     *slog.Logger
	catalog *catalog.Service
	opts    Options
	mux     *http.ServeMux
	ui      *ui
	csrf    *http.CrossOriginProtection
	// events are the plugins' event handlers by topic; eventReads bounds
	// the event bodies read at once (api_events.go).
	events     map[string]plugin.EventHandler
	eventReads chan struct{}
}

// NewServer returns the handler serving every route in routes.go. It
// panics on a template that does not parse or a plugin tab whose ID is
// taken: both are programmer errors found at startup.
func NewServer(log *slog.Logger, cat *catalog.Service, opts Options) *Server {
	s := &Server{log: log, catalog: cat, opts: opts, mux: http.NewServeMux(), eventReads: make(chan struct{}, maxEventReads)}
	u, err := newUI(opts.TemplateDir)
	if err != nil {
		panic(err)
	}
	s.ui = u
	s.csrf = s.newCSRF()
	checkTabs(opts.Plugins)
	s.events = eventHandlers(opts.Plugins)
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
	if !withinLimits(w, r) {
		return
	}
	// Who is asking comes first: permissions and handlers read it.
	r, ok := s.authenticate(w, r)
	if !ok || !s.requireCaller(w, r) {
		return
	}
	s.mux.ServeHTTP(w, s.withPermissions(r))
}
