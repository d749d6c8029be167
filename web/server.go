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
	// Lang is the pages' language (app.lang) for <html lang>; empty
	// means "en".
	Lang string
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
	// ReadyChecks are what /readyz checks besides the catalog's index
	// (the database, its migrations); see handleReady.
	ReadyChecks []ReadyCheck
	// Stopping, when set, reports that the server is shutting down:
	// readiness fails so that load balancers stop sending traffic.
	Stopping func() bool
	// ObserveRequest, when set, is told of every answered request, with
	// the ServeMux pattern that matched (metrics).
	ObserveRequest func(method, route string, status int, took time.Duration)
	// Metrics, when set, is served at MetricsPath ("/metrics" when empty)
	// to authenticated callers (anyone in dev mode), like the API.
	Metrics     http.Handler
	MetricsPath string
	// Stars keeps the entities users starred (the star button, the
	// Starred filter and home card); nil hides them.
	Stars callboard.StarStore
	// Search answers /api/search/query and the search page; nil answers
	// NotFound there, and the page searches entity names only.
	Search *search.Service
	// SeenUser, when set, is told of each request by a signed-in person
	// (not a machine token), for the IDP metrics' monthly active users.
	SeenUser func(ctx context.Context, subject string)
}

// Server is the HTTP handler of callboard.
type Server struct {
	log     *slog.Logger
	catalog *catalog.Service
	opts    Options
	mux     *http.ServeMux
	ui      *ui
	csp     string // the pages' Content-Security-Policy (contentPolicy)
	csrf    *http.CrossOriginProtection
	// events are the plugins' event handlers by topic; eventReads bounds
	// the event bodies read at once (api_events.go).
	events     map[string]plugin.EventHandler
	eventReads chan struct{}
	// quietRoutes log their requests at debug level (probes, scrapes).
	quietRoutes map[string]bool
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
	s.csp = contentPolicy(docsSanitizer(opts.Docs).FrameSources())
	s.csrf = s.newCSRF()
	checkTabs(opts.Plugins)
	s.events = eventHandlers(opts.Plugins)
	s.quietRoutes = s.newQuietRoutes()
	s.routes(s.mux)
	return s
}

// ServeHTTP compresses answers the client accepts gzip for, gives each
// request an ID (X-Request-Id), logs one line per request and reports it
// to the metrics (endRequest), and recovers from
// panics so one bad request never stops the server.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rw, closeGzip := withGzip(rw, r) // middleware_gzip.go
	defer closeGzip()
	w := beginRequest(rw, r)
	defer s.endRequest(w, r, time.Now())
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v,
				"request_id", r.Header.Get("X-Request-Id"))
			writeError(w, r, errPanic)
		}
	}()
	if !withinLimits(w, r) || !trailingSlash(w, r) {
		return
	}
	// Who is asking comes first: permissions and handlers read it.
	r, ok := s.authenticate(w, r)
	if !ok || !s.requireCaller(w, r) {
		return
	}
	w.routed = s.withPermissions(r)
	s.mux.ServeHTTP(w, w.routed)
}
