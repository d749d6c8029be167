package catalog_test

import (
	"os"
	"path/filepath"
	"testing"

	"callboard/catalog"
)

// BenchmarkReadInRoot reads a repo's catalog-info.yaml three directories
// below its location's root, as the catalog reads each of 47k files at 100k
// entities.
func BenchmarkReadInRoot(b *testing.B) {
	root := b.TempDir()
	dir := filepath.Join(root, "repos", "svc-00001-push")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	target := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(target, []byte("apiVersion: backstage.io/v1alpha1\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := catalog.ReadInRoot(root, root, target, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}
