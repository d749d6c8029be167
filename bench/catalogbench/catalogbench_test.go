package catalogbench_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard/bench/catalogbench"
	"callboard/bench/orggen"
	"callboard/catalog"
	"callboard/store"
)

// TestRun keeps the benchmark from rotting: a small org goes through every
// phase, every figure is filled in, and no request fails. It asserts no
// timings.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests 2,000 entities")
	}
	dir := t.TempDir()
	var progress bytes.Buffer
	rep, err := catalogbench.Run(t.Context(), catalogbench.Options{
		N: 2000, Dir: dir, Duration: 200 * time.Millisecond, SerialDuration: 50 * time.Millisecond, Concurrency: 4,
	}, &progress)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	if rep.Reused || rep.Generate <= 0 || rep.Files == 0 {
		t.Errorf("generate: Reused = %v, Generate = %v, Files = %d; want a fresh tree", rep.Reused, rep.Generate, rep.Files)
	}
	if rep.Loaded < 2000 {
		t.Errorf("Loaded = %d, want at least 2000", rep.Loaded)
	}
	for name, d := range map[string]time.Duration{
		"Ingest": rep.Ingest, "LastQueryable": rep.LastQueryable, "Startup": rep.Startup, "StartupLoad": rep.StartupLoad,
	} {
		if d <= 0 {
			t.Errorf("%s = %v, want > 0", name, d)
		}
	}
	if rep.LastQueryable < rep.Ingest {
		t.Errorf("LastQueryable = %v < Ingest = %v; it is measured from the ingest start", rep.LastQueryable, rep.Ingest)
	}
	if !strings.HasPrefix(rep.LastEntity, "component:default/") {
		t.Errorf("LastEntity = %q, want a component", rep.LastEntity)
	}
	if rep.PeakRSS == 0 || rep.HeapAfterGC == 0 || rep.DBBytes == 0 {
		t.Errorf("PeakRSS = %d, HeapAfterGC = %d, DBBytes = %d; want all > 0", rep.PeakRSS, rep.HeapAfterGC, rep.DBBytes)
	}
	want := []string{"by-name", "kind+type", "owner+fields", "facets", "full-text"}
	if len(rep.Queries) != len(want) {
		t.Fatalf("got %d query kinds, want %d", len(rep.Queries), len(want))
	}
	for i, q := range rep.Queries {
		if q.Name != want[i] {
			t.Errorf("query %d = %s, want %s", i, q.Name, want[i])
		}
		if q.Errors > 0 {
			t.Errorf("%s: %d errors, first: %s", q.Name, q.Errors, q.FirstError)
		}
		if q.Requests == 0 || q.P50 <= 0 || q.P99 < q.P50 || q.PerSec <= 0 || q.Serial == nil || q.Serial.Requests == 0 {
			t.Errorf("%s: incomplete result %+v", q.Name, q)
		}
	}

	// A second run reuses the tree, and the summary renders.
	rep2, err := catalogbench.Run(t.Context(), catalogbench.Options{
		N: 2000, Dir: dir, Duration: 50 * time.Millisecond, SerialDuration: -1, Concurrency: 2,
	}, io.Discard)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if !rep2.Reused {
		t.Errorf("second run: Reused = false, want the tree reused")
	}
	var out bytes.Buffer
	catalogbench.WriteSummary(&out, []*catalogbench.Report{rep, rep2}, 4, 200*time.Millisecond)
	for _, s := range []string{"N = 2,000", "by-name", "peak RSS", "startup", "367 s"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, out.String())
		}
	}
}

var benchN = flag.Int("catalogbench.n", 10000, "entities for BenchmarkIngest and BenchmarkLoad")

// mustTree generates an org of n entities once per test binary run.
func mustTree(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("catalogbench-org-n%d", n))
	if _, err := os.Stat(filepath.Join(dir, "catalog-info.yaml")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	if _, err := orggen.Generate(dir, n, 1); err != nil {
		b.Fatal(err)
	}
	return dir
}

func catalogOptions(root string) catalog.Options {
	return catalog.Options{
		Locations: []catalog.StaticLocation{{Type: catalog.TypeFile, Target: root}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}},
	}
}

// BenchmarkIngest measures catalog.New + ProcessAll(force) into a fresh
// SQLite file, for profiling the ingest:
//
//	go test ./bench/catalogbench -run '^$' -bench Ingest -benchtime 1x -catalogbench.n 100000 -cpuprofile cpu.out
func BenchmarkIngest(b *testing.B) {
	root := filepath.Join(mustTree(b, *benchN), "catalog-info.yaml")
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(b.Context(), "sqlite", filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cat := catalog.New(db, catalogOptions(root))
		if err := cat.ProcessAll(b.Context(), true); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if cat.Len() < *benchN {
			b.Fatalf("Len = %d, want %d", cat.Len(), *benchN)
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(*benchN)*float64(b.N)/b.Elapsed().Seconds(), "entities/s")
}

// BenchmarkLoad measures catalog.New + Load from a populated SQLite file:
// the bulk of a cold start.
func BenchmarkLoad(b *testing.B) {
	root := filepath.Join(mustTree(b, *benchN), "catalog-info.yaml")
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := store.Open(b.Context(), "sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	if err := catalog.New(db, catalogOptions(root)).ProcessAll(b.Context(), true); err != nil {
		b.Fatal(err)
	}
	db.Close()
	for b.Loop() {
		db, err := store.Open(b.Context(), "sqlite", path)
		if err != nil {
			b.Fatal(err)
		}
		cat := catalog.New(db, catalogOptions(""))
		if err := cat.Load(b.Context()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// TestRunKinds: the four-big-files layout ingests whole and is measured
// like the repos layout.
func TestRunKinds(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests 2,000 entities")
	}
	var progress bytes.Buffer
	rep, err := catalogbench.Run(t.Context(), catalogbench.Options{
		N: 2000, Layout: "kinds", Dir: t.TempDir(), Duration: 100 * time.Millisecond, SerialDuration: -1, Concurrency: 2,
	}, &progress)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	if rep.Files != 5 || rep.Layout != "kinds" {
		t.Errorf("Files = %d, Layout = %q; want 5 files of the kinds layout", rep.Files, rep.Layout)
	}
	if rep.Loaded < 2000 {
		t.Errorf("Loaded = %d, want at least 2000", rep.Loaded)
	}
	for _, q := range rep.Queries {
		if q.Errors > 0 {
			t.Errorf("%s: %d errors", q.Name, q.Errors)
		}
	}
}
