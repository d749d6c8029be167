package index_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/index"
)

func TestOrder(t *testing.T) {
	x := newTestIndex(t)
	tests := []struct {
		name string
		q    index.Query
		want []string
	}{
		{
			name: "title asc, missing last",
			q:    index.Query{Order: []index.Order{{Field: "metadata.title"}}},
			want: []string{"u-payments-api", "u-payments", "u-web", "u-db", "u-ledger", "u-team-a"},
		},
		{
			name: "title desc, missing still last",
			q:    index.Query{Order: []index.Order{{Field: "metadata.title", Desc: true}}},
			want: []string{"u-web", "u-payments", "u-payments-api", "u-db", "u-ledger", "u-team-a"},
		},
		{
			name: "ties by uid",
			q:    index.Query{Order: []index.Order{{Field: "spec.lifecycle"}}},
			want: []string{"u-web", "u-ledger", "u-payments", "u-payments-api", "u-db", "u-team-a"},
		},
		{
			name: "second order field breaks ties",
			q:    index.Query{Order: []index.Order{{Field: "spec.lifecycle"}, {Field: "metadata.name", Desc: true}}},
			want: []string{"u-web", "u-payments-api", "u-payments", "u-ledger", "u-team-a", "u-db"},
		},
		{
			name: "field case-insensitive, values lowercased",
			q:    index.Query{Order: []index.Order{{Field: "Spec.Type"}}, Filter: index.Filter{{{Key: "kind", Values: []string{"component"}}}}},
			want: []string{"u-ledger", "u-payments", "u-web"},
		},
		{
			name: "by ref (GET /entities): kind, then namespace, then name",
			q:    index.Query{ByRef: true},
			want: []string{"u-payments-api", "u-payments", "u-web", "u-ledger", "u-team-a", "u-db"},
		},
		{
			name: "by ref, a page of filtered",
			q:    index.Query{ByRef: true, Filter: index.Filter{{{Key: "kind", Values: []string{"component", "resource"}}}}, Offset: 1, Limit: 2},
			want: []string{"u-web", "u-ledger"},
		},
		{
			name: "an order wins over ByRef",
			q:    index.Query{ByRef: true, Order: []index.Order{{Field: "metadata.name", Desc: true}}},
			want: []string{"u-web", "u-team-a", "u-payments-api", "u-payments", "u-ledger", "u-db"},
		},
		{
			name: "page",
			q:    index.Query{Order: []index.Order{{Field: "metadata.name"}}, Offset: 1, Limit: 2},
			want: []string{"u-ledger", "u-payments"},
		},
		{
			name: "page of filtered",
			q:    index.Query{Filter: index.Filter{{{Key: "kind", Values: []string{"component", "api"}}}}, Offset: 2, Limit: 5},
			want: []string{"u-payments-api", "u-web"},
		},
		{
			name: "offset past end",
			q:    index.Query{Offset: 10, Limit: 5},
			want: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustQuery(t, x, tc.q)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("order mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueryTotal(t *testing.T) {
	x := newTestIndex(t)
	p, err := x.Query(index.Query{Filter: mustFilter(t, "kind=component"), Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(index.Page{UIDs: []string{"u-ledger"}, Total: 3}, p); diff != "" {
		t.Errorf("Query mismatch (-want +got):\n%s", diff)
	}
}

func TestQueryInvalid(t *testing.T) {
	x := newTestIndex(t)
	for name, q := range map[string]index.Query{
		"negative offset": {Offset: -1},
		"negative limit":  {Limit: -1},
		"empty order":     {Order: []index.Order{{Field: " "}}},
		"empty key":       {Filter: index.Filter{{{Key: ""}}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := x.Query(q)
			if got := callboard.ErrorKind(err); err == nil || got != callboard.Invalid {
				t.Errorf("Query error = %v (kind %v), want kind %v", err, got, callboard.Invalid)
			}
		})
	}
}

func TestFullText(t *testing.T) {
	x := newTestIndex(t)
	nameTitleDesc := []string{"metadata.name", "metadata.title", "Metadata.Description"}
	tests := []struct {
		name string
		q    index.Query
		want []string
	}{
		{
			name: "substring, case-insensitive",
			q:    index.Query{FullText: index.FullText{Term: " MONEY ", Fields: nameTitleDesc}},
			want: []string{"u-payments"},
		},
		{
			name: "several fields",
			q:    index.Query{FullText: index.FullText{Term: "ledger", Fields: nameTitleDesc}},
			want: []string{"u-ledger"},
		},
		{
			name: "with filter and order",
			q: index.Query{
				Filter:   mustFilter(t, "kind=component,kind=api"),
				Order:    []index.Order{{Field: "metadata.name", Desc: true}},
				FullText: index.FullText{Term: "pay", Fields: nameTitleDesc},
			},
			want: []string{"u-payments-api", "u-payments"},
		},
		{
			name: "default field is the first order field",
			q:    index.Query{Order: []index.Order{{Field: "metadata.title"}}, FullText: index.FullText{Term: "web"}},
			want: []string{"u-web"},
		},
		{
			name: "default field is uid",
			q:    index.Query{FullText: index.FullText{Term: "team"}},
			want: []string{"u-team-a"},
		},
		{
			name: "blank term ignored",
			q:    index.Query{FullText: index.FullText{Term: "  "}, Limit: 2},
			want: []string{"u-db", "u-ledger"},
		},
		{
			name: "null values never match",
			q:    index.Query{FullText: index.FullText{Term: "x", Fields: []string{"spec.definition"}}},
			want: nil,
		},
		{
			name: "unknown field",
			q:    index.Query{FullText: index.FullText{Term: "a", Fields: []string{"spec.nope"}}},
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustQuery(t, x, tc.q)
			if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
				t.Errorf("full text mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFacets(t *testing.T) {
	x := newTestIndex(t)
	tests := []struct {
		name   string
		facets []string
		filter []string
		want   map[string][]index.FacetCount
	}{
		{
			name:   "whole catalog, original case",
			facets: []string{"kind", "spec.type", "metadata.tags", "relations.ownedBy", "spec.nope"},
			want: map[string][]index.FacetCount{
				"kind": {{"Component", 3}, {"API", 1}, {"Group", 1}, {"Resource", 1}},
				"spec.type": {
					{"Service", 1}, {"database", 1}, {"openapi", 1}, {"service", 1}, {"team", 1}, {"website", 1},
				},
				"metadata.tags":     {{"java", 2}, {"Payments", 1}, {"go", 1}, {"typescript", 1}},
				"relations.ownedBy": {{"group:default/team-a", 3}, {"group:default/team-b", 1}},
				"spec.nope":         {},
			},
		},
		{
			name:   "filtered",
			facets: []string{"spec.lifecycle", "spec.definition"},
			filter: []string{"relations.ownedby=group:default/team-a"},
			want: map[string][]index.FacetCount{
				"spec.lifecycle":  {{"production", 3}},
				"spec.definition": {},
			},
		},
		{
			name:   "nothing matches",
			facets: []string{"kind"},
			filter: []string{"kind=domain"},
			want:   map[string][]index.FacetCount{"kind": {}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := x.Facets(tc.facets, mustFilter(t, tc.filter...))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Facets mismatch (-want +got):\n%s", diff)
			}
			for k, v := range got {
				if v == nil {
					t.Errorf("Facets[%q] is nil, want empty", k)
				}
			}
		})
	}
}

// TestConcurrent runs readers against a writer; run it with -race.
func TestConcurrent(t *testing.T) {
	x := newTestIndex(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := x.Query(index.Query{
					Filter:   index.Filter{{{Key: "kind", Values: []string{"component"}}}},
					Order:    []index.Order{{Field: "metadata.name"}},
					FullText: index.FullText{Term: "e", Fields: []string{"metadata.name"}},
					Limit:    3,
				}); err != nil {
					t.Error(err)
					return
				}
				x.Facets([]string{"spec.type"}, nil)
				x.UIDByRef("component:default/payments")
			}
		}()
	}
	for i := range 2000 {
		uid := fmt.Sprintf("w-%d", i%50)
		x.Put(&callboard.Entity{
			Kind:     "Component",
			Metadata: callboard.Metadata{UID: uid, Name: fmt.Sprintf("gen-%d", i%50), Tags: []string{fmt.Sprint("t", i%7)}},
			Spec:     map[string]any{"type": fmt.Sprint("type-", i%3)},
		})
		if i%5 == 0 {
			x.Delete(fmt.Sprintf("w-%d", (i*7)%50))
		}
	}
	close(stop)
	wg.Wait()

	// Every remaining generated document is still findable by its own values.
	p, err := x.Query(index.Query{Filter: index.Filter{{{Key: "metadata.name"}}, {{Key: "spec.type"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != x.Len() {
		t.Errorf("Total = %d, want Len() = %d", p.Total, x.Len())
	}
}
