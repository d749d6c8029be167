package auth

import (
	"net/http"

	"callboard"
)

// The audit actions of signing in and out.
const (
	ActionSignIn  = "auth.signin"
	ActionSignOut = "auth.signout"
	// ActionSessionsRevoke is callboard sessions revoke ending sessions.
	ActionSessionsRevoke = "auth.sessions.revoke"
)

// audit records a sign-in or sign-out in Options.Audit, when set. subject
// is who signed in or out ("" when a sign-in failed before anyone was
// known); err decides the outcome: nil success, Unauthenticated or
// Forbidden denied (a refused or forged sign-in), else failure. A failing
// audit log is logged, never the caller's error.
func (s *Service) audit(r *http.Request, action, provider, subject string, err error, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	details["provider"] = provider
	ev := callboard.AuditEvent{Actor: subject, Action: action, Target: subject, Outcome: callboard.OutcomeSuccess,
		RequestID: r.Header.Get("X-Request-Id"), Details: details}
	if ev.Target == "" {
		ev.Target = "provider " + provider
	}
	if err != nil {
		ev.Outcome = callboard.OutcomeFailure
		if k := callboard.ErrorKind(err); k == callboard.Unauthenticated || k == callboard.Forbidden {
			ev.Outcome = callboard.OutcomeDenied
		}
		details["error"] = callboard.ErrorMessage(err)
	}
	s.log.Info("audit", "audit", true, "actor", ev.Actor, "action", ev.Action, "target", ev.Target,
		"outcome", ev.Outcome, "request_id", ev.RequestID, "details", ev.Details)
	if s.opts.Audit == nil {
		return
	}
	if err := s.opts.Audit.RecordAudit(r.Context(), ev); err != nil {
		s.log.Error("audit log write failed", "action", action, "subject", subject, "err", err)
	}
}
