package callboard

import (
	"context"
	"time"
)

// AuditEvent is one recorded write: who did what to which target, and how
// it ended.
type AuditEvent struct {
	ID        int64          `json:"id"`
	Time      time.Time      `json:"time"`      // UTC; set by the recorder when zero
	Actor     string         `json:"actor"`     // Principal.Subject; "" for anonymous (dev mode), except scaffolder tasks: their creator, user:development/guest
	Action    string         `json:"action"`    // e.g. "catalog.entity.delete", "policy.reload"
	Target    string         `json:"target"`    // entity ref, location id, task id or file
	Outcome   string         `json:"outcome"`   // "success", "denied" or "failure"
	RequestID string         `json:"requestId"` // the request's X-Request-Id, if any
	Details   map[string]any `json:"details,omitempty"`
}

// The outcomes of an audit event.
const (
	OutcomeSuccess = "success"
	OutcomeDenied  = "denied"
	OutcomeFailure = "failure"
)

// AuditFilter selects audit events; zero fields select everything.
type AuditFilter struct {
	Actor  string
	Action string // exact, or a prefix ending in "." or "*" such as "catalog.*"
	Target string
	Since  time.Time
	Limit  int // newest first; 0 means 100
}

// AuditLog stores audit events. Errors: Invalid for a bad filter,
// Internal otherwise.
type AuditLog interface {
	RecordAudit(ctx context.Context, ev AuditEvent) error
	// AuditEvents returns matching events, newest first.
	AuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}
