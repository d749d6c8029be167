package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"callboard"
	"callboard/store/storetest"
	"callboard/web"
)

// A guest's task (dev mode, nobody signed in) is recorded in the audit log
// under the same actor the task names as its creator.
func TestAuditNamesGuestTaskActor(t *testing.T) {
	audit := storetest.Open(t)
	srv := newScaffolderServerWith(t, helloTemplate, web.Options{Dev: true, Audit: audit}, nil)
	resp, err := http.Post(srv.URL+"/api/scaffolder/v2/tasks", "application/json",
		strings.NewReader(`{"templateRef":"template:default/hello","values":{"name":"abc"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.ID == "" {
		t.Fatalf("create: status %d, id %q", resp.StatusCode, created.ID)
	}
	var task struct{ CreatedBy string }
	mustGet(t, srv, "/api/scaffolder/v2/tasks/"+created.ID, 200, &task)
	if task.CreatedBy != "user:development/guest" {
		t.Errorf("task createdBy %q, want Backstage's guest", task.CreatedBy)
	}
	evs, err := audit.AuditEvents(t.Context(), callboard.AuditFilter{Action: callboard.PermTaskCreate})
	if err != nil || len(evs) != 1 {
		t.Fatalf("audit events %+v, %v; want one task creation", evs, err)
	}
	if evs[0].Actor != task.CreatedBy || evs[0].Outcome != callboard.OutcomeSuccess {
		t.Errorf("audit event actor %q outcome %q, want %q success", evs[0].Actor, evs[0].Outcome, task.CreatedBy)
	}
}
