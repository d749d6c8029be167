package index_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/index"
)

// newTestIndex returns an index of a small catalog; uids are "u-" + name.
func newTestIndex(t *testing.T) *index.Index {
	t.Helper()
	x := index.New()
	x.PutMany(testCatalog())
	return x
}

func testCatalog() []*callboard.Entity {
	long := strings.Repeat("x", 201)
	return []*callboard.Entity{
		{
			APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: callboard.Metadata{
				UID: "u-payments", Name: "payments", Namespace: "default",
				Title: "Payments Service", Description: "Takes the Money",
				Tags:        []string{"java", "Payments"},
				Annotations: map[string]string{"backstage.io/orphan": "true", "backstage.io/techdocs-ref": "dir:."},
			},
			Spec:      map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"},
			Relations: []callboard.Relation{{Type: "ownedBy", TargetRef: "group:default/team-a"}},
		},
		{
			APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: callboard.Metadata{
				UID: "u-web", Name: "web", Namespace: "default", Title: "Web",
				Tags: []string{"typescript"},
			},
			Spec:      map[string]any{"type": "website", "lifecycle": "experimental", "owner": "team-b"},
			Relations: []callboard.Relation{{Type: "ownedBy", TargetRef: "group:default/team-b"}},
		},
		{
			APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: callboard.Metadata{
				UID: "u-ledger", Name: "ledger", Namespace: "finance",
				Description: "Double-entry ledger", Tags: []string{"java", "go"},
			},
			Spec:      map[string]any{"type": "Service", "lifecycle": "production", "owner": "", "replicas": 3.0, "public": false, "notes": nil},
			Relations: []callboard.Relation{{Type: "ownedBy", TargetRef: "group:default/team-a"}, {Type: "dependsOn", TargetRef: "resource:default/db"}},
		},
		{
			APIVersion: "backstage.io/v1alpha1", Kind: "API",
			Metadata:  callboard.Metadata{UID: "u-payments-api", Name: "payments-api", Title: "Payments API"},
			Spec:      map[string]any{"type": "openapi", "lifecycle": "production", "definition": long},
			Relations: []callboard.Relation{{Type: "ownedBy", TargetRef: "group:default/team-a"}},
		},
		{
			APIVersion: "backstage.io/v1alpha1", Kind: "Group",
			Metadata: callboard.Metadata{UID: "u-team-a", Name: "team-a", Namespace: "default"},
			Spec:     map[string]any{"type": "team", "children": []any{}},
			Relations: []callboard.Relation{
				{Type: "ownerOf", TargetRef: "component:default/payments"},
				{Type: "ownerOf", TargetRef: "component:finance/ledger"},
			},
		},
		{
			APIVersion: "backstage.io/v1alpha1", Kind: "Resource",
			Metadata: callboard.Metadata{UID: "u-db", Name: "db", Namespace: "default"},
			Spec:     map[string]any{"type": "database", "dependencyOf": []any{"component:finance/ledger"}},
		},
	}
}

// mustQuery runs q and returns the page's uids.
func mustQuery(t *testing.T, x *index.Index, q index.Query) []string {
	t.Helper()
	p, err := x.Query(q)
	if err != nil {
		t.Fatalf("Query(%+v): %v", q, err)
	}
	return p.UIDs
}

func mustFilter(t *testing.T, params ...string) index.Filter {
	t.Helper()
	f, err := index.ParseFilters(params)
	if err != nil {
		t.Fatalf("ParseFilters(%q): %v", params, err)
	}
	return f
}

func TestFilter(t *testing.T) {
	x := newTestIndex(t)
	tests := []struct {
		name   string
		params []string
		want   []string // uids, ascending
	}{
		{name: "no filter", params: nil, want: []string{"u-db", "u-ledger", "u-payments", "u-payments-api", "u-team-a", "u-web"}},
		{name: "kind", params: []string{"kind=component"}, want: []string{"u-ledger", "u-payments", "u-web"}},
		{name: "case-insensitive key and value", params: []string{"KIND=Component,Spec.Type=SERVICE"}, want: []string{"u-ledger", "u-payments"}},
		{name: "or", params: []string{"kind=group", "kind=resource"}, want: []string{"u-db", "u-team-a"}},
		{name: "in", params: []string{"spec.type=website,spec.type=openapi"}, want: []string{"u-payments-api", "u-web"}},
		{name: "and with in", params: []string{"kind=component,spec.type=website,spec.type=service,spec.lifecycle=production"}, want: []string{"u-ledger", "u-payments"}},
		{name: "existence", params: []string{"metadata.description"}, want: []string{"u-ledger", "u-payments"}},
		{name: "existence of null value", params: []string{"spec.notes"}, want: []string{"u-ledger"}},
		{name: "no value filter matches null", params: []string{"spec.notes="}, want: nil},
		{name: "empty value", params: []string{"spec.owner="}, want: []string{"u-ledger"}},
		{name: "tags array", params: []string{"metadata.tags=java"}, want: []string{"u-ledger", "u-payments"}},
		{name: "tags item key", params: []string{"metadata.tags.java"}, want: []string{"u-ledger", "u-payments"}},
		{name: "tags item key true", params: []string{"metadata.tags.payments=true"}, want: []string{"u-payments"}},
		{name: "two tags", params: []string{"metadata.tags.java,metadata.tags.go"}, want: []string{"u-ledger"}},
		{name: "annotation with slashes", params: []string{"metadata.annotations.backstage.io/orphan=true"}, want: []string{"u-payments"}},
		{name: "owner relation", params: []string{"relations.ownedby=group:default/team-a"}, want: []string{"u-ledger", "u-payments", "u-payments-api"}},
		{name: "owner relation mixed case", params: []string{"relations.ownedBy=Group:Default/Team-A,kind=component"}, want: []string{"u-ledger", "u-payments"}},
		{name: "default namespace when unset", params: []string{"metadata.namespace=default,kind=api"}, want: []string{"u-payments-api"}},
		{name: "null namespace when unset", params: []string{"metadata.namespace="}, want: nil},
		{name: "namespace", params: []string{"metadata.namespace=finance"}, want: []string{"u-ledger"}},
		{name: "name and uid rows", params: []string{"metadata.name=web", "metadata.uid=U-DB"}, want: []string{"u-db", "u-web"}},
		{name: "numbers and booleans", params: []string{"spec.replicas=3,spec.public=false"}, want: []string{"u-ledger"}},
		{name: "long value only exists", params: []string{"spec.definition"}, want: []string{"u-payments-api"}},
		{name: "long value never equals", params: []string{"spec.definition=" + strings.Repeat("x", 201)}, want: nil},
		{name: "array of refs", params: []string{"spec.dependencyof=component:finance/ledger"}, want: []string{"u-db"}},
		{name: "unknown key", params: []string{"spec.nope=1"}, want: nil},
		{name: "unknown value", params: []string{"kind=domain"}, want: nil},
		{name: "one empty set in or", params: []string{"kind=domain", "kind=group"}, want: []string{"u-team-a"}},
		{name: "relations subtree not walked", params: []string{"relations.type"}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustQuery(t, x, index.Query{Filter: mustFilter(t, tc.params...)})
			if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
				t.Errorf("filter %q mismatch (-want +got):\n%s", tc.params, diff)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal(a, b)
})

func TestPutReplaces(t *testing.T) {
	x := newTestIndex(t)
	e := testCatalog()[0]
	e.Spec = map[string]any{"type": "library", "lifecycle": "production"}
	e.Metadata.Tags = []string{"kotlin"}
	x.Put(e)

	tests := []struct {
		filter string
		want   []string
	}{
		{"spec.type=service", []string{"u-ledger"}},
		{"spec.type=library", []string{"u-payments"}},
		{"metadata.tags.java", []string{"u-ledger"}},
		{"metadata.tags=kotlin", []string{"u-payments"}},
		{"spec.owner=team-a", nil},
	}
	for _, tc := range tests {
		got := mustQuery(t, x, index.Query{Filter: mustFilter(t, tc.filter)})
		if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
			t.Errorf("after replace, filter %q mismatch (-want +got):\n%s", tc.filter, diff)
		}
	}
	if got, want := x.Len(), 6; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

func TestDelete(t *testing.T) {
	x := newTestIndex(t)
	x.Delete("u-payments")
	x.Delete("u-missing")
	if got, want := x.Len(), 5; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if _, ok := x.UIDByRef("component:default/payments"); ok {
		t.Errorf("UIDByRef(deleted) found")
	}
	if _, ok := x.RefByUID("u-payments"); ok {
		t.Errorf("RefByUID(deleted) found")
	}
	got := mustQuery(t, x, index.Query{Filter: mustFilter(t, "metadata.tags.java")})
	if diff := cmp.Diff([]string{"u-ledger"}, got); diff != "" {
		t.Errorf("after delete (-want +got):\n%s", diff)
	}
	// The freed ordinal is reused by the next document without leaking rows.
	x.Put(&callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{UID: "u-new", Name: "new"}})
	got = mustQuery(t, x, index.Query{Filter: mustFilter(t, "kind=component")})
	if diff := cmp.Diff([]string{"u-ledger", "u-new", "u-web"}, got); diff != "" {
		t.Errorf("after reuse (-want +got):\n%s", diff)
	}
}

func TestRefs(t *testing.T) {
	x := newTestIndex(t)
	if uid, ok := x.UIDByRef("Component:Finance/Ledger"); !ok || uid != "u-ledger" {
		t.Errorf("UIDByRef = %q, %v, want u-ledger, true", uid, ok)
	}
	if ref, ok := x.RefByUID("u-payments-api"); !ok || ref != "api:default/payments-api" {
		t.Errorf("RefByUID = %q, %v, want api:default/payments-api, true", ref, ok)
	}

	// Same ref, new uid: the old document goes.
	x.Put(&callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{UID: "u-web2", Name: "WEB", Namespace: "default"}})
	if uid, _ := x.UIDByRef("component:default/web"); uid != "u-web2" {
		t.Errorf("UIDByRef after replacement = %q, want u-web2", uid)
	}
	if _, ok := x.RefByUID("u-web"); ok {
		t.Errorf("RefByUID(replaced uid) found")
	}
	if got := mustQuery(t, x, index.Query{Filter: mustFilter(t, "spec.type=website")}); len(got) != 0 {
		t.Errorf("replaced document still matches: %q", got)
	}

	// Same uid, new ref (a rename): the old ref goes.
	x.Put(&callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{UID: "u-web2", Name: "site"}})
	if _, ok := x.UIDByRef("component:default/web"); ok {
		t.Errorf("UIDByRef(old ref) found after rename")
	}
	if uid, _ := x.UIDByRef("component:default/site"); uid != "u-web2" {
		t.Errorf("UIDByRef(new ref) = %q, want u-web2", uid)
	}
	if got, want := x.Len(), 6; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}

	// No uid: ignored.
	x.Put(&callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "nouid"}})
	if got, want := x.Len(), 6; got != want {
		t.Errorf("Len() after uid-less Put = %d, want %d", got, want)
	}
}
