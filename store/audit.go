package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"callboard"
)

// Audit query limits: the default page and the most one query returns.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// Interface guard.
var _ callboard.AuditLog = (*DB)(nil)

// RecordAudit appends an audit event; a zero Time is now. Errors: Internal.
func (db *DB) RecordAudit(ctx context.Context, ev callboard.AuditEvent) error {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	details := []byte("{}")
	if len(ev.Details) > 0 {
		var err error
		if details, err = json.Marshal(ev.Details); err != nil {
			return callboard.Wrap(callboard.Internal, err, "encode audit details")
		}
	}
	_, err := db.write.ExecContext(ctx, db.d.rebind(
		`INSERT INTO audit_events (at_us, actor, action, target, outcome, request_id, details) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		ev.Time.UnixMicro(), ev.Actor, ev.Action, ev.Target, ev.Outcome, ev.RequestID, string(details))
	if err != nil {
		return db.classify(err, "audit event")
	}
	db.wrote(1)
	return nil
}

// AuditEvents returns the events f selects, newest first. Action may end in
// "*" (or ".") to select a prefix such as "catalog.*". Errors: Invalid for a
// negative limit, Internal.
func (db *DB) AuditEvents(ctx context.Context, f callboard.AuditFilter) ([]callboard.AuditEvent, error) {
	if f.Limit < 0 {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid limit, must be zero or greater")
	}
	limit := f.Limit
	if limit == 0 {
		limit = defaultAuditLimit
	}
	limit = min(limit, maxAuditLimit)
	var where []string
	var args []any
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "*"); ok || strings.HasSuffix(f.Action, ".") {
		// substr, not LIKE: no wildcards in action names to escape.
		where, args = append(where, "substr(action, 1, ?) = ?"), append(args, len(prefix), prefix)
	} else if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at_us >= ?"), append(args, f.Since.UnixMicro())
	}
	q := `SELECT id, at_us, actor, action, target, outcome, request_id, details FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return nil, db.classify(err, "audit events")
	}
	defer rows.Close()
	out := []callboard.AuditEvent{}
	for rows.Next() {
		var ev callboard.AuditEvent
		var at int64
		var details string
		if err := rows.Scan(&ev.ID, &at, &ev.Actor, &ev.Action, &ev.Target, &ev.Outcome, &ev.RequestID, &details); err != nil {
			return nil, db.classify(err, "audit events")
		}
		ev.Time = time.UnixMicro(at).UTC()
		if details != "{}" {
			if err := json.Unmarshal([]byte(details), &ev.Details); err != nil {
				return nil, callboard.Wrap(callboard.Internal, err, "decode audit details of event %d", ev.ID)
			}
		}
		out = append(out, ev)
	}
	return out, db.classify(rows.Err(), "audit events")
}
