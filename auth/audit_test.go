package auth_test

import (
	"net/http"
	"testing"

	"callboard"
	"callboard/auth"
)

// auditOf returns the audit events of action, oldest first.
func (a *app) auditOf(t *testing.T, action string) []callboard.AuditEvent {
	t.Helper()
	evs, err := a.db.AuditEvents(t.Context(), callboard.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

func TestAuditSignInAndOut(t *testing.T) {
	a, gh := newGitHubApp(t, auth.GitHubConfig{})
	gh.SignInAs("JaneOnGitHub")
	if status, _, _ := a.get(t, "/api/auth/github/start", "X-Request-Id", "req-1"); status != http.StatusOK {
		t.Fatalf("sign-in: status %d", status)
	}
	// A second sign-in by a user the catalog does not know is refused.
	gh.SignInAs("stranger")
	if status, _, _ := a.get(t, "/api/auth/github/start"); status != http.StatusForbidden {
		t.Fatalf("stranger's sign-in: status %d, want 403", status)
	}
	ins := a.auditOf(t, auth.ActionSignIn)
	if len(ins) != 2 {
		t.Fatalf("auth.signin events = %+v, want 2", ins)
	}
	ok, refused := ins[0], ins[1]
	if ok.Actor != "user:default/jane" || ok.Target != "user:default/jane" || ok.Outcome != callboard.OutcomeSuccess ||
		ok.Details["provider"] != "github" || ok.RequestID != "req-1" {
		t.Errorf("sign-in event = %+v", ok)
	}
	if refused.Actor != "" || refused.Outcome != callboard.OutcomeDenied || refused.Details["provider"] != "github" ||
		refused.Details["username"] != "stranger" || refused.Details["error"] == nil {
		t.Errorf("refused sign-in event = %+v", refused)
	}

	// Jane's session is still the browser's (the refusal ended nothing);
	// logging out records her sign-out, and a second logout records none.
	a.logout(t, "github")
	a.logout(t, "github")
	outs := a.auditOf(t, auth.ActionSignOut)
	if len(outs) != 1 || outs[0].Actor != "user:default/jane" || outs[0].Outcome != callboard.OutcomeSuccess || outs[0].Details["provider"] != "github" {
		t.Errorf("auth.signout events = %+v, want one for jane", outs)
	}
}

func TestAuditGuestSignIn(t *testing.T) {
	a := newApp(t, auth.Options{Dev: true}, nil)
	if status, _, _ := a.get(t, "/api/auth/guest/start?redirectUrl=/x"); status != http.StatusOK {
		t.Fatalf("guest sign-in: status %d", status)
	}
	ins := a.auditOf(t, auth.ActionSignIn)
	if len(ins) != 1 || ins[0].Actor != "user:development/guest" || ins[0].Details["provider"] != "guest" || ins[0].Outcome != callboard.OutcomeSuccess {
		t.Errorf("guest auth.signin events = %+v", ins)
	}
}
