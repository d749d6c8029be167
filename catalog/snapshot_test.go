package catalog_test

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/store"
	"callboard/store/storetest"
)

// TestSnapshotLoad: a catalog loaded from a snapshot answers as one that
// read every entity, right after the snapshot, after changes the log
// names (re-read on top of it), and when the snapshot cannot be used
// (damaged, the log pruned past it), which falls back to the full load.
func TestSnapshotLoad(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testSnapshotLoad(t, b.Open(t)) })
	}
}

func testSnapshotLoad(t *testing.T, db *store.DB) {
	ctx := t.Context()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocationOf("./a.yaml", "./b.yaml", "./nested.yaml"))
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service")+"---\n"+component("svc-b", "team-a", "website"))
	writeFile(t, filepath.Join(dir, "b.yaml"), `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  title: Team Ä
spec:
  type: team
  children: []
---
`+component("svc-c", "team-a", "service")+`  dependsOn: [component:svc-a]
`)
	writeFile(t, filepath.Join(dir, "nested.yaml"), `apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: nested
spec:
  targets: [./c.yaml]
`)
	writeFile(t, filepath.Join(dir, "c.yaml"), component("svc-d", "team-b", "library"))
	opts := catalog.Options{Snapshots: db, Rules: allKinds,
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}}
	c := newTestCatalogOn(t, db, opts)
	mustProcess(t, c)
	if err := c.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	compareLoads(t, "right after the snapshot", db, opts, "loaded from snapshot")

	// Changes after the snapshot: an owner changed, an entity gone, a
	// new one, a relation's other end.
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-b", "service")+"---\n"+component("svc-e", "team-a", "website"))
	writeFile(t, filepath.Join(dir, "c.yaml"), component("svc-d", "team-a", "library"))
	mustProcess(t, c)
	compareLoads(t, "after changes", db, opts, "loaded from snapshot")

	// The processing after a restart from the snapshot goes on as usual.
	again := newTestCatalogOn(t, db, opts)
	writeFile(t, filepath.Join(dir, "c.yaml"), component("svc-d", "team-c", "library"))
	mustProcess(t, again)
	if got := mustEntity(t, again, "component:svc-d").SpecString("owner"); got != "team-c" {
		t.Errorf("owner after processing on a snapshot = %q, want team-c", got)
	}
	compareLoads(t, "after processing on a snapshot", db, opts, "loaded from snapshot")

	if _, err := db.PruneChanges(ctx, 0); err != nil {
		t.Fatal(err)
	}
	compareLoads(t, "log pruned past the snapshot", db, opts, "snapshot not used")

	if err := again.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	compareLoads(t, "a new snapshot", db, opts, "loaded from snapshot")
	_, newest, _, err := db.ChangeBounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCatalogSnapshot(ctx, newest.Seq, strings.NewReader("callboard catalog snapshot 1\n damaged")); err != nil {
		t.Fatal(err)
	}
	compareLoads(t, "damaged snapshot", db, opts, "snapshot not used")
}

// compareLoads loads the catalog twice from db, from the snapshot and
// reading every entity, and compares what they answer; the snapshot's
// load must log logWant.
func compareLoads(t *testing.T, name string, db *store.DB, opts catalog.Options, logWant string) {
	t.Helper()
	var logs bytes.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	opts.Locations = nil
	snap := catalog.New(db, opts)
	if err := snap.Load(t.Context()); err != nil {
		t.Fatalf("%s: Load from snapshot: %v", name, err)
	}
	if !strings.Contains(logs.String(), logWant) {
		t.Errorf("%s: log %q, want %q", name, logs.String(), logWant)
	}
	full := catalog.New(db, catalog.Options{Rules: allKinds})
	if err := full.Load(t.Context()); err != nil {
		t.Fatalf("%s: full Load: %v", name, err)
	}
	for _, f := range [][]string{nil, {"kind=component"}, {"relations.ownedby=group:default/team-a"}, {"relations.dependencyof"}, {"metadata.title=team ä"}} {
		q := index.Query{Filter: mustFilter(t, f...), Order: []index.Order{{Field: "metadata.name"}}}
		want, wantN, err := full.Query(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		got, gotN, err := snap.Query(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if gotN != wantN {
			t.Errorf("%s: %v matches %d, want %d", name, f, gotN, wantN)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %v (-full +snapshot):\n%s", name, f, diff)
		}
	}
	facets := []string{"kind", "spec.owner", "relations.ownedBy", "metadata.name"}
	if diff := cmp.Diff(full.Facets(t.Context(), facets, nil), snap.Facets(t.Context(), facets, nil)); diff != "" {
		t.Errorf("%s: facets (-full +snapshot):\n%s", name, diff)
	}
	ref := callboard.MustParseRef("component:svc-d")
	_, wantAnc, _ := full.Ancestry(t.Context(), ref)
	_, gotAnc, _ := snap.Ancestry(t.Context(), ref)
	if diff := cmp.Diff(wantAnc, gotAnc); diff != "" {
		t.Errorf("%s: ancestry (-full +snapshot):\n%s", name, diff)
	}
}
