package catalog_test

import (
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"callboard/catalog"
)

// TestIngestMemoryLimit: the first pass over an empty catalog runs under
// Options.IngestMemoryLimit and then sets the steady one (here: the
// previous limit, restored); later passes leave it alone.
func TestIngestMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	var during []int64
	c := newTestCatalog(t, catalog.Options{
		Locations:         []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "a.yaml")}},
		IngestMemoryLimit: 123 << 20,
		MemoryLimit:       -1,
		ObserveRead: func(string, time.Duration, bool) {
			during = append(during, debug.SetMemoryLimit(-1))
		},
	})
	before := operatorLimit(t)
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
// 256 MiB); with MemoryLimit -1 it restores the previous one afterwards.
func TestIngestMemoryLimitDefault(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	var during []int64
	c := newTestCatalog(t, catalog.Options{
		Locations:   []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "a.yaml")}},
		MemoryLimit: -1,
		ObserveRead: func(string, time.Duration, bool) {
			during = append(during, debug.SetMemoryLimit(-1))
		},
	})
	before := operatorLimit(t)
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

// TestSteadyMemoryLimit: after the first pass the limit keeps following
// the live heap by default (at least 256 MiB, below the previous limit),
// or is fixed by Options.MemoryLimit; "off" (last, so that the next tests
// start with it) restores the limit before.
func TestSteadyMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	before := operatorLimit(t)
	for _, tc := range []struct {
		name   string
		steady int64
		ok     func(limit int64) bool
	}{
		{"follow", 0, func(l int64) bool { return l >= 256<<20 && l < before }},
		{"fixed", 300 << 20, func(l int64) bool { return l == 300<<20 }},
		{"off", -1, func(l int64) bool { return l == before }},
	} {
		c := newTestCatalog(t, catalog.Options{
			Locations:   []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "a.yaml")}},
			MemoryLimit: tc.steady,
		})
		if err := c.ProcessAll(t.Context(), true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond) // a tick of the loop, should it run
		if got := debug.SetMemoryLimit(-1); !tc.ok(got) {
			t.Errorf("%s: memory limit after the first pass = %d (before: %d)", tc.name, got, before)
		}
	}
}

// operatorLimit ends the steady limit that earlier tests' first passes
// left (a first pass with MemoryLimit -1 restores the limit the process
// started with) and returns that limit.
func operatorLimit(t *testing.T) int64 {
	t.Helper()
	if err := newTestCatalog(t, catalog.Options{MemoryLimit: -1}).ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	return debug.SetMemoryLimit(-1)
}
