package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"callboard"
	"callboard/auth"
	"callboard/config"
	"callboard/store"
)

const sessionsUsage = `Usage:
  callboard sessions revoke --all [--config app-config.yaml]...
  callboard sessions revoke --user REF [--config app-config.yaml]...

Ends portal sign-in sessions in the database that --config names (the same
files serve reads): every session, or those of one user (REF as
user:default/jane, or jane). Their cookies and bearer tokens stop working at
the next request, on every replica. The revocation is recorded in the audit
log as auth.sessions.revoke.
`

func runSessions(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "revoke" {
		fmt.Fprint(stderr, sessionsUsage)
		return errSilent
	}
	fs := flag.NewFlagSet("sessions revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, sessionsUsage) }
	var configs stringList
	fs.Var(&configs, "config", "an app-config.yaml file; repeat to merge several, later wins")
	all := fs.Bool("all", false, "end every session")
	userRef := fs.String("user", "", "end the sessions of this user")
	if err := fs.Parse(args[1:]); err != nil {
		return errSilent
	}
	if fs.NArg() > 0 || *all == (*userRef != "") {
		fmt.Fprint(stderr, sessionsUsage)
		return fmt.Errorf("sessions revoke: give either --all or --user REF")
	}
	target := "all sessions"
	if *userRef != "" {
		ref, err := callboard.ParseRef(*userRef, "user", "")
		if err != nil {
			return fmt.Errorf("--user: %s", callboard.ErrorMessage(err))
		}
		if !strings.EqualFold(ref.Kind, "user") {
			return fmt.Errorf("--user: %s is not a user", ref)
		}
		target = ref.String()
	}
	cfg, err := config.Load(configs, getenv, os.ReadFile)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	db, err := store.Open(ctx, cfg.Backend.Database.Driver(), cfg.Backend.Database.DSN())
	if err != nil {
		return fmt.Errorf("open database (%s): %w", cfg.Backend.Database.Driver(), err)
	}
	defer db.Close()
	var n int64
	if *all {
		n, err = db.DeleteAllSessions(ctx)
	} else {
		n, err = db.DeleteUserSessions(ctx, target)
	}
	ev := callboard.AuditEvent{Time: time.Now().UTC(), Action: auth.ActionSessionsRevoke, Target: target,
		Outcome: callboard.OutcomeSuccess, Details: map[string]any{"count": n, "via": "callboard sessions revoke"}}
	if err != nil {
		ev.Outcome, ev.Details["error"] = callboard.OutcomeFailure, callboard.ErrorMessage(err)
	}
	if aerr := db.RecordAudit(ctx, ev); aerr != nil {
		fmt.Fprintf(stderr, "callboard: the audit log was not written: %v\n", aerr)
	}
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	fmt.Fprintf(stdout, "revoked %d session(s) (%s)\n", n, target)
	return nil
}
