package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"callboard"
)

// audit records one write: in the audit log when one is configured, and as
// a structured log line with audit=true always. err decides the outcome:
// nil is success, Forbidden is denied, anything else failure. A failing
// audit log is logged, never the caller's error: the write has happened.
func (s *Server) audit(r *http.Request, action, target string, err error, details map[string]any) {
	s.auditAs(r, callboard.PrincipalFrom(r.Context()).Subject, action, target, err, details)
}

// auditTask records a scaffolder task write under the actor the task
// itself records (taskActor): in dev mode that is Backstage's guest, not
// nobody, so the log and the task page name the same creator.
func (s *Server) auditTask(r *http.Request, action, target string, err error, details map[string]any) {
	s.auditAs(r, s.taskActor(r).Subject, action, target, err, details)
}

func (s *Server) auditAs(r *http.Request, actor, action, target string, err error, details map[string]any) {
	ev := callboard.AuditEvent{
		Time: time.Now().UTC(), Actor: actor, Action: action, Target: target,
		Outcome: callboard.OutcomeSuccess, RequestID: requestID(r), Details: details,
	}
	if err != nil {
		ev.Outcome = callboard.OutcomeFailure
		if callboard.ErrorKind(err) == callboard.Forbidden {
			ev.Outcome = callboard.OutcomeDenied
		}
		if ev.Details == nil {
			ev.Details = map[string]any{}
		}
		ev.Details["error"] = callboard.ErrorMessage(err)
	}
	s.log.Info("audit", "audit", true, "actor", ev.Actor, "action", ev.Action, "target", ev.Target,
		"outcome", ev.Outcome, "request_id", ev.RequestID, "details", ev.Details)
	if s.opts.Audit == nil {
		return
	}
	if err := s.opts.Audit.RecordAudit(r.Context(), ev); err != nil {
		s.log.Error("audit log write failed", "action", action, "target", target, "err", err)
	}
}

// requestID returns the request's X-Request-Id, or a new random one that
// is then set on the request, so that every record of it shares the ID.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" {
		return id
	}
	b := make([]byte, 8)
	rand.Read(b)
	id := hex.EncodeToString(b)
	r.Header.Set("X-Request-Id", id)
	return id
}

// handleAuditEvents is GET /api/audit/events?actor=&action=&target=&since=&limit=:
// the audit log, newest first, for holders of audit.read. since is an
// RFC 3339 time or a duration back from now ("24h").
func (s *Server) handleAuditEvents(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Audit == nil {
		return callboard.Errorf(callboard.NotFound, "this instance keeps no audit log")
	}
	if s.opts.Authorizer == nil && !s.opts.Dev && callboard.PrincipalFrom(r.Context()).Anonymous() {
		// No policy: the log is still not for anonymous callers.
		return callboard.Errorf(callboard.Unauthenticated, "the audit log needs a signed-in caller")
	}
	if err := s.authorize(r, callboard.PermAuditRead, nil, "the audit log"); err != nil {
		return err
	}
	q := r.URL.Query()
	f := callboard.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target")}
	if since := strings.TrimSpace(q.Get("since")); since != "" {
		if t, err := time.Parse(time.RFC3339, since); err == nil {
			f.Since = t
		} else if d, err := time.ParseDuration(since); err == nil && d > 0 {
			f.Since = time.Now().Add(-d)
		} else {
			return callboard.Errorf(callboard.Invalid, "Invalid since %q, expected an RFC 3339 time such as 2026-11-26T04:00:00Z or a duration such as 24h", since)
		}
	}
	var err error
	if f.Limit, err = intParam(q, "limit", 100, 1); err != nil {
		return err
	}
	events, err := s.opts.Audit.AuditEvents(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": events})
}
