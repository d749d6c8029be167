package store_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// TestDeferredEdgeOrigins: a first ingest that defers edge_origins (SQLite)
// ends with the rows writing them as it went would have made; PostgreSQL
// declines to defer; a database that holds entities declines too; and a
// process that stopped before the rebuild gets it at the next Open.
func TestDeferredEdgeOrigins(t *testing.T) {
	const a, b, g = "component:default/a", "component:default/b", "group:default/t"
	want := map[string]int{a: 2, b: 1}
	wantG := []callboard.Edge{edge(g, callboard.RelationOwnerOf, a), edge(g, callboard.RelationOwnerOf, b)}
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			// Entities of their own: PutEntities sets their uid and time.
			ea := newEntity("a", "uid-a", edge(a, callboard.RelationDependsOn, b), edge(b, callboard.RelationDependencyOf, a),
				edge(a, callboard.RelationOwnedBy, g), edge(g, callboard.RelationOwnerOf, a))
			eb := newEntity("b", "uid-b", edge(b, callboard.RelationOwnedBy, g), edge(g, callboard.RelationOwnerOf, b))
			driver, dsn := be.DSN(t)
			db, err := store.Open(t.Context(), driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			deferred, err := db.DeferEdgeOrigins(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if deferred != (be.Name == "sqlite") {
				t.Fatalf("DeferEdgeOrigins on %s = %v", be.Name, deferred)
			}
			mustPut(t, db, ea)
			mustPut(t, db, eb)
			if deferred {
				if got := originCount(t, db); len(got) != 0 {
					t.Errorf("edge origins while deferred = %v, want none", got)
				}
				if err := db.RebuildEdgeOrigins(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(want, originCount(t, db)); diff != "" {
				t.Errorf("edge origins (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantG, mustEdgesFrom(t, db, g)); diff != "" {
				t.Errorf("EdgesFrom(group) (-want +got):\n%s", diff)
			}
			// Writes after the rebuild keep the table, as before.
			if err := db.DeleteEntities(t.Context(), []string{a}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]int{b: 1}, originCount(t, db)); diff != "" {
				t.Errorf("edge origins after delete (-want +got):\n%s", diff)
			}
			if again, err := db.DeferEdgeOrigins(t.Context()); err != nil || again {
				t.Errorf("DeferEdgeOrigins on a database with entities = %v, %v; want false", again, err)
			}
			db.Close()
			if be.Name != "sqlite" {
				return
			}

			// Stopped before the rebuild: Open does it.
			driver, dsn = be.DSN(t)
			db, err = store.Open(t.Context(), driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := db.DeferEdgeOrigins(t.Context()); err != nil || !ok {
				t.Fatalf("DeferEdgeOrigins on an empty database = %v, %v", ok, err)
			}
			mustPut(t, db, ea, eb)
			db.Close()
			db, err = store.Open(t.Context(), driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if diff := cmp.Diff(want, originCount(t, db)); diff != "" {
				t.Errorf("edge origins after reopening (-want +got):\n%s", diff)
			}
		})
	}
}
