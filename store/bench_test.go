package store_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// benchN is the catalog size of the benchmarks; -bench.n=100000 is the
// reference workload of DESIGN.md.
var benchN = flag.Int("bench.n", 100000, "entities in store benchmarks")

// benchBatch is the PutEntities batch size of the ingest benchmark.
var benchBatch = flag.Int("bench.batch", 20000, "PutEntities batch size in store benchmarks")

// genCatalog returns n components shaped like the reference workload: each
// with an owner, a system, an API and a dependency, 6 edges (both directions
// of ownership and of the API), annotations, tags, links, a parent location
// and a body of 1 to 3 KB of JSON.
func genCatalog(n int) []*callboard.StoredEntity { return genEntities(0, n, n) }

// genEntities returns entities lo to hi-1 of genCatalog(n).
func genEntities(lo, hi, n int) []*callboard.StoredEntity {
	es := make([]*callboard.StoredEntity, hi-lo)
	const words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
	for k := range es {
		i := lo + k
		name := fmt.Sprintf("service-%06d", i)
		var notes strings.Builder // 0 to ~2 KB, varying by entity
		for range 1 + (i*37)%20 {
			notes.WriteString(words)
		}
		ref := "component:default/" + name
		owner := fmt.Sprintf("group:default/team-%03d", i%500)
		system := fmt.Sprintf("system:default/system-%03d", i%1000)
		api := fmt.Sprintf("api:default/api-%06d", i)
		dep := fmt.Sprintf("component:default/service-%06d", (i*7+1)%n)
		uid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		es[k] = &callboard.StoredEntity{
			UID: uid,
			Ref: ref,
			Entity: &callboard.Entity{
				APIVersion: "backstage.io/v1alpha1",
				Kind:       "Component",
				Metadata: callboard.Metadata{
					UID:         uid,
					Name:        name,
					Namespace:   "default",
					Title:       "Service " + name,
					Description: "The " + name + " service handles a part of the generated organisation's traffic.",
					Annotations: map[string]string{
						callboard.AnnotationManagedByLocation:       "url:https://github.com/org/" + name + "/blob/main/catalog-info.yaml",
						callboard.AnnotationManagedByOriginLocation: "url:https://github.com/org/catalog/blob/main/all.yaml",
						"github.com/project-slug":                   "org/" + name,
						callboard.AnnotationTechDocsRef:             "dir:.",
					},
					Labels: map[string]string{"tier": fmt.Sprint(i % 3)},
					Tags:   []string{"go", "grpc"},
					Links:  []callboard.Link{{URL: "https://grafana.example.com/d/" + name, Title: "Dashboard"}},
				},
				Spec: map[string]any{
					"type":         "service",
					"lifecycle":    "production",
					"owner":        owner,
					"system":       system,
					"providesApis": []any{api},
					"dependsOn":    []any{dep},
					"notes":        notes.String(),
				},
			},
			Edges: []callboard.Edge{
				{Source: ref, Type: callboard.RelationOwnedBy, Target: owner},
				{Source: owner, Type: callboard.RelationOwnerOf, Target: ref},
				{Source: ref, Type: callboard.RelationPartOf, Target: system},
				{Source: ref, Type: callboard.RelationProvidesAPI, Target: api},
				{Source: api, Type: callboard.RelationAPIProvidedBy, Target: ref},
				{Source: ref, Type: callboard.RelationDependsOn, Target: dep},
			},
			LocationKey: "url:https://github.com/org/catalog/blob/main/all.yaml",
			Parents:     []string{"location:default/generated-" + fmt.Sprint(i%100)},
			Hash:        fmt.Sprintf("%040x", i),
		}
	}
	return es
}

// ingest puts es in batches.
func ingest(b *testing.B, db *store.DB, es []*callboard.StoredEntity) {
	b.Helper()
	for lo := 0; lo < len(es); lo += *benchBatch {
		if err := db.PutEntities(b.Context(), es[lo:min(lo+*benchBatch, len(es))]); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU reports the CPU time the process spends per op from now on
// (all goroutines): a figure that, unlike ns/op, other load on the machine
// barely changes.
func measureCPU(b *testing.B) {
	start := cpuTime()
	b.Cleanup(func() {
		b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	})
}

// forIngested runs fn as a sub-benchmark per backend, on a database that
// holds es, measuring CPU from then on.
func forIngested(b *testing.B, es []*callboard.StoredEntity, fn func(b *testing.B, db *store.DB)) {
	forBackends(b, func(b *testing.B, be storetest.Backend) {
		db := be.Open(b)
		ingest(b, db, es)
		measureCPU(b)
		fn(b, db)
	})
}

// forBackends runs fn as a sub-benchmark per backend.
func forBackends(b *testing.B, fn func(b *testing.B, be storetest.Backend)) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) { fn(b, be) })
	}
}

// BenchmarkPutEntities ingests -bench.n entities (100,000 by default) into
// an empty database in calls of -bench.batch (20,000 by default), like the
// catalog's initial ingest. Each batch is generated just before its call,
// so that the process holds one batch, as the catalog does. Besides wall
// time per op it reports the CPU time of the process inside PutEntities
// (cpu-ms/op, all goroutines, background checkpoints included), the bytes
// it wrote through system calls (wrote-MB/op: database, WAL and temporary
// files), the database's size afterwards (db-MB), and its peak RSS (VmHWM,
// reset before each op) in all (peak-rss-MB) and above the RSS after the
// first batch was generated (rss-added-MB): what the store adds.
func BenchmarkPutEntities(b *testing.B) {
	forBackends(b, func(b *testing.B, be storetest.Backend) {
		var cpu time.Duration
		var wrote, peak, added, dbSize uint64
		for b.Loop() {
			b.StopTimer()
			driver, dsn := be.DSN(b)
			db, err := store.Open(b.Context(), driver, dsn)
			if err != nil {
				b.Fatal(err)
			}
			var rss0 uint64
			for lo := 0; lo < *benchN; lo += *benchBatch {
				b.StopTimer()
				es := genEntities(lo, min(lo+*benchBatch, *benchN), *benchN)
				if lo == 0 {
					runtime.GC()
					debug.FreeOSMemory()
					resetPeakRSS(b)
					rss0 = procStatus("VmRSS")
				}
				cpu0, wchar0 := cpuTime(), procIO("wchar")
				b.StartTimer()
				if err := db.PutEntities(b.Context(), es); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu += cpuTime() - cpu0
				wrote += procIO("wchar") - wchar0
			}
			cpu0, wchar0 := cpuTime(), procIO("wchar")
			b.StartTimer()
			if err := db.Close(); err != nil { // the last checkpoint
				b.Fatal(err)
			}
			b.StopTimer()
			cpu += cpuTime() - cpu0
			wrote += procIO("wchar") - wchar0
			hwm := procStatus("VmHWM")
			peak, added = max(peak, hwm), max(added, hwm-min(hwm, rss0))
			if driver == "sqlite" {
				dbSize = fileSizes(dsn + "*")
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(wrote)/float64(b.N)/(1<<20), "wrote-MB/op")
		b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
		b.ReportMetric(float64(added)/(1<<20), "rss-added-MB")
		if dbSize > 0 {
			b.ReportMetric(float64(dbSize)/(1<<20), "db-MB")
		}
		b.ReportMetric(float64(*benchN)*float64(b.N)/b.Elapsed().Seconds(), "entities/s")
	})
}

// procStatus returns a "kB" field of /proc/self/status in bytes; 0 where
// there is none.
func procStatus(key string) uint64 {
	data, _ := os.ReadFile("/proc/self/status")
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == key {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}

// procIO returns a field of /proc/self/io; 0 where there is none.
func procIO(key string) uint64 {
	data, _ := os.ReadFile("/proc/self/io")
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(line, ": "); ok && k == key {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// resetPeakRSS sets VmHWM to the current RSS (Linux 4.0 and later).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset VmHWM: %v", err)
	}
}

// fileSizes returns the total size of the files matching pattern.
func fileSizes(pattern string) uint64 {
	names, _ := filepath.Glob(pattern)
	var n uint64
	for _, name := range names {
		if fi, err := os.Stat(name); err == nil {
			n += uint64(fi.Size())
		}
	}
	return n
}

// BenchmarkScanEntities reads back the whole catalog.
func BenchmarkScanEntities(b *testing.B) {
	es := genCatalog(*benchN)
	forIngested(b, es, func(b *testing.B, db *store.DB) {
		for b.Loop() {
			n := 0
			err := db.ScanEntities(b.Context(), func(*callboard.StoredEntity) error { n++; return nil })
			if err != nil || n != len(es) {
				b.Fatalf("ScanEntities: %d entities, %v", n, err)
			}
		}
	})
}

// BenchmarkEntitiesByUID fetches 100 entities by uid from the catalog.
func BenchmarkEntitiesByUID(b *testing.B) {
	es := genCatalog(*benchN)
	forIngested(b, es, func(b *testing.B, db *store.DB) {
		uids := make([]string, 100)
		i := 0
		for b.Loop() {
			for j := range uids {
				uids[j] = es[(i*7919+j*104729)%len(es)].UID
			}
			i++
			got, err := db.EntitiesByUID(b.Context(), uids)
			if err != nil || got[99] == nil {
				b.Fatalf("EntitiesByUID: %v", err)
			}
		}
	})
}

// BenchmarkAppendEntityBodies reads the JSON bodies of 100 entities by uid
// into a reused buffer, as a list response's page does.
func BenchmarkAppendEntityBodies(b *testing.B) {
	es := genCatalog(*benchN)
	forIngested(b, es, func(b *testing.B, db *store.DB) {
		b.ReportAllocs()
		uids := make([]string, 100)
		var buf []byte
		i := 0
		for b.Loop() {
			for j := range uids {
				uids[j] = es[(i*7919+j*104729)%len(es)].UID
			}
			i++
			var got []callboard.EntityBody
			var err error
			buf, got, err = db.AppendEntityBodies(b.Context(), buf[:0], uids)
			if err != nil || got[99].JSON == nil {
				b.Fatalf("AppendEntityBodies: %v", err)
			}
		}
	})
}

// BenchmarkEntityByRef fetches one entity by ref from the catalog.
func BenchmarkEntityByRef(b *testing.B) {
	es := genCatalog(*benchN)
	forIngested(b, es, func(b *testing.B, db *store.DB) {
		i := 0
		for b.Loop() {
			if _, err := db.Entity(b.Context(), es[(i*7919)%len(es)].Ref); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkEdgesFrom fetches the edges of 100 entities.
func BenchmarkEdgesFrom(b *testing.B) {
	es := genCatalog(*benchN)
	forIngested(b, es, func(b *testing.B, db *store.DB) {
		refs := make([]string, 100)
		i := 0
		for b.Loop() {
			for j := range refs {
				refs[j] = es[(i*7919+j*104729)%len(es)].Ref
			}
			i++
			if _, err := db.EdgesFrom(b.Context(), refs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
