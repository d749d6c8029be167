package web_test

import (
	"callboard"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPermissionEntityButtons: the entity page offers Refresh, Unregister
// and Delete only to callers the policy lets do it to that entity.
func TestPermissionEntityButtons(t *testing.T) {
	env := newPermServerWith(t, permPolicy+`
  - name: admins unregister and read
    permission: [catalog.location.delete, catalog.entity.read]
    user: { groups: [admins] }
    decision: allow
`)
	// svc-001 (team-a's) leaves its file: an orphan, which owners may delete.
	data, err := os.ReadFile(env.file)
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "---\n")
	var kept []string
	for _, d := range docs {
		if !strings.Contains(d, "name: svc-001}") {
			kept = append(kept, d)
		}
	}
	if len(kept) != len(docs)-1 {
		t.Fatalf("svc-001 not found in %s", env.file)
	}
	if err := os.WriteFile(env.file, []byte(strings.Join(kept, "---\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := env.cat.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}

	// One entity from a registered location: the only kind Unregister
	// applies to (the others come from catalog.locations in app-config).
	reg := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(reg, []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: registered}\nspec: {type: service, lifecycle: production, owner: team-a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := env.cat.AddLocation(t.Context(), "file", reg, false); err != nil {
		t.Fatal(err)
	}

	buttons := regexp.MustCompile(`<span>(Refresh|Unregister)</span>|Delete this entity`)
	for _, tc := range []struct {
		user, page string
		want       string // the buttons shown, in page order
	}{
		{"jane", "component/svc-000", "Refresh"},
		{"jane", "api/shared-api", ""}, // visible to jane, owned by team-b
		{"bob", "api/shared-api", "Refresh"},
		{"admin", "component/svc-000", ""}, // from app-config: nothing to unregister
		{"admin", "component/registered", "Unregister"},
		{"jane", "component/registered", "Refresh"},
		{"jane", "component/svc-001", "Refresh Delete this entity"},
		{"admin", "component/svc-001", ""},
	} {
		status, body := fetchAs(t, env.srv, tc.user, "GET", "/catalog/default/"+tc.page, nil)
		if status != 200 {
			t.Fatalf("%s GET %s: status %d", tc.user, tc.page, status)
		}
		var got []string
		for _, m := range buttons.FindAllStringSubmatch(body, -1) {
			if m[1] != "" {
				got = append(got, m[1])
			} else {
				got = append(got, m[0])
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s on %s: buttons %q, want %q", tc.user, tc.page, got, tc.want)
		}
	}
	// Nothing of this is a denial in the audit log.
	if evs, err := env.db.AuditEvents(t.Context(), callboard.AuditFilter{}); err != nil || len(evs) != 0 {
		t.Errorf("audit events after page views = %+v, %v; want none", evs, err)
	}
}
