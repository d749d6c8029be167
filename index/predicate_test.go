package index_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/index"
)

func predicateIndex() *index.Index {
	x := index.New()
	mk := func(uid, kind, name, typ string, tags ...string) *callboard.Entity {
		return &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind,
			Metadata: callboard.Metadata{UID: uid, Name: name, Tags: tags},
			Spec:     map[string]any{"type": typ}}
	}
	x.PutMany([]*callboard.Entity{
		mk("1", "Component", "a", "service", "java"),
		mk("2", "Component", "b", "website", "go"),
		mk("3", "Component", "c", "library", "java", "go"),
		mk("4", "API", "d", "openapi"),
		{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: callboard.Metadata{UID: "5", Name: "team"}},
	})
	return x
}

func TestPredicates(t *testing.T) {
	x := predicateIndex()
	tests := []struct {
		name, query string
		want        []string
	}{
		{"field equality, case-insensitive", `{"kind": "COMPONENT"}`, []string{"1", "2", "3"}},
		{"two fields AND", `{"kind": "component", "spec.type": "service"}`, []string{"1"}},
		{"$in", `{"spec.type": {"$in": ["service", "website"]}}`, []string{"1", "2"}},
		{"$exists true", `{"spec.type": {"$exists": true}}`, []string{"1", "2", "3", "4"}},
		{"$exists false", `{"spec.type": {"$exists": false}}`, []string{"5"}},
		{"$any", `{"$any": [{"kind": "api"}, {"kind": "group"}]}`, []string{"4", "5"}},
		{"$all with $not", `{"$all": [{"kind": "component"}, {"$not": {"spec.type": "service"}}]}`, []string{"2", "3"}},
		{"$contains value", `{"metadata.tags": {"$contains": "java"}}`, []string{"1", "3"}},
		{"$contains $all", `{"metadata.tags": {"$contains": {"$all": ["java", "go"]}}}`, []string{"3"}},
		{"$contains $any", `{"metadata.tags": {"$contains": {"$any": ["java", "go"]}}}`, []string{"1", "2", "3"}},
		{"empty predicate", `{}`, []string{"1", "2", "3", "4", "5"}},
		{"$any empty matches nothing", `{"$any": []}`, []string{}},
		{"$not of everything", `{"$not": {}}`, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tc.query), &v); err != nil {
				t.Fatal(err)
			}
			p, err := index.ParsePredicate(v)
			if err != nil {
				t.Fatalf("ParsePredicate: %v", err)
			}
			page, err := x.Query(index.Query{Predicate: p})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Sorted(slices.Values(page.UIDs))
			if got == nil {
				got = []string{}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("uids (-want +got):\n%s", diff)
			}
		})
	}
	facets := x.FacetsWhere([]string{"spec.type"}, nil, mustPredicate(t, `{"kind": "component"}`))
	if len(facets["spec.type"]) != 3 {
		t.Errorf("facets under a predicate = %v, want 3 types", facets)
	}
}

func TestPredicateErrors(t *testing.T) {
	for _, q := range []string{`[]`, `{"$nope": 1}`, `{"kind": {"$regex": "x"}}`, `{"$all": {}}`, `{"kind": {"$in": [{}]}}`, `{"kind": {"$exists": "yes"}}`, `{"kind": null}`} {
		var v any
		json.Unmarshal([]byte(q), &v)
		if _, err := index.ParsePredicate(v); callboard.ErrorKind(err) != callboard.Invalid {
			t.Errorf("ParsePredicate(%s): err %v, want Invalid", q, err)
		}
	}
}

func mustPredicate(t *testing.T, q string) *index.Predicate {
	t.Helper()
	var v any
	json.Unmarshal([]byte(q), &v)
	p, err := index.ParsePredicate(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
