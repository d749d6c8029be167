package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// requestWriter records what the handler answered, for the request's log
// line and metrics; the route is the mux pattern that matched.
type requestWriter struct {
	http.ResponseWriter
	status int
	routed *http.Request // the request the mux saw; its Pattern is the route
}

func (w *requestWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *requestWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (event
// streams flush and extend their deadlines through it).
func (w *requestWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on, for handlers that assert http.Flusher.
func (w *requestWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// beginRequest gives r its request ID and echoes it in the answer. The ID
// is the caller's X-Request-Id when it is a plausible one (a load balancer
// or a client tracing its call), else a new random one; requestID reads it
// later for audit events.
func beginRequest(w http.ResponseWriter, r *http.Request) *requestWriter {
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
		r.Header.Set("X-Request-Id", id)
	}
	w.Header().Set("X-Request-Id", id)
	return &requestWriter{ResponseWriter: w}
}

// validRequestID accepts up to 128 characters of letters, digits and
// -_.:+/= (UUIDs, hex, base64, trace IDs), so that a caller's ID cannot
// forge log lines or bloat them.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '='
		if !ok {
			return false
		}
	}
	return true
}

// endRequest writes the request's log line and reports it to the
// metrics. The line has the path but never the query string or headers,
// where tokens travel. Probes and scrapes log at debug level: they come
// every few seconds.
func (s *Server) endRequest(w *requestWriter, r *http.Request, start time.Time) {
	took := time.Since(start)
	route := ""
	if w.routed != nil {
		route = w.routed.Pattern
	}
	if route == "" {
		// Refused before routing (sign-in, limits): name the route it
		// would have taken, so the label stays a pattern.
		_, route = s.mux.Handler(r)
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK // the handler wrote nothing
	}
	if s.opts.ObserveRequest != nil {
		s.opts.ObserveRequest(r.Method, route, status, took)
	}
	level := slog.LevelInfo
	if s.quietRoutes[route] {
		level = slog.LevelDebug
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	s.log.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
		slog.Int("status", status), slog.Float64("duration_ms", float64(took.Microseconds())/1000),
		slog.String("request_id", r.Header.Get("X-Request-Id")))
}
