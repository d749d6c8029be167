//go:build unix

package catalog_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"callboard/catalog"
)

// TestAttackPlaceholderFIFO: a FIFO inside the root would block the
// reader forever waiting for a writer; it is refused at once.
func TestAttackPlaceholderFIFO(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "catalog-info.yaml")
	writeFile(t, target, apiWithText("pay-api", "./spec.yaml"))
	if err := syscall.Mkfifo(filepath.Join(dir, "spec.yaml"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: target}}})
	mustProcess(t, c)
	mustRefusedPlaceholder(t, c, dir, "$text ./spec.yaml: refused: spec.yaml is not a regular file")
}
