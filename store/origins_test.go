package store_test

import (
	"hash/fnv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// TestEdgeOrigins: edge_origins names exactly the entities whose stored
// edges start at another entity, through puts, replaces and deletes, and
// migration 0014 fills it from the stored edges.
func TestEdgeOrigins(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("Writes", func(t *testing.T) {
				t.Parallel()
				testOriginWrites(t, b.Open(t))
			})
			t.Run("MigrationFill", func(t *testing.T) {
				t.Parallel()
				testOriginFill(t, b)
			})
		})
	}
}

// originCount returns the number of rows of edge_origins per origin.
func originCount(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT origin_ref, COUNT(*) FROM edge_origins GROUP BY origin_ref`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var ref string
		var n int
		if err := rows.Scan(&ref, &n); err != nil {
			t.Fatal(err)
		}
		got[ref] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func testOriginWrites(t *testing.T, db *store.DB) {
	const a, b, c, g = "component:default/a", "component:default/b", "component:default/c", "group:default/t"
	ea := newEntity("a", "uid-a",
		edge(a, callboard.RelationDependsOn, b), edge(b, callboard.RelationDependencyOf, a),
		edge(a, callboard.RelationOwnedBy, g), edge(g, callboard.RelationOwnerOf, a),
		edge(a, callboard.RelationDependsOn, c), edge(c, callboard.RelationDependencyOf, a))
	eb := newEntity("b", "uid-b", edge(b, callboard.RelationOwnedBy, g), edge("Group:Default/T", callboard.RelationOwnerOf, b))
	mustPut(t, db, ea, eb)
	if diff := cmp.Diff(map[string]int{a: 3, b: 1}, originCount(t, db)); diff != "" {
		t.Errorf("edge origins after put (-want +got):\n%s", diff)
	}
	wantG := []callboard.Edge{edge(g, callboard.RelationOwnerOf, a), edge(g, callboard.RelationOwnerOf, b)}
	if diff := cmp.Diff(wantG, mustEdgesFrom(t, db, g)); diff != "" {
		t.Errorf("EdgesFrom(group) (-want +got):\n%s", diff)
	}

	// a no longer depends on c; the same put again changes nothing.
	ea2 := newEntity("a", "uid-a",
		edge(a, callboard.RelationDependsOn, b), edge(b, callboard.RelationDependencyOf, a),
		edge(a, callboard.RelationOwnedBy, g), edge(g, callboard.RelationOwnerOf, a))
	mustPut(t, db, ea2)
	mustPut(t, db, ea2)
	if diff := cmp.Diff(map[string]int{a: 2, b: 1}, originCount(t, db)); diff != "" {
		t.Errorf("edge origins after replace (-want +got):\n%s", diff)
	}
	if got := mustEdgesFrom(t, db, c); len(got) != 0 {
		t.Errorf("EdgesFrom(c) after replace = %v, want none", got)
	}

	if err := db.DeleteEntities(t.Context(), []string{a}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{b: 1}, originCount(t, db)); diff != "" {
		t.Errorf("edge origins after delete (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantG[1:], mustEdgesFrom(t, db, g)); diff != "" {
		t.Errorf("EdgesFrom(group) after delete (-want +got):\n%s", diff)
	}
}

// testOriginFill puts entities, takes the database back to before 0014
// (the copy tables it drops, no edge_origins, edges in 0001's flat form)
// and reopens it.
func testOriginFill(t *testing.T, b storetest.Backend) {
	const a, g = "component:default/a", "group:default/t"
	driver, dsn := b.DSN(t)
	db, err := store.Open(t.Context(), driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, db, newEntity("a", "uid-a", edge(a, callboard.RelationOwnedBy, g), edge(g, callboard.RelationOwnerOf, a)),
		newEntity("b", "uid-b"))
	for _, q := range []string{
		`DROP TABLE edge_origins`,
		`CREATE TABLE entity_edges (source_ref TEXT)`,
		`CREATE TABLE entity_parents (child_ref TEXT)`,
		`DELETE FROM schema_migrations WHERE version = '0014_edge_origins'`,
		`UPDATE entities SET edges = '["component:default/a","ownedBy","group:default/t","group:default/t","ownerOf","component:default/a"]'
			WHERE ref = 'component:default/a'`,
		`UPDATE entities SET edges = '[]' WHERE ref = 'component:default/b'`,
	} {
		if _, err := db.SQL().ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	db, err = store.Open(t.Context(), driver, dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if diff := cmp.Diff(map[string]int{a: 1}, originCount(t, db)); diff != "" {
		t.Errorf("edge origins after migration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]callboard.Edge{edge(g, callboard.RelationOwnerOf, a)}, mustEdgesFrom(t, db, g)); diff != "" {
		t.Errorf("EdgesFrom(group) after migration (-want +got):\n%s", diff)
	}
	want := []callboard.Edge{edge(a, callboard.RelationOwnedBy, g), edge(g, callboard.RelationOwnerOf, a)}
	if diff := cmp.Diff(want, mustEntity(t, db, a).Edges); diff != "" {
		t.Errorf("edges of a after migration (-want +got):\n%s", diff)
	}
	if got := mustEntity(t, db, "component:default/b").Edges; len(got) != 0 {
		t.Errorf("edges of b after migration = %v, want none", got)
	}
}

// TestSourceHash pins the hash that stored edge_origins rows hold: the
// 64-bit FNV-1a of the ref, as hash/fnv computes it.
func TestSourceHash(t *testing.T) {
	for _, ref := range []string{"", "group:default/t", "component:default/ü"} {
		h := fnv.New64a()
		h.Write([]byte(ref))
		if got, want := store.SourceHash(ref), int64(h.Sum64()); got != want {
			t.Errorf("sourceHash(%q) = %d, want %d", ref, got, want)
		}
	}
}
