package index_test

import (
	"strings"
	"testing"

	"callboard"
	"callboard/index"
)

// FuzzParseFilters feeds arbitrary filter parameters to the parser and runs
// what parses against a small index: neither may panic, and a rejected
// filter is always an Invalid error.
func FuzzParseFilters(f *testing.F) {
	for _, seed := range []string{
		"kind=component", "kind=component,spec.type=service", "metadata.tags.java",
		"metadata.annotations.backstage.io/orphan=true", "relations.ownedby=group:default/team-a",
		"a=", "=", ",", "a,,b", " kind = Component ", "a=b=c", "\x00=\xff", strings.Repeat("a.", 300) + "=x",
		"kind=user|kind=group",
	} {
		f.Add(seed)
	}
	x := index.New()
	x.PutMany([]*callboard.Entity{
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: callboard.Metadata{UID: "1", Name: "a", Tags: []string{"java"}},
			Spec: map[string]any{"type": "service"}, Relations: []callboard.Relation{{Type: "ownedBy", TargetRef: "group:default/team-a"}}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: callboard.Metadata{UID: "2", Name: "team-a"}},
	})
	f.Fuzz(func(t *testing.T, raw string) {
		params := strings.Split(raw, "|")
		filter, err := index.ParseFilters(params)
		if err != nil {
			if callboard.ErrorKind(err) != callboard.Invalid {
				t.Fatalf("ParseFilters(%q): error kind %v, want Invalid", params, callboard.ErrorKind(err))
			}
			return
		}
		page, err := x.Query(index.Query{Filter: filter, Order: []index.Order{{Field: "metadata.name"}}, Limit: 10,
			FullText: index.FullText{Term: raw}})
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		if page.Total > 2 || len(page.UIDs) > page.Total {
			t.Fatalf("page = %+v from 2 documents", page)
		}
		x.Facets([]string{"kind", raw}, filter)
	})
}
