package quality

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"callboard"
	"callboard/plugin/plugintest"
)

const testPolicy = `rules:
  - name: admins
    permission: "*"
    user: { groups: [group:default/admins] }
    decision: allow
  - name: everyone reads
    permission: [catalog.entity.read]
    decision: allow
  - name: the rest is for admins
    permission: "*"
    decision: deny
`

// TestDeleteOrphans: only admins may; a dry run lists the source orphans
// and deletes nothing; a confirmation deletes the named refs that are
// still orphans, skips the rest, and records each deletion in the audit
// log.
func TestDeleteOrphans(t *testing.T) {
	var mu sync.Mutex
	entities := []Stored{
		{Entity: ent("Component", "default", "old-a", nil), Orphan: true},
		{Entity: ent("Component", "default", "old-b", nil), Orphan: true},
		{Entity: ent("Component", "default", "live", nil)},
	}
	for i := range entities {
		entities[i].Entity.Metadata.UID = "uid-" + entities[i].Entity.Metadata.Name
	}
	var deleted []string
	q := New(Sources{
		Entities: func(ctx context.Context) ([]Stored, error) {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(entities), nil
		},
		Delete: func(ctx context.Context, uid string) error {
			mu.Lock()
			defer mu.Unlock()
			deleted = append(deleted, uid)
			entities = slices.DeleteFunc(entities, func(s Stored) bool { return s.Entity.Metadata.UID == uid })
			return nil
		},
	})
	p := plugintest.New(t, Plugin(q), plugintest.Options{Policy: testPolicy})
	q.src.Audit = p.DB
	admin := plugintest.User("user:default/root", "group:default/admins")
	jane := plugintest.User("user:default/jane", "group:default/payments")

	if code, body := p.Do(t, http.MethodPost, "/api/quality/orphans/delete", jane, strings.NewReader(`{"dryRun":true}`)); code != http.StatusForbidden {
		t.Fatalf("a non-admin's dry run = %d %s, want 403", code, body)
	}
	code, body := p.Do(t, http.MethodPost, "/api/quality/orphans/delete", admin, strings.NewReader(`{"dryRun":true}`))
	var dry DeleteResult
	if code != 200 || json.Unmarshal([]byte(body), &dry) != nil {
		t.Fatalf("dry run = %d %s", code, body)
	}
	var listed []string
	for _, o := range dry.Orphans {
		listed = append(listed, o.Entity)
	}
	if !dry.DryRun || !slices.Equal(listed, []string{"component:default/old-a", "component:default/old-b"}) || len(deleted) != 0 {
		t.Fatalf("dry run listed %v, deleted %v; want the two orphans and nothing deleted", listed, deleted)
	}
	if code, body := p.Do(t, http.MethodPost, "/api/quality/orphans/delete", admin, strings.NewReader(`{}`)); code != http.StatusBadRequest {
		t.Errorf("a confirmation naming nothing = %d %s, want 400", code, body)
	}

	code, body = p.Do(t, http.MethodPost, "/api/quality/orphans/delete", admin,
		strings.NewReader(`{"refs":["component:default/old-a","component:default/live","no kind"]}`))
	var done DeleteResult
	if code != 200 || json.Unmarshal([]byte(body), &done) != nil {
		t.Fatalf("confirm = %d %s", code, body)
	}
	if !slices.Equal(done.Deleted, []string{"component:default/old-a"}) || len(done.Skipped) != 2 || !slices.Equal(deleted, []string{"uid-old-a"}) {
		t.Errorf("confirm deleted %v (store: %v), skipped %+v; want old-a only, live and the bad ref skipped", done.Deleted, deleted, done.Skipped)
	}
	evs, err := p.DB.AuditEvents(t.Context(), callboard.AuditFilter{Action: "quality.orphan.delete"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Target != "component:default/old-a" || evs[0].Actor != "user:default/root" || evs[0].Outcome != callboard.OutcomeSuccess {
		t.Errorf("audit = %+v, want one success by root on old-a", evs)
	}
	// The report no longer lists it.
	if code, body := p.Get(t, "/api/quality/report", admin); code != 200 || strings.Contains(body, "old-a") || !strings.Contains(body, "old-b") {
		t.Errorf("report after the deletion = %d %s", code, body)
	}
}
