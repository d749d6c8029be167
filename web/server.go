// Package web serves callboard over HTTP: the Backstage-compatible JSON API
// under /api and, later, the portal's pages.
package web

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"callboard/catalog"
)

// Options are the server's settings.
type Options struct {
	// Dev allows writes without authentication (the demo and local use).
	Dev bool
	// Tokens are static bearer tokens for machines
	// (backend.auth.externalAccess, type static): token -> subject.
	Tokens map[string]string
}

// Server is the HTTP handler of callboard.
type Server struct {
	log     *slog.Logger
	catalog *catalog.Service
	opts    Options
	mux     *http.ServeMux
}

// NewServer returns the handler serving every route in routes.go.
func NewServer(log *slog.Logger, cat *catalog.Service, opts Options) *Server {
	s := &Server{log: log, catalog: cat, opts: opts, mux: http.NewServeMux()}
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
