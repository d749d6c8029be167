package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/store/storetest"
)

// TestAudit is the audit log's conformance suite, on every backend.
func TestAudit(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			ctx := t.Context()
			base := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
			events := []callboard.AuditEvent{
				{Time: base, Actor: "user:default/jane", Action: "catalog.location.create", Target: "url:https://x/catalog-info.yaml", Outcome: callboard.OutcomeSuccess, RequestID: "r1", Details: map[string]any{"type": "url"}},
				{Time: base.Add(time.Minute), Actor: "user:default/bob", Action: "catalog.entity.delete", Target: "component:default/a", Outcome: callboard.OutcomeDenied, RequestID: "r2"},
				{Time: base.Add(2 * time.Minute), Actor: "user:default/jane", Action: "catalog.entity.delete", Target: "component:default/a", Outcome: callboard.OutcomeSuccess, RequestID: "r3"},
				{Time: base.Add(3 * time.Minute), Actor: "", Action: "policy.reload", Target: "/etc/policy.yaml", Outcome: callboard.OutcomeFailure, Details: map[string]any{"error": "policy.yaml:3: rules[0].decision: missing"}},
				{Time: base.Add(4 * time.Minute), Actor: "external:ci", Action: "catalog.action_x", Target: "t", Outcome: callboard.OutcomeSuccess},
			}
			for _, ev := range events {
				if err := db.RecordAudit(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			ids := func(f callboard.AuditFilter) []string {
				t.Helper()
				got, err := db.AuditEvents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, ev := range got {
					out = append(out, ev.RequestID+"/"+ev.Action)
				}
				return out
			}
			for _, tc := range []struct {
				name string
				f    callboard.AuditFilter
				want []string
			}{
				{"all newest first", callboard.AuditFilter{}, []string{"/catalog.action_x", "/policy.reload", "r3/catalog.entity.delete", "r2/catalog.entity.delete", "r1/catalog.location.create"}},
				{"actor", callboard.AuditFilter{Actor: "user:default/jane"}, []string{"r3/catalog.entity.delete", "r1/catalog.location.create"}},
				{"action", callboard.AuditFilter{Action: "catalog.entity.delete"}, []string{"r3/catalog.entity.delete", "r2/catalog.entity.delete"}},
				{"action prefix", callboard.AuditFilter{Action: "catalog.entity.*"}, []string{"r3/catalog.entity.delete", "r2/catalog.entity.delete"}},
				// "_" is no wildcard.
				{"prefix literal", callboard.AuditFilter{Action: "catalog.action_*"}, []string{"/catalog.action_x"}},
				{"prefix literal miss", callboard.AuditFilter{Action: "catalog.actionxx*"}, nil},
				{"target", callboard.AuditFilter{Target: "component:default/a", Limit: 1}, []string{"r3/catalog.entity.delete"}},
				{"since", callboard.AuditFilter{Since: base.Add(2 * time.Minute)}, []string{"/catalog.action_x", "/policy.reload", "r3/catalog.entity.delete"}},
				{"combined", callboard.AuditFilter{Actor: "user:default/bob", Action: "catalog.*", Since: base}, []string{"r2/catalog.entity.delete"}},
			} {
				if diff := cmp.Diff(tc.want, ids(tc.f)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.name, diff)
				}
			}
			got, err := db.AuditEvents(ctx, callboard.AuditFilter{Action: "policy.reload"})
			if err != nil || len(got) != 1 {
				t.Fatalf("policy.reload events = %v, %v", got, err)
			}
			want := events[3]
			want.ID = got[0].ID
			if diff := cmp.Diff(want, got[0]); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if _, err := db.AuditEvents(ctx, callboard.AuditFilter{Limit: -1}); callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("negative limit: %v", err)
			}
		})
	}
}
