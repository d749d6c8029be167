package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"callboard"
	"callboard/auth"
	"callboard/auth/policy"
	"callboard/config"
	"callboard/web"
)

// servePermissions sets the web server's Authorizer and audit log from the
// permission section; extra are the plugins' permissions. The returned
// function watches the policy file until its context ends; it does nothing
// without a file.
func servePermissions(cfg *config.Config, opts *web.Options, audit callboard.AuditLog, log *slog.Logger, extra ...callboard.Permission) (func(context.Context), error) {
	pc, err := auth.ReadPermission(cfg)
	if err != nil {
		return nil, err
	}
	opts.Audit = audit
	idle := func(context.Context) {}
	if pc.Enabled != nil && !*pc.Enabled {
		if pc.PolicyFile != "" {
			return nil, fmt.Errorf("permission.policyFile is set but permission.enabled is false; remove one of them")
		}
		log.Warn("permission.enabled is false: every caller may do everything its sign-in allows")
		return idle, nil
	}
	if pc.PolicyFile == "" {
		pol, err := policy.Default(pc.AdminGroups, opts.Dev, extra...)
		if err != nil {
			return nil, fmt.Errorf("permission.adminGroups: %w", err)
		}
		opts.Authorizer = pol
		return idle, nil
	}
	if len(pc.AdminGroups) > 0 {
		return nil, fmt.Errorf("permission.adminGroups applies to the default policy only; name admins in %s", pc.PolicyFile)
	}
	record := func(pol *policy.Policy, err error) {
		ev := callboard.AuditEvent{Time: time.Now().UTC(), Action: "policy.reload", Target: pc.PolicyFile, Outcome: callboard.OutcomeSuccess}
		if err != nil {
			ev.Outcome = callboard.OutcomeFailure
			ev.Details = map[string]any{"error": err.Error()}
			log.Error("permission policy rejected; the previous policy stays in force", "file", pc.PolicyFile, "err", err)
		} else {
			ev.Details = map[string]any{"rules": len(pol.Rules)}
		}
		log.Info("audit", "audit", true, "actor", "", "action", ev.Action, "target", ev.Target, "outcome", ev.Outcome, "details", ev.Details)
		if err := audit.RecordAudit(context.Background(), ev); err != nil {
			log.Error("audit log write failed", "action", ev.Action, "err", err)
		}
	}
	w, err := policy.NewWatcher(pc.PolicyFile, record, extra...)
	if err != nil {
		return nil, fmt.Errorf("permission.policyFile: %w", err)
	}
	opts.Authorizer = w
	interval := time.Duration(pc.ReloadInterval)
	if interval <= 0 {
		interval = time.Second
	}
	log.Info("permission policy loaded", "file", pc.PolicyFile, "rules", len(w.Policy().Rules), "reload_interval", interval)
	return func(ctx context.Context) { w.Run(ctx, interval) }, nil
}
