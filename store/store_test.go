package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// TestEntityStore is the conformance suite: every backend runs every case.
func TestEntityStore(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				fn   func(*testing.T, *store.DB)
			}{
				{"PutGet", testPutGet},
				{"ReplaceKeepsUID", testReplaceKeepsUID},
				{"EmptyUID", testEmptyUID},
				{"DuplicateUID", testDuplicateUID},
				{"Delete", testDelete},
				{"EntitiesByUID", testEntitiesByUID},
				{"ScanEntities", testScanEntities},
				{"EdgesFrom", testEdgesFrom},
				{"RefCase", testRefCase},
				{"Locations", testLocations},
				{"NotFound", testNotFound},
				{"Concurrent", testConcurrent},
				{"LargeBatch", testLargeBatch},
				{"UnencodableBody", testUnencodableBody},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, b.Open(t))
				})
			}
			t.Run("ReopenMigrations", func(t *testing.T) {
				t.Parallel()
				testReopen(t, b)
			})
		})
	}
}

// newEntity returns a component with the given name, uid and edges.
func newEntity(name, uid string, edges ...callboard.Edge) *callboard.StoredEntity {
	ref := "component:default/" + name
	return &callboard.StoredEntity{
		UID: uid,
		Ref: ref,
		Entity: &callboard.Entity{
			APIVersion: "backstage.io/v1alpha1",
			Kind:       "Component",
			Metadata:   callboard.Metadata{UID: uid, Name: name, Namespace: "default"},
			Spec:       map[string]any{"type": "service", "lifecycle": "production", "owner": "group:default/team"},
		},
		Edges:       edges,
		LocationKey: "url:https://example.com/catalog-info.yaml",
		Parents:     []string{"location:default/root"},
		Hash:        "h-" + name,
	}
}

func edge(source, typ, target string) callboard.Edge {
	return callboard.Edge{Source: source, Type: typ, Target: target}
}

func mustPut(t *testing.T, db *store.DB, entities ...*callboard.StoredEntity) {
	t.Helper()
	if err := db.PutEntities(t.Context(), entities); err != nil {
		t.Fatalf("PutEntities(%d entities): %v", len(entities), err)
	}
}

func mustEntity(t *testing.T, db *store.DB, ref string) *callboard.StoredEntity {
	t.Helper()
	se, err := db.Entity(t.Context(), ref)
	if err != nil {
		t.Fatalf("Entity(%s): %v", ref, err)
	}
	return se
}

func mustEdgesFrom(t *testing.T, db *store.DB, refs ...string) []callboard.Edge {
	t.Helper()
	edges, err := db.EdgesFrom(t.Context(), refs)
	if err != nil {
		t.Fatalf("EdgesFrom(%v): %v", refs, err)
	}
	return edges
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ignoreEntity compares StoredEntity fields other than the body, whose JSON
// the tests compare instead.
var ignoreEntity = cmpopts.IgnoreFields(callboard.StoredEntity{}, "Entity")

func testPutGet(t *testing.T, db *store.DB) {
	in := newEntity("svc", "uid-1",
		edge("component:default/svc", callboard.RelationOwnedBy, "group:default/team"),
		edge("group:default/team", callboard.RelationOwnerOf, "component:default/svc"))
	in.Entity.Metadata.Title = "Service"
	in.Entity.Metadata.Labels = map[string]string{"tier": "1"}
	in.Entity.Metadata.Annotations = map[string]string{callboard.AnnotationSourceLocation: "url:https://x/"}
	in.Entity.Metadata.Tags = []string{"go", "web"}
	in.Entity.Metadata.Links = []callboard.Link{{URL: "https://x", Title: "X"}}
	in.Entity.Metadata.Extra = map[string]any{"custom": map[string]any{"a": []any{"b", 1.5, true}}, "note": "é \"q\" \n"}
	in.Entity.Spec["nested"] = map[string]any{"list": []any{"x", map[string]any{"y": nil}}}
	in.Entity.Status = &callboard.Status{Items: []callboard.StatusItem{{
		Type: callboard.StatusProcessing, Level: "error", Message: "boom",
		Error: &callboard.SerializedError{Name: "InputError", Message: "boom"},
	}}}
	in.Orphan = true
	in.Parents = []string{"location:default/a", "location:default/b"}
	before := time.Now().UTC().Add(-time.Second)
	mustPut(t, db, in)

	got := mustEntity(t, db, in.Ref)
	if diff := cmp.Diff(in, got, ignoreEntity); diff != "" {
		t.Errorf("Entity(%s) mismatch (-put +got):\n%s", in.Ref, diff)
	}
	if g, w := mustJSON(t, got.Entity), mustJSON(t, in.Entity); g != w {
		t.Errorf("Entity(%s) body = %s, want %s", in.Ref, g, w)
	}
	if got.UpdatedAt.Location() != time.UTC || got.UpdatedAt.Before(before) || got.UpdatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("UpdatedAt = %v, want UTC and about now", got.UpdatedAt)
	}
}

func testReplaceKeepsUID(t *testing.T, db *store.DB) {
	a := newEntity("a", "uid-a",
		edge("component:default/a", callboard.RelationDependsOn, "component:default/b"),
		edge("component:default/b", callboard.RelationDependencyOf, "component:default/a"))
	a.Parents = []string{"location:default/one"}
	mustPut(t, db, a)

	b := newEntity("a", "uid-a",
		edge("component:default/a", callboard.RelationDependsOn, "component:default/c"),
		edge("component:default/c", callboard.RelationDependencyOf, "component:default/a"))
	b.Parents = []string{"location:default/two"}
	b.Entity.Metadata.Description = "second"
	mustPut(t, db, b)

	got := mustEntity(t, db, "component:default/a")
	if diff := cmp.Diff(b, got, ignoreEntity); diff != "" {
		t.Errorf("after replace (-put +got):\n%s", diff)
	}
	if got.Entity.Metadata.Description != "second" {
		t.Errorf("Description = %q, want %q", got.Entity.Metadata.Description, "second")
	}
	want := []callboard.Edge{
		edge("component:default/a", callboard.RelationDependsOn, "component:default/c"),
		edge("component:default/c", callboard.RelationDependencyOf, "component:default/a"),
	}
	edges := mustEdgesFrom(t, db, "component:default/a", "component:default/b", "component:default/c")
	if diff := cmp.Diff(want, edges); diff != "" {
		t.Errorf("EdgesFrom after replace (-want +got):\n%s", diff)
	}
}

func testEmptyUID(t *testing.T, db *store.DB) {
	a := newEntity("a", "")
	mustPut(t, db, a)
	if a.UID == "" {
		t.Fatalf("PutEntities left UID empty")
	}
	first := a.UID
	again := newEntity("a", "")
	mustPut(t, db, again)
	if again.UID != first {
		t.Errorf("UID after second put = %q, want the stored %q", again.UID, first)
	}
	if got := mustEntity(t, db, a.Ref); got.UID != first {
		t.Errorf("stored UID = %q, want %q", got.UID, first)
	}
}

func testDuplicateUID(t *testing.T, db *store.DB) {
	mustPut(t, db, newEntity("a", "same"))
	err := db.PutEntities(t.Context(), []*callboard.StoredEntity{newEntity("b", "same")})
	if k := callboard.ErrorKind(err); k != callboard.Conflict {
		t.Errorf("PutEntities with another ref's uid: kind %q (%v), want %q", k, err, callboard.Conflict)
	}
	err = db.PutEntities(t.Context(), []*callboard.StoredEntity{{Ref: "component:default/x"}})
	if k := callboard.ErrorKind(err); k != callboard.Invalid {
		t.Errorf("PutEntities without Entity: kind %q (%v), want %q", k, err, callboard.Invalid)
	}
}

func testDelete(t *testing.T, db *store.DB) {
	a := newEntity("a", "uid-a",
		edge("component:default/a", callboard.RelationDependsOn, "component:default/b"),
		edge("component:default/b", callboard.RelationDependencyOf, "component:default/a"))
	b := newEntity("b", "uid-b",
		edge("component:default/b", callboard.RelationOwnedBy, "group:default/t"))
	mustPut(t, db, a, b)

	if err := db.DeleteEntities(t.Context(), []string{"component:default/a", "component:default/unknown"}); err != nil {
		t.Fatalf("DeleteEntities: %v", err)
	}
	if _, err := db.Entity(t.Context(), "component:default/a"); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("Entity(deleted) error = %v, want kind NotFound", err)
	}
	want := []callboard.Edge{edge("component:default/b", callboard.RelationOwnedBy, "group:default/t")}
	if diff := cmp.Diff(want, mustEdgesFrom(t, db, "component:default/a", "component:default/b")); diff != "" {
		t.Errorf("EdgesFrom after delete (-want +got):\n%s", diff)
	}
	got, err := db.EntitiesByUID(t.Context(), []string{"uid-a", "uid-b"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != nil || got[1] == nil {
		t.Errorf("EntitiesByUID after delete = [%v, %v], want [nil, b]", got[0], got[1])
	}
	if err := db.DeleteEntities(t.Context(), nil); err != nil {
		t.Errorf("DeleteEntities(nil) = %v", err)
	}
}

func testEntitiesByUID(t *testing.T, db *store.DB) {
	var all []*callboard.StoredEntity
	for i := range 3 {
		all = append(all, newEntity(fmt.Sprint("e", i), fmt.Sprint("uid-", i)))
	}
	mustPut(t, db, all...)
	got, err := db.EntitiesByUID(t.Context(), []string{"uid-2", "missing", "uid-0", "uid-2"})
	if err != nil {
		t.Fatalf("EntitiesByUID: %v", err)
	}
	var refs []string
	for _, se := range got {
		if se == nil {
			refs = append(refs, "<nil>")
			continue
		}
		refs = append(refs, se.Ref)
	}
	want := []string{"component:default/e2", "<nil>", "component:default/e0", "component:default/e2"}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("EntitiesByUID refs (-want +got):\n%s", diff)
	}
	buf, bodies, err := db.AppendEntityBodies(t.Context(), []byte("kept"), []string{"uid-2", "missing", "uid-0", "uid-2"})
	if err != nil {
		t.Fatalf("AppendEntityBodies: %v", err)
	}
	if len(bodies) != 4 || bodies[1].JSON != nil || bodies[1].Ref != "" ||
		!json.Valid(bodies[0].JSON) || !strings.Contains(string(bodies[0].JSON), `"name":"e2"`) || bodies[0].Ref != "component:default/e2" ||
		!json.Valid(bodies[2].JSON) || !strings.Contains(string(bodies[2].JSON), `"name":"e0"`) || bodies[2].Ref != "component:default/e0" ||
		string(bodies[3].JSON) != string(bodies[0].JSON) || bodies[3].Ref != bodies[0].Ref {
		t.Errorf("AppendEntityBodies = %q, want e2's, none, e0's, e2's", bodies)
	}
	if !strings.HasPrefix(string(buf), "kept") {
		t.Errorf("AppendEntityBodies overwrote the start of buf: %.20q", buf)
	}
	if got, err := db.EntitiesByUID(t.Context(), nil); err != nil || len(got) != 0 {
		t.Errorf("EntitiesByUID(nil) = %v, %v; want empty", got, err)
	}
	// More uids than one IN list holds.
	many := make([]string, 1500)
	for i := range many {
		many[i] = fmt.Sprint("nope-", i)
	}
	many[1400] = "uid-1"
	got, err = db.EntitiesByUID(t.Context(), many)
	if err != nil {
		t.Fatalf("EntitiesByUID(1500): %v", err)
	}
	if len(got) != 1500 || got[1400] == nil || got[1400].UID != "uid-1" || got[0] != nil {
		t.Errorf("EntitiesByUID(1500): element 1400 = %v, want uid-1", got[1400])
	}
}

func testScanEntities(t *testing.T, db *store.DB) {
	const n = 1234
	var all []*callboard.StoredEntity
	for i := range n {
		all = append(all, newEntity(fmt.Sprint("e", i), fmt.Sprint("uid-", i),
			edge(fmt.Sprint("component:default/e", i), callboard.RelationOwnedBy, "group:default/team")))
	}
	mustPut(t, db, all...)
	seen := map[string]bool{}
	err := db.ScanEntities(t.Context(), func(se *callboard.StoredEntity) error {
		if seen[se.Ref] {
			t.Errorf("ScanEntities: %s twice", se.Ref)
		}
		seen[se.Ref] = true
		if len(se.Edges) != 1 || se.Entity.Metadata.Name == "" {
			t.Errorf("ScanEntities: %s has %d edges, name %q", se.Ref, len(se.Edges), se.Entity.Metadata.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ScanEntities: %v", err)
	}
	if len(seen) != n {
		t.Errorf("ScanEntities saw %d entities, want %d", len(seen), n)
	}

	stop := errors.New("stop")
	calls := 0
	err = db.ScanEntities(t.Context(), func(*callboard.StoredEntity) error {
		calls++
		if calls == 10 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 10 {
		t.Errorf("ScanEntities stopping: err %v after %d calls, want %v after 10", err, calls, stop)
	}
}

func testEdgesFrom(t *testing.T, db *store.DB) {
	// Both a and the group emit the same ownership pair; EdgesFrom lists it once.
	a := newEntity("a", "uid-a",
		edge("component:default/a", callboard.RelationOwnedBy, "group:default/t"),
		edge("group:default/t", callboard.RelationOwnerOf, "component:default/a"),
		edge("component:default/a", callboard.RelationOwnedBy, "group:default/t")) // duplicate
	g := &callboard.StoredEntity{
		UID: "uid-g", Ref: "group:default/t",
		Entity: &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: callboard.Metadata{Name: "t"}},
		Edges: []callboard.Edge{
			edge("group:default/t", callboard.RelationOwnerOf, "component:default/a"),
			edge("component:default/a", callboard.RelationOwnedBy, "group:default/t"),
			edge("group:default/t", callboard.RelationChildOf, "group:default/org"),
		},
	}
	mustPut(t, db, a, g)
	want := []callboard.Edge{
		edge("group:default/t", callboard.RelationChildOf, "group:default/org"),
		edge("group:default/t", callboard.RelationOwnerOf, "component:default/a"),
	}
	if diff := cmp.Diff(want, mustEdgesFrom(t, db, "group:default/t", "group:default/nobody")); diff != "" {
		t.Errorf("EdgesFrom(group) (-want +got):\n%s", diff)
	}
	if got := mustEntity(t, db, "component:default/a"); len(got.Edges) != 2 {
		t.Errorf("entity a has %d edges, want 2 (duplicates dropped)", len(got.Edges))
	}
	if got := mustEdgesFrom(t, db); len(got) != 0 {
		t.Errorf("EdgesFrom() = %v, want none", got)
	}
}

func testRefCase(t *testing.T, db *store.DB) {
	in := newEntity("MyThing", "uid-x", edge("Component:Default/MyThing", callboard.RelationOwnedBy, "Group:Default/Team"))
	in.Ref = "Component:Default/MyThing"
	in.Parents = []string{"Location:Default/Root"}
	mustPut(t, db, in)
	got := mustEntity(t, db, "COMPONENT:default/mything")
	if got.Ref != "component:default/mything" {
		t.Errorf("Ref = %q, want lowercase", got.Ref)
	}
	if got.Entity.Metadata.Name != "MyThing" {
		t.Errorf("metadata.name = %q, want the body unchanged", got.Entity.Metadata.Name)
	}
	wantEdges := []callboard.Edge{edge("component:default/mything", callboard.RelationOwnedBy, "group:default/team")}
	if diff := cmp.Diff(wantEdges, got.Edges); diff != "" {
		t.Errorf("Edges (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantEdges, mustEdgesFrom(t, db, "Component:default/MYTHING")); diff != "" {
		t.Errorf("EdgesFrom (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"location:default/root"}, got.Parents); diff != "" {
		t.Errorf("Parents (-want +got):\n%s", diff)
	}
	if err := db.DeleteEntities(t.Context(), []string{"component:DEFAULT/mything"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Entity(t.Context(), "component:default/mything"); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("after case-insensitive delete: %v, want NotFound", err)
	}
	// An empty Ref comes from the entity.
	e := newEntity("Other", "uid-o")
	e.Ref = ""
	mustPut(t, db, e)
	mustEntity(t, db, "component:default/other")
}

func testLocations(t *testing.T, db *store.DB) {
	ctx := t.Context()
	if locs, err := db.Locations(ctx); err != nil || len(locs) != 0 {
		t.Fatalf("Locations on empty db = %v, %v", locs, err)
	}
	var created []callboard.Location
	for _, target := range []string{"https://x/1.yaml", "https://x/2.yaml", "https://x/3.yaml"} {
		l, err := db.CreateLocation(ctx, "url", target)
		if err != nil {
			t.Fatalf("CreateLocation(%s): %v", target, err)
		}
		if l.ID == "" || l.Type != "url" || l.Target != target {
			t.Errorf("CreateLocation(%s) = %+v", target, l)
		}
		created = append(created, l)
	}
	_, err := db.CreateLocation(ctx, "url", "https://x/2.yaml")
	if k := callboard.ErrorKind(err); k != callboard.Conflict {
		t.Errorf("duplicate CreateLocation: kind %q (%v), want %q", k, err, callboard.Conflict)
	}
	if _, err := db.CreateLocation(ctx, "file", "https://x/2.yaml"); err != nil {
		t.Errorf("CreateLocation with another type: %v", err)
	}
	locs, err := db.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(created, locs[:3]); diff != "" || len(locs) != 4 {
		t.Errorf("Locations (-want +got, want 4):\n%s", diff)
	}
	got, err := db.Location(ctx, created[1].ID)
	if err != nil || got != created[1] {
		t.Errorf("Location(%s) = %+v, %v; want %+v", created[1].ID, got, err, created[1])
	}
	if err := db.DeleteLocation(ctx, created[1].ID); err != nil {
		t.Fatalf("DeleteLocation: %v", err)
	}
	if _, err := db.Location(ctx, created[1].ID); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("Location(deleted) error = %v, want NotFound", err)
	}
	if err := db.DeleteLocation(ctx, created[1].ID); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("DeleteLocation(deleted) error = %v, want NotFound", err)
	}
	moved, err := db.UpdateLocation(t.Context(), created[0].ID, "url", "https://example.com/moved.yaml")
	if err != nil || moved.ID != created[0].ID || moved.Target != "https://example.com/moved.yaml" {
		t.Errorf("UpdateLocation = %+v, %v", moved, err)
	}
	if got, err := db.Location(t.Context(), created[0].ID); err != nil || got.Target != "https://example.com/moved.yaml" {
		t.Errorf("Location after update = %+v, %v", got, err)
	}
	if _, err := db.UpdateLocation(t.Context(), "nope", "url", "x"); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("UpdateLocation(unknown) = %v, want NotFound", err)
	}
}

func testNotFound(t *testing.T, db *store.DB) {
	_, err := db.Entity(t.Context(), "component:default/x")
	if k := callboard.ErrorKind(err); k != callboard.NotFound {
		t.Fatalf("Entity(missing): kind %q (%v), want %q", k, err, callboard.NotFound)
	}
	if got, want := callboard.ErrorMessage(err), "entity component:default/x not found"; got != want {
		t.Errorf("Entity(missing) message = %q, want %q", got, want)
	}
	if _, err := db.Location(t.Context(), "nope"); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("Location(missing): %v, want NotFound", err)
	}
}

// testConcurrent runs writers and readers at once; none may fail (on SQLite:
// no SQLITE_BUSY).
func testConcurrent(t *testing.T, db *store.DB) {
	ctx := t.Context()
	const writers, readers, rounds, batch = 4, 4, 15, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				var es []*callboard.StoredEntity
				for i := range batch {
					// Writers overlap on half of their refs.
					name := fmt.Sprintf("w%d-%d", w%2, i+r%2*batch/2)
					es = append(es, newEntity(name, "uid-"+name,
						edge("component:default/"+name, callboard.RelationOwnedBy, "group:default/team")))
				}
				if err := db.PutEntities(ctx, es); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				if _, err := db.CreateLocation(ctx, "url", fmt.Sprintf("https://x/%d/%d", w, r)); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for range rounds {
				if _, err := db.Entity(ctx, "component:default/w0-1"); err != nil && callboard.ErrorKind(err) != callboard.NotFound {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				if _, err := db.EntitiesByUID(ctx, []string{"uid-w0-1", "uid-w1-3"}); err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				if err := db.ScanEntities(ctx, func(*callboard.StoredEntity) error { return nil }); err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				if _, err := db.EdgesFrom(ctx, []string{"component:default/w1-2"}); err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testLargeBatch puts more values than one statement may bind on either
// database (65535 on PostgreSQL).
func testLargeBatch(t *testing.T, db *store.DB) {
	if testing.Short() {
		t.Skip("large batch in -short mode")
	}
	const n = 7000 // 7000 × 12 entity columns, 35000 × 4 edge columns
	es := make([]*callboard.StoredEntity, n)
	for i := range es {
		ref := fmt.Sprint("component:default/e", i)
		es[i] = newEntity(fmt.Sprint("e", i), fmt.Sprint("uid-", i),
			edge(ref, callboard.RelationOwnedBy, "group:default/team"),
			edge("group:default/team", callboard.RelationOwnerOf, ref),
			edge(ref, callboard.RelationPartOf, "system:default/s"),
			edge("system:default/s", callboard.RelationHasPart, ref),
			edge(ref, callboard.RelationDependsOn, fmt.Sprint("component:default/e", (i+1)%n)))
	}
	mustPut(t, db, es...)
	mustPut(t, db, es...) // all replaced: the deletes are chunked too
	count := 0
	if err := db.ScanEntities(t.Context(), func(*callboard.StoredEntity) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("ScanEntities counted %d, want %d", count, n)
	}
	if got := mustEdgesFrom(t, db, "group:default/team"); len(got) != n {
		t.Errorf("EdgesFrom(group) = %d edges, want %d", len(got), n)
	}
	refs := make([]string, n)
	for i := range refs {
		refs[i] = es[i].Ref
	}
	if err := db.DeleteEntities(t.Context(), refs); err != nil {
		t.Fatal(err)
	}
	if got := mustEdgesFrom(t, db, "group:default/team", "system:default/s"); len(got) != 0 {
		t.Errorf("EdgesFrom after deleting all = %d edges, want 0", len(got))
	}
}

// testUnencodableBody puts a large batch with one body that JSON cannot
// encode, far from the start: the put fails as Invalid and writes nothing.
func testUnencodableBody(t *testing.T, db *store.DB) {
	es := make([]*callboard.StoredEntity, 20000)
	for i := range es {
		ref := fmt.Sprint("component:default/e", i)
		es[i] = newEntity(fmt.Sprint("e", i), fmt.Sprint("uid-", i),
			edge(ref, callboard.RelationOwnedBy, "group:default/team"))
	}
	es[15000].Entity.Spec = map[string]any{"bad": math.NaN()}
	err := db.PutEntities(t.Context(), es)
	if k := callboard.ErrorKind(err); k != callboard.Invalid {
		t.Fatalf("PutEntities with a NaN in a spec: kind %q (%v), want %q", k, err, callboard.Invalid)
	}
	if _, err := db.Entity(t.Context(), es[0].Ref); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("Entity after the failed put: %v, want NotFound", err)
	}
	if got := mustEdgesFrom(t, db, "component:default/e0"); len(got) != 0 {
		t.Errorf("EdgesFrom after the failed put = %v, want none", got)
	}
}

// testReopen opens one database three times: migrations apply once and the
// data stays.
func testReopen(t *testing.T, b storetest.Backend) {
	driver, dsn := b.DSN(t)
	ctx := t.Context()
	db, err := store.Open(ctx, driver, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustPut(t, db, newEntity("kept", "uid-kept"))
	db.Close()
	for range 2 {
		db, err = store.Open(ctx, driver, dsn)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		mustEntity(t, db, "component:default/kept")
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(mustMigrations(t, "migrations/sqlite")) {
			t.Errorf("schema_migrations has %d rows, want one per migration", n)
		}
		db.Close()
	}
}

func TestOpenUnknownDriver(t *testing.T) {
	_, err := store.Open(t.Context(), "mysql", "x")
	if k := callboard.ErrorKind(err); k != callboard.Invalid {
		t.Errorf("Open(mysql): kind %q (%v), want %q", k, err, callboard.Invalid)
	}
}

func TestOpenMemory(t *testing.T) {
	db, err := store.Open(t.Context(), "sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustPut(t, db, newEntity("a", "uid-a"))
	mustEntity(t, db, "component:default/a")
	if db.Dialect() != "sqlite" {
		t.Errorf("Dialect() = %q", db.Dialect())
	}
}

func TestMigrationNamesMatch(t *testing.T) {
	s, p := mustMigrations(t, "migrations/sqlite"), mustMigrations(t, "migrations/postgres")
	if diff := cmp.Diff(s, p); diff != "" {
		t.Errorf("migrations/sqlite and migrations/postgres differ (-sqlite +postgres):\n%s", diff)
	}
	if len(s) == 0 {
		t.Error("no migrations")
	}
}

func mustMigrations(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}
