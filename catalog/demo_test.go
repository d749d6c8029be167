package catalog_test

import (
	"path/filepath"
	"testing"

	"callboard/catalog"
	"callboard/demo"
	"callboard/index"
)

// TestDemoCatalogReadsWithinRoots ingests the demo tree (nested Locations,
// globs, $text placeholders) embedded and from disk: the root rules must
// refuse nothing in it.
func TestDemoCatalogReadsWithinRoots(t *testing.T) {
	dir := t.TempDir()
	if err := demo.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts catalog.Options
	}{
		{"embedded", catalog.Options{Reader: &catalog.Reader{Embedded: demo.FS()},
			Locations: []catalog.StaticLocation{{Type: "embedded", Target: "/" + demo.Root}}}},
		{"file", catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, demo.Root)}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCatalog(t, tc.opts)
			mustProcess(t, c)
			if c.Len() < 50 {
				t.Errorf("Len() = %d, want the whole demo", c.Len())
			}
			all, _, err := c.Query(t.Context(), index.Query{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range all {
				if msg := statusMessages(e); msg != "" {
					t.Errorf("%s has errors:\n%s", e.Ref(), msg)
				}
			}
			if def := mustEntity(t, c, "api:payment-api").SpecString("definition"); len(def) < 100 {
				t.Errorf("payment-api definition = %q, want the $text file", def)
			}
		})
	}
}
