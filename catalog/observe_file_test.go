package catalog_test

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"callboard"
	"callboard/catalog"
)

// TestObserveFile: each file read without problems is reported by its
// managed-by-location (data quality dates refreshes with it); a file with
// a syntax error is not.
func TestObserveFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "catalog-info.yaml"), filepath.Join(dir, "broken.yaml")
	writeFile(t, good, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc}\nspec: {type: service, owner: team-a, lifecycle: production}\n")
	writeFile(t, bad, "kind: [\n")
	var mu sync.Mutex
	var seen []string
	c := newTestCatalog(t, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: good}, {Type: "file", Target: bad}},
		ObserveFile: func(file string) {
			mu.Lock()
			seen = append(seen, file)
			mu.Unlock()
		},
	})
	mustProcess(t, c)
	want := mustEntity(t, c, "component:default/svc").Annotation(callboard.AnnotationManagedByLocation)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(seen, want) || slices.Contains(seen, "file:"+bad) {
		t.Errorf("observed %v; want %s and not the broken file", seen, want)
	}
}
