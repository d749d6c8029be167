package store_test

import (
	"encoding/json"
	"testing"

	"callboard/store/storetest"
)

// TestStoredBodies: bodies read back as JSON whether stored compressed
// (SQLite) or as JSON (PostgreSQL, and SQLite rows written before bodies
// were compressed).
func TestStoredBodies(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			a, old := newEntity("a", "uid-a"), newEntity("old", "uid-old")
			mustPut(t, db, a, old)
			plain := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"old","namespace":"default","description":"before"}}`
			if _, err := db.SQL().ExecContext(t.Context(), db.Rebind(`UPDATE entities SET body = ? WHERE uid = ?`), plain, "uid-old"); err != nil {
				t.Fatal(err)
			}
			if got := mustEntity(t, db, old.Ref).Entity.Metadata.Description; got != "before" {
				t.Errorf("description of the JSON body = %q, want %q", got, "before")
			}
			_, bodies, err := db.AppendEntityBodies(t.Context(), nil, []string{"uid-a", "uid-old"})
			if err != nil {
				t.Fatal(err)
			}
			if string(bodies[1].JSON) != plain {
				t.Errorf("AppendEntityBodies(old) = %s, want %s", bodies[1].JSON, plain)
			}
			var m map[string]any
			if err := json.Unmarshal(bodies[0].JSON, &m); err != nil || m["kind"] != "Component" {
				t.Errorf("AppendEntityBodies(a) = %q (%v), want the entity's JSON", bodies[0].JSON, err)
			}
		})
	}
}
