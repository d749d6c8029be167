package index_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"callboard"
	"callboard/index"
)

// The benchmarks run at catalog scale:
//
//	go test ./index/ -run '^$' -bench . -benchtime 2s
//
// and at a million with -index.n 1000000 (the Put benchmarks included).
var benchNFlag = flag.Int("index.n", 100_000, "entities the index benchmarks generate")

var words = strings.Fields(`payment ledger billing invoice checkout cart search catalog
	user account identity auth session token notification email sms push
	inventory warehouse shipping order pricing discount report analytics
	metrics logging tracing gateway proxy router scheduler queue stream
	profile media image video upload storage cache config feature flag`)

var tagWords = strings.Fields(`java go python typescript kotlin rust ruby scala
	grpc rest graphql kafka postgres mysql redis s3 k8s lambda frontend
	backend data ml security pci gdpr internal public beta legacy`)

// generate returns n realistic entities, the same for the same n: about 1%
// groups, 30% users, 2% systems, 40% components, 15% APIs and 12%
// resources, with owners, systems, tags, annotations, links and the
// relations (both directions) that processing would emit.
func generate(n int) []*callboard.Entity {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	teams := max(n/100, 3)
	systems := max(n/50, 2)
	uid := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x",
			r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xfff, r.Uint64()&0xffffffffffff)
	}
	pick := func(ws []string) string { return ws[r.IntN(len(ws))] }
	title := func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
	sentence := func() string {
		ws := make([]string, 6+r.IntN(8))
		for i := range ws {
			ws[i] = pick(words)
		}
		return title(strings.Join(ws, " ")) + "."
	}
	definition := strings.Repeat("openapi: 3.0.0 paths: /things: get: responses: 200 ", 8)

	es := make([]*callboard.Entity, 0, n)
	byRef := map[string]*callboard.Entity{}
	add := func(e *callboard.Entity) {
		if e.Metadata.Namespace == "" {
			e.Metadata.Namespace = "default"
		}
		e.APIVersion = "backstage.io/v1alpha1"
		e.Metadata.UID = uid()
		e.Metadata.Etag = uid()
		es = append(es, e)
		byRef[e.Ref().String()] = e
	}
	relate := func(from *callboard.Entity, typ, to string) {
		from.Relations = append(from.Relations, callboard.Relation{Type: typ, TargetRef: to})
		if t := byRef[to]; t != nil {
			t.Relations = append(t.Relations, callboard.Relation{Type: callboard.RelationInverse[typ], TargetRef: from.Ref().String()})
		}
	}
	annotations := func(repo int) map[string]string {
		a := map[string]string{
			callboard.AnnotationManagedByLocation:       fmt.Sprintf("url:https://github.com/acme/repo-%d/blob/main/catalog-info.yaml", repo),
			callboard.AnnotationManagedByOriginLocation: "url:https://github.com/acme/catalog/blob/main/all.yaml",
			"github.com/project-slug":                   fmt.Sprintf("acme/repo-%d", repo),
		}
		if repo%2 == 0 {
			a[callboard.AnnotationTechDocsRef] = "dir:."
		}
		if repo%97 == 0 {
			a[callboard.AnnotationOrphan] = "true"
		}
		return a
	}
	tags := func() []string {
		t := make([]string, 1+r.IntN(4))
		for i := range t {
			t[i] = pick(tagWords)
		}
		return slices.Compact(t)
	}
	lifecycles := []string{"production", "production", "experimental", "deprecated"}

	for i := range teams {
		g := &callboard.Entity{Kind: "Group", Metadata: callboard.Metadata{
			Name: fmt.Sprintf("team-%d", i), Description: sentence(),
			Annotations: map[string]string{callboard.AnnotationManagedByOriginLocation: "url:https://github.com/acme/org/blob/main/org.yaml"},
		}, Spec: map[string]any{"type": "team", "profile": map[string]any{"displayName": fmt.Sprintf("Team %d", i)}, "children": []any{}}}
		add(g)
		if i > 0 {
			relate(g, callboard.RelationChildOf, fmt.Sprintf("group:default/team-%d", (i-1)/10))
			g.Spec["parent"] = fmt.Sprintf("team-%d", (i-1)/10)
		}
	}
	for i := range systems {
		owner := fmt.Sprintf("group:default/team-%d", r.IntN(teams))
		s := &callboard.Entity{Kind: "System", Metadata: callboard.Metadata{
			Name: fmt.Sprintf("system-%d", i), Description: sentence(), Tags: tags(), Annotations: annotations(i),
		}, Spec: map[string]any{"owner": owner, "domain": fmt.Sprintf("domain-%d", i%20)}}
		add(s)
		relate(s, callboard.RelationOwnedBy, owner)
	}
	for i := 0; len(es) < n; i++ {
		owner := fmt.Sprintf("group:default/team-%d", r.IntN(teams))
		system := fmt.Sprintf("system-%d", r.IntN(systems))
		repo := i / 3
		var e *callboard.Entity
		switch b := i % 87; {
		case b < 30: // users
			name := fmt.Sprintf("%s.%s%d", pick(words), pick(words), i)
			team := fmt.Sprintf("team-%d", r.IntN(teams))
			e = &callboard.Entity{Kind: "User", Metadata: callboard.Metadata{
				Name:        name,
				Annotations: map[string]string{callboard.AnnotationManagedByOriginLocation: "url:https://github.com/acme/org/blob/main/org.yaml"},
			}, Spec: map[string]any{
				"profile":  map[string]any{"displayName": title(strings.ReplaceAll(name, ".", " ")), "email": name + "@acme.example"},
				"memberOf": []any{team},
			}}
			add(e)
			relate(e, callboard.RelationMemberOf, "group:default/"+team)
			continue
		case b < 70: // components
			typ := []string{"service", "service", "website", "library"}[r.IntN(4)]
			w := pick(words)
			e = &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{
				Name: fmt.Sprintf("%s-%s-%d", w, typ, i), Title: title(w) + " " + title(typ) + fmt.Sprint(" ", i),
				Description: sentence(), Tags: tags(), Annotations: annotations(repo),
			}, Spec: map[string]any{"type": typ, "lifecycle": pick(lifecycles), "owner": owner, "system": system}}
			if r.IntN(3) == 0 {
				e.Metadata.Links = []callboard.Link{{URL: fmt.Sprintf("https://grafana.acme.example/d/%d", i), Title: "Dashboard", Icon: "dashboard"}}
			}
		case b < 85: // APIs
			e = &callboard.Entity{Kind: "API", Metadata: callboard.Metadata{
				Name: fmt.Sprintf("%s-api-%d", pick(words), i), Description: sentence(), Tags: tags(), Annotations: annotations(repo),
			}, Spec: map[string]any{"type": []string{"openapi", "grpc", "asyncapi"}[r.IntN(3)], "lifecycle": pick(lifecycles),
				"owner": owner, "system": system, "definition": definition}}
		default: // resources
			e = &callboard.Entity{Kind: "Resource", Metadata: callboard.Metadata{
				Name: fmt.Sprintf("%s-db-%d", pick(words), i), Annotations: annotations(repo),
			}, Spec: map[string]any{"type": []string{"database", "s3-bucket", "queue"}[r.IntN(3)], "owner": owner, "system": system}}
		}
		add(e)
		relate(e, callboard.RelationOwnedBy, owner)
		relate(e, callboard.RelationPartOf, "system:default/"+system)
		// Components depend on recent resources and provide recent APIs.
		if e.Kind == "Component" && len(es) > 10 {
			for _, o := range es[len(es)-10 : len(es)-1] {
				switch {
				case o.Kind == "Resource" && r.IntN(2) == 0:
					relate(e, callboard.RelationDependsOn, o.Ref().String())
				case o.Kind == "API" && r.IntN(3) == 0:
					relate(e, callboard.RelationProvidesAPI, o.Ref().String())
				}
			}
		}
	}
	return es
}

var (
	benchOnce  sync.Once
	benchIndex *index.Index
)

// benchFixture returns an index of -index.n generated entities, built once.
// The entities themselves are dropped, as the catalog keeps them in SQL, so
// that their garbage does not weigh on the timings.
func benchFixture(b *testing.B) *index.Index {
	b.Helper()
	benchOnce.Do(func() {
		benchIndex = index.New()
		benchIndex.PutMany(generate(*benchNFlag))
	})
	runtime.GC()
	return benchIndex
}

func BenchmarkPut100k(b *testing.B) {
	es := generate(*benchNFlag)
	b.ResetTimer()
	for b.Loop() {
		x := index.New()
		for _, e := range es {
			x.Put(e)
		}
	}
}

// BenchmarkRePutUnchanged100k re-puts every entity unchanged, as a catalog
// refresh that changes nothing does.
func BenchmarkRePutUnchanged100k(b *testing.B) {
	es := generate(*benchNFlag)
	x := index.New()
	x.PutMany(es)
	for b.Loop() {
		x.PutMany(es)
	}
}

// benchQuery runs q and reports p50 and p99 latencies besides the mean.
func benchQuery(b *testing.B, q index.Query, wantTotal bool) {
	x := benchFixture(b)
	p, err := x.Query(q)
	if err != nil {
		b.Fatal(err)
	}
	if wantTotal && p.Total == 0 {
		b.Fatalf("query %+v matched nothing", q)
	}
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := x.Query(q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(p.Total), "matches")
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkQueryFiltered(b *testing.B) {
	f, _ := index.ParseFilters([]string{"kind=component,spec.type=service"})
	benchQuery(b, index.Query{Filter: f, Limit: 100}, true)
}

func BenchmarkQueryFilteredByName(b *testing.B) {
	f, _ := index.ParseFilters([]string{"kind=component,spec.type=service"})
	benchQuery(b, index.Query{Filter: f, Order: []index.Order{{Field: "metadata.name"}}, Offset: 1000, Limit: 100}, true)
}

func BenchmarkQueryOwner(b *testing.B) {
	f, _ := index.ParseFilters([]string{"relations.ownedby=group:default/team-7"})
	benchQuery(b, index.Query{Filter: f, Limit: 100}, true)
}

func BenchmarkQueryAll(b *testing.B) {
	benchQuery(b, index.Query{Limit: 100, Offset: 50_000}, true)
}

// BenchmarkQueryAllByRef is GET /entities without order: every entity by
// ref (the order is built on the first query after a write, then cached).
func BenchmarkQueryAllByRef(b *testing.B) {
	benchQuery(b, index.Query{ByRef: true, Limit: 100, Offset: 50_000}, true)
}

func BenchmarkFullText(b *testing.B) {
	benchQuery(b, index.Query{
		FullText: index.FullText{Term: "Invoice", Fields: []string{"metadata.name", "metadata.title", "metadata.description"}},
		Limit:    100,
	}, true)
}

// BenchmarkFullTextShort is a two-letter term: the union of the 256
// trigram lists the term begins.
func BenchmarkFullTextShort(b *testing.B) {
	benchQuery(b, index.Query{
		FullText: index.FullText{Term: "vo", Fields: []string{"metadata.name", "metadata.title", "metadata.description"}},
		Limit:    100,
	}, true)
}

func BenchmarkFacets(b *testing.B) {
	x := benchFixture(b)
	facets := []string{"kind", "spec.type", "spec.lifecycle", "metadata.tags"}
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		x.Facets(facets, nil)
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat)
}

func BenchmarkFacetsFiltered(b *testing.B) {
	x := benchFixture(b)
	f, _ := index.ParseFilters([]string{"kind=component"})
	facets := []string{"kind", "spec.type", "spec.lifecycle", "metadata.tags"}
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		x.Facets(facets, f)
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat)
}

// BenchmarkHeap100k reports the heap the index holds for -index.n entities:
// live heap after GC with the index, minus without it.
func BenchmarkHeap100k(b *testing.B) {
	for b.Loop() {
		es := generate(*benchNFlag)
		before := liveHeap()
		x := index.New()
		x.PutMany(es)
		after := liveHeap()
		runtime.KeepAlive(es)
		runtime.KeepAlive(x)
		b.ReportMetric(float64(after-before)/(1<<20), "heap-MB")
		b.ReportMetric(float64(after-before)/float64(x.Len()), "heap-B/entity")
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkQueryAfterWrite puts one changed entity before each filtered
// query, so every query rebuilds the cached uid order: the worst case for
// interleaved writes.
func BenchmarkQueryAfterWrite(b *testing.B) {
	x := benchFixture(b)
	f, _ := index.ParseFilters([]string{"kind=component,spec.type=service"})
	q := index.Query{Filter: f, Limit: 100}
	e := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{UID: "bench-write", Name: "bench-write"}}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		e.Spec = map[string]any{"type": fmt.Sprint("t", i)}
		t0 := time.Now()
		x.Put(e)
		if _, err := x.Query(q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat)
}
