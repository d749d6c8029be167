package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"callboard/index"
)

// The API benchmarks run the query kinds of `callboard bench catalog` in
// process, without HTTP transport, over the org of the page benchmarks
// (CALLBOARD_UI_BENCH_N entities, default 10,000):
//
//	go test ./web -run '^$' -bench API -benchmem
//
// They report allocations, which the garbage collector's share of a
// query's CPU follows, and CPU time per request. To reuse the tree of
// `callboard bench catalog -dir D` at 100,000, point CALLBOARD_UI_BENCH_DIR
// at a directory holding a link org-n100000 -> D/org-n100000-s1 and an
// empty org-n100000.done.

func BenchmarkAPIByName(b *testing.B) {
	ref := firstEntityRef(b, index.Filter{{{Key: "kind", Values: []string{"component"}}}})
	benchAPI(b, "/api/catalog/entities/by-name/component/default/"+ref)
}

func BenchmarkAPIKindType100(b *testing.B) {
	benchAPI(b, "/api/catalog/entities/by-query?filter=kind=component,spec.type=service&limit=100")
}

func BenchmarkAPIOwnerFields(b *testing.B) {
	team := firstEntityRef(b, index.Filter{{{Key: "kind", Values: []string{"group"}}, {Key: "spec.type", Values: []string{"team"}}}})
	benchAPI(b, "/api/catalog/entities/by-query?filter=relations.ownedBy=group:default/"+team+"&fields=metadata.name,spec.type")
}

func BenchmarkAPIFullText20(b *testing.B) {
	benchAPI(b, "/api/catalog/entities/by-query?fullTextFilterTerm=pay"+
		"&fullTextFilterFields=metadata.name,metadata.title,metadata.description&limit=20")
}

// benchAPI serves GET path b.N times.
func benchAPI(b *testing.B, path string) {
	srv, _ := benchServer(b)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		clear(w.header)
		srv.ServeHTTP(w, req)
	}
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime returns the process's user plus system CPU time: per op, unlike
// ns/op, it barely changes with other load on the machine (the garbage
// collector's share included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardWriter is a ResponseWriter that keeps nothing, so that the
// allocations reported are the server's.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// firstEntityRef returns the name of the first entity, by name, that f
// selects.
func firstEntityRef(b *testing.B, f index.Filter) string {
	_, cat := benchServer(b)
	es, _, err := cat.Query(context.Background(), index.Query{Filter: f, Order: []index.Order{{Field: "metadata.name"}}, Limit: 1})
	if err != nil || len(es) == 0 {
		b.Fatalf("no entity matches %v in the generated org: %v", f, err)
	}
	return es[0].Metadata.Name
}
