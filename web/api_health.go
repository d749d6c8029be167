package web

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"callboard"
)

// ReadyCheck is one condition of readiness besides the catalog's index:
// Check returns nil when it holds, or a callboard.Error whose Message
// says what is not ready. The body shows that message only (never the
// wrapped cause, which may name hosts or users); the cause is logged.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// readyTimeout bounds the readiness checks, so a hung database makes the
// probe fail rather than hang.
const readyTimeout = 2 * time.Second

// handleHealth is /healthz and Backstage's liveness: the process is up
// and answering.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "entities": s.catalog.Len()})
}

// readyBody is the /readyz answer, in Backstage's readiness shape (status
// "ok" or "error", a message when not ready) with one entry per check.
type readyBody struct {
	Status  string            `json:"status"`
	Message string            `json:"message,omitempty"`
	Checks  map[string]string `json:"checks"`
}

// handleReady is /readyz and Backstage's readiness: 200 when the server
// should get traffic (not stopping, the stored catalog loaded into the
// index, every ReadyCheck passing: database reachable, migrations
// applied), else 503 naming what is not ready.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	body := readyBody{Status: "ok", Checks: map[string]string{}}
	if s.opts.Stopping != nil && s.opts.Stopping() {
		body.Checks["server"] = "shutting down"
	}
	select {
	case <-s.catalog.Loaded():
		body.Checks["index"] = "ok"
	default:
		body.Checks["index"] = "loading the stored catalog"
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	for _, c := range s.opts.ReadyChecks {
		body.Checks[c.Name] = "ok"
		if err := c.Check(ctx); err != nil {
			body.Checks[c.Name] = readyMessage(err)
			s.log.Warn("readiness check failed", "check", c.Name, "err", err)
		}
	}
	var failing []string
	for name, state := range body.Checks {
		if state != "ok" {
			failing = append(failing, name+": "+state)
		}
	}
	if len(failing) == 0 {
		return writeJSON(w, http.StatusOK, body)
	}
	sort.Strings(failing)
	body.Status, body.Message = "error", "not ready: "+strings.Join(failing, "; ")
	return writeJSON(w, http.StatusServiceUnavailable, body)
}

// readyMessage is the part of a failed check's error the body shows.
func readyMessage(err error) string {
	var e *callboard.Error
	if errors.As(err, &e) && e.Kind != callboard.Internal && e.Message != "" {
		return e.Message
	}
	return "failed"
}

// metricsPath is where Options.Metrics is served.
func (s *Server) metricsPath() string {
	if s.opts.MetricsPath == "" {
		return "/metrics"
	}
	return s.opts.MetricsPath
}

// quietRoutes are the routes whose requests log at debug level: probes
// and scrapes, which come every few seconds.
func (s *Server) newQuietRoutes() map[string]bool {
	return map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /.backstage/health/v1/readiness": true,
		"GET /.backstage/health/v1/liveness": true, "GET " + s.metricsPath(): true}
}
