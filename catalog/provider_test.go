package catalog_test

import (
	"os"
	"path/filepath"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/store/storetest"
)

func TestApplyProvider(t *testing.T) {
	dir := t.TempDir()
	write := func(name, comp string) string {
		p := filepath.Join(dir, name)
		body := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + comp + "\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := write("a.yaml", "svc-a"), write("b.yaml", "svc-b")
	db := storetest.Open(t)
	c := newTestCatalogOn(t, db, catalog.Options{})
	loc := func(p string) callboard.Location { return callboard.Location{Type: "file", Target: p} }
	group := &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group",
		Metadata: callboard.Metadata{Name: "team-a"}, Spec: map[string]any{"type": "team", "children": []any{}}}
	err := c.ApplyProvider(t.Context(), "p1", callboard.ProviderMutation{
		Locations: []callboard.Location{loc(a), loc(b)}, Entities: []*callboard.Entity{group}})
	if err != nil {
		t.Fatal(err)
	}
	mustEntity(t, c, "component:default/svc-a")
	mustEntity(t, c, "component:default/svc-b")
	mustEntity(t, c, "group:default/team-a")
	if got := c.ProviderLocations("p1"); len(got) != 2 {
		t.Fatalf("ProviderLocations = %v", got)
	}

	// A scoped delta touches only its scope: b changes, a stays.
	write("b.yaml", "svc-b2")
	if err := c.ApplyProvider(t.Context(), "p1", callboard.ProviderMutation{Scope: b, Locations: []callboard.Location{loc(b)}}); err != nil {
		t.Fatal(err)
	}
	mustEntity(t, c, "component:default/svc-a")
	mustEntity(t, c, "component:default/svc-b2")
	mustEntity(t, c, "group:default/team-a")
	if _, err := c.Entity(t.Context(), callboard.MustParseRef("component:default/svc-b")); callboard.ErrorKind(err) != callboard.NotFound {
		t.Fatalf("renamed entity still there: %v", err)
	}

	// A restart keeps the provider's bucket; a full mutation without b and
	// without the group deletes them.
	c2 := newTestCatalogOn(t, db, catalog.Options{})
	if got := c2.ProviderLocations("p1"); len(got) != 2 {
		t.Fatalf("after restart ProviderLocations = %v", got)
	}
	mustProcess(t, c2) // a processing run must not drop provider roots
	mustEntity(t, c2, "component:default/svc-b2")
	if err := c2.ApplyProvider(t.Context(), "p1", callboard.ProviderMutation{Locations: []callboard.Location{loc(a)}}); err != nil {
		t.Fatal(err)
	}
	mustEntity(t, c2, "component:default/svc-a")
	for _, ref := range []string{"component:default/svc-b2", "group:default/team-a"} {
		if _, err := c2.Entity(t.Context(), callboard.MustParseRef(ref)); callboard.ErrorKind(err) != callboard.NotFound {
			t.Fatalf("%s survived a full mutation without it: %v", ref, err)
		}
	}
	if err := c2.ApplyProvider(t.Context(), "p1", callboard.ProviderMutation{Scope: "/elsewhere", Locations: []callboard.Location{loc(a)}}); callboard.ErrorKind(err) != callboard.Invalid {
		t.Fatalf("location outside scope: %v", err)
	}
}
