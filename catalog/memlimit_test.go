package catalog_test

import (
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"callboard/catalog"
)

// TestIngestMemoryLimit: the first pass over an empty catalog runs under
// Options.IngestMemoryLimit and restores the previous limit; later passes
// leave it alone.
func TestIngestMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	var during []int64
	c := newTestCatalog(t, catalog.Options{
		Locations:         []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "a.yaml")}},
		IngestMemoryLimit: 123 << 20,
		ObserveRead: func(string, time.Duration, bool) {
			during = append(during, debug.SetMemoryLimit(-1))
		},
	})
	before := debug.SetMemoryLimit(-1)
	if err := c.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if len(during) == 0 || during[0] != 123<<20 {
		t.Errorf("memory limit during the first ingest = %v, want %d", during, 123<<20)
	}
	if after := debug.SetMemoryLimit(-1); after != before {
		t.Errorf("memory limit after = %d, want %d restored", after, before)
	}
	during = nil
	if err := c.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if len(during) == 0 || during[0] != before {
		t.Errorf("memory limit during a later pass = %v, want %d (untouched)", during, before)
	}
}

// TestIngestMemoryLimitDefault: without Options.IngestMemoryLimit the
// first pass runs under a limit that follows the live heap (at least
// 256 MiB) and restores the previous one afterwards.
func TestIngestMemoryLimitDefault(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	var during []int64
	c := newTestCatalog(t, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "a.yaml")}},
		ObserveRead: func(string, time.Duration, bool) {
			during = append(during, debug.SetMemoryLimit(-1))
		},
	})
	before := debug.SetMemoryLimit(-1)
	if err := c.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if len(during) == 0 || during[0] < 256<<20 || during[0] >= before {
		t.Errorf("memory limit during the first ingest = %v, want at least %d and below %d", during, 256<<20, before)
	}
	if after := debug.SetMemoryLimit(-1); after != before {
		t.Errorf("memory limit after = %d, want %d restored", after, before)
	}
}
