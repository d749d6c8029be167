package catalog_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/index"
)

// TestRunPicksUpFileChanges runs the processing loop and edits a file: the
// change must show up in queries without any explicit refresh.
func TestRunPicksUpFileChanges(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "catalog-info.yaml")
	writeFile(t, target, component("svc-a", "team-a", "service"))
	c := newTestCatalog(t, catalog.Options{WatchInterval: 20 * time.Millisecond,
		Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	<-c.Ready()
	mustEntity(t, c, "component:svc-a")

	writeFile(t, target, component("svc-a", "team-b", "service")+"---\n"+component("svc-new", "team-b", "website"))
	waitFor(t, "svc-new with its owner to be queryable", func() bool {
		_, total, err := c.Query(t.Context(), index.Query{Filter: mustFilter(t, "relations.ownedby=group:default/team-b")})
		return err == nil && total == 2
	})
	if e := mustEntity(t, c, "component:svc-a"); e.SpecString("owner") != "team-b" {
		t.Errorf("svc-a owner = %q, want team-b", e.SpecString("owner"))
	}

	if err := c.Refresh(t.Context(), "component:svc-new"); err != nil {
		t.Errorf("Refresh: %v", err)
	}
	if err := c.Refresh(t.Context(), "component:nope"); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("Refresh of a missing entity: %v, want NotFound", err)
	}
}

// waitFor polls cond for up to 10 s; the catalog aims at well under one
// second, which the benchmark measures, so this only guards correctness.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
