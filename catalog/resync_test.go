package catalog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/store/storetest"
)

// failingStore refuses entity writes while fail is set, as a database that
// went away does.
type failingStore struct {
	callboard.EntityStore
	fail atomic.Bool
}

func (f *failingStore) PutEntities(ctx context.Context, es []*callboard.StoredEntity) error {
	if f.fail.Load() {
		return errors.New("connection refused")
	}
	return f.EntityStore.PutEntities(ctx, es)
}

// TestFailedWriteResyncs registers a location whose entity write fails:
// the next processing pass must write the entity, not skip it as already
// known from the graph the failed write changed.
func TestFailedWriteResyncs(t *testing.T) {
	fs := &failingStore{EntityStore: storetest.Open(t)}
	dir := t.TempDir()
	file := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(file, []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: resync}\nspec: {type: service, lifecycle: production, owner: team}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := catalog.New(fs, catalog.Options{Rules: allKinds, Locations: []catalog.StaticLocation{{Type: "file", Target: file}}})
	ctx := t.Context()
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	fs.fail.Store(true)
	if err := c.ProcessAll(ctx, true); err == nil {
		t.Fatal("ProcessAll succeeded while the store refused writes")
	}
	fs.fail.Store(false)
	if err := c.ProcessAll(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Entity(ctx, "component:default/resync"); err != nil {
		t.Errorf("after the store came back, the entity is not stored: %v", err)
	}
	if _, err := c.Entity(ctx, callboard.MustParseRef("component:default/resync")); err != nil {
		t.Errorf("after the store came back, the catalog does not serve the entity: %v", err)
	}
}
