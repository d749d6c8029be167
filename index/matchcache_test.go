package index_test

import (
	"fmt"
	"testing"

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
