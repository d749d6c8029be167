package index_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/index"
)

// A filter's documents are cached until the next write: a put or delete
// between two identical queries must show in the second, also when an
// ordinal freed by the delete is reused.
func TestFilterMatchCacheFollowsWrites(t *testing.T) {
	x := index.New()
	component := func(i int, typ string) *callboard.Entity {
		return &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: callboard.Metadata{Name: fmt.Sprintf("svc-%d", i), Namespace: "default", UID: fmt.Sprintf("uid-%d", i)},
			Spec:     map[string]any{"type": typ}}
	}
	const n = 10000 // half of them services: above the size the cache keeps
	var es []*callboard.Entity
	for i := range n {
		es = append(es, component(i, []string{"service", "website"}[i%2]))
	}
	x.PutMany(es)
	f, err := index.ParseFilters([]string{"kind=component,spec.type=service"})
	if err != nil {
		t.Fatal(err)
	}
	total := func() int {
		t.Helper()
		p, err := x.Query(index.Query{Filter: f, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		facets := x.Facets([]string{"spec.type"}, f)
		if c := facets["spec.type"]; len(c) != 1 || c[0].Count != p.Total {
			t.Errorf("facets over the filter = %v, want one value counting %d", c, p.Total)
		}
		return p.Total
	}
	if got := total(); got != n/2 {
		t.Fatalf("total = %d, want %d", got, n/2)
	}
	total() // cached now
	x.Put(component(n, "service"))
	if got := total(); got != n/2+1 {
		t.Errorf("after a put: total = %d, want %d", got, n/2+1)
	}
	x.Delete("uid-0")
	x.Put(component(n+1, "website")) // may take uid-0's ordinal
	if got := total(); got != n/2 {
		t.Errorf("after a delete and a put: total = %d, want %d", got, n/2)
	}
	x.Put(component(1, "service")) // a website becomes a service
	if got := total(); got != n/2+1 {
		t.Errorf("after a change of type: total = %d, want %d", got, n/2+1)
	}
}

// Pages of a match large enough for the match cache (and its set) agree
// with the pages worked out by hand, when cached and after a write.
func TestLargeMatchPages(t *testing.T) {
	const n = 12_000
	var es []*callboard.Entity
	var comps []string // uids of the components, ascending
	for i := range n {
		kind := "Component"
		if i%3 == 0 {
			kind = "Resource"
		}
		uid := fmt.Sprintf("u-%05d", i)
		es = append(es, &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind,
			Metadata: callboard.Metadata{Name: fmt.Sprintf("e-%05d", i), Namespace: "default", UID: uid}})
		if kind == "Component" {
			comps = append(comps, uid)
		}
	}
	x := index.New()
	x.PutMany(es)
	f := mustFilter(t, "kind=component")
	byNameDesc := []index.Order{{Field: "metadata.name", Desc: true}}
	reversed := slices.Clone(comps)
	slices.Reverse(reversed)
	check := func(comps, reversed []string) {
		t.Helper()
		for _, off := range []int{0, 500, len(comps) - 10} {
			for range 2 { // the second query is served from the cache
				p, err := x.Query(index.Query{Filter: f, Offset: off, Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(comps[off:min(off+50, len(comps))], p.UIDs); diff != "" || p.Total != len(comps) {
					t.Fatalf("offset %d by uid: total %d, want %d; (-want +got):\n%s", off, p.Total, len(comps), diff)
				}
				got := mustQuery(t, x, index.Query{Filter: f, Order: byNameDesc, Offset: off, Limit: 50})
				if diff := cmp.Diff(reversed[off:min(off+50, len(reversed))], got); diff != "" {
					t.Fatalf("offset %d by name desc (-want +got):\n%s", off, diff)
				}
			}
		}
	}
	check(comps, reversed)

	// A write makes the cached match stale: the new component shows.
	x.PutMany([]*callboard.Entity{{APIVersion: "backstage.io/v1alpha1", Kind: "Component",
		Metadata: callboard.Metadata{Name: "e-00001a", Namespace: "default", UID: "u-00001a"}}})
	comps = slices.Insert(comps, 1, "u-00001a")
	reversed = slices.Clone(comps)
	slices.Reverse(reversed)
	check(comps, reversed)
}
