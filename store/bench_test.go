package store_test

import (
	"flag"
	"fmt"
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
var benchBatch = flag.Int("bench.batch", 2000, "PutEntities batch size in store benchmarks")

// genCatalog returns n components shaped like the reference workload: each
// with an owner, a system, an API and a dependency, with both directions of
// each relation (5 edges), annotations, tags, links and a parent location.
func genCatalog(n int) []*callboard.StoredEntity {
	es := make([]*callboard.StoredEntity, n)
	for i := range es {
		name := fmt.Sprintf("service-%06d", i)
		ref := "component:default/" + name
		owner := fmt.Sprintf("group:default/team-%03d", i%500)
		system := fmt.Sprintf("system:default/system-%03d", i%1000)
		api := fmt.Sprintf("api:default/api-%06d", i)
		dep := fmt.Sprintf("component:default/service-%06d", (i*7+1)%n)
		uid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		es[i] = &callboard.StoredEntity{
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

// forBackends runs fn as a sub-benchmark per backend.
func forBackends(b *testing.B, fn func(b *testing.B, be storetest.Backend)) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) { fn(b, be) })
	}
}

// BenchmarkPutEntities ingests -bench.n entities (100,000 by default) into
// an empty database in batches of -bench.batch.
func BenchmarkPutEntities(b *testing.B) {
	es := genCatalog(*benchN)
	forBackends(b, func(b *testing.B, be storetest.Backend) {
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			db := be.Open(b)
			start := cpuTime()
			b.StartTimer()
			ingest(b, db, es)
			cpu += cpuTime() - start
		}
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(*benchN)*float64(b.N)/b.Elapsed().Seconds(), "entities/s")
	})
}

// BenchmarkScanEntities reads back the whole catalog.
func BenchmarkScanEntities(b *testing.B) {
	es := genCatalog(*benchN)
	forBackends(b, func(b *testing.B, be storetest.Backend) {
		db := be.Open(b)
		ingest(b, db, es)
		measureCPU(b)
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
	forBackends(b, func(b *testing.B, be storetest.Backend) {
		db := be.Open(b)
		ingest(b, db, es)
		measureCPU(b)
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

// BenchmarkEntityByRef fetches one entity by ref from the catalog.
func BenchmarkEntityByRef(b *testing.B) {
	es := genCatalog(*benchN)
	forBackends(b, func(b *testing.B, be storetest.Backend) {
		db := be.Open(b)
		ingest(b, db, es)
		measureCPU(b)
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
	forBackends(b, func(b *testing.B, be storetest.Backend) {
		db := be.Open(b)
		ingest(b, db, es)
		measureCPU(b)
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
