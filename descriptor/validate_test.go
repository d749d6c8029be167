package descriptor_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/descriptor"
)

const component = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  labels:
    tier: gold
  annotations:
    backstage.io/techdocs-ref: dir:.
  tags: [go, c++]
  links:
    - url: https://grafana.example.com/d/payments
      title: Dashboard
      icon: dashboard
  custom: kept
spec:
  type: service
  lifecycle: production
  owner: team-a
  system: billing
  providesApis: [payments-api]
  dependsOn: ["resource:db", "component:other/ledger"]
`

func TestValidateDecodes(t *testing.T) {
	e, ps := descriptor.Validate(mustParseOne(t, component))
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	want := &callboard.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Component",
		Metadata: callboard.Metadata{
			Name: "payments", Namespace: "default",
			Labels:      map[string]string{"tier": "gold"},
			Annotations: map[string]string{"backstage.io/techdocs-ref": "dir:."},
			Tags:        []string{"go", "c++"},
			Links:       []callboard.Link{{URL: "https://grafana.example.com/d/payments", Title: "Dashboard", Icon: "dashboard"}},
			Extra:       map[string]any{"custom": "kept"},
		},
		Spec: map[string]any{
			"type": "service", "lifecycle": "production", "owner": "team-a", "system": "billing",
			"providesApis": []any{"payments-api"}, "dependsOn": []any{"resource:db", "component:other/ledger"},
		},
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("entity mismatch (-want +got):\n%s", diff)
	}
}

// edit replaces the first occurrence of old in the component descriptor.
func edit(old, new string) string { return strings.Replace(component, old, new, 1) }

func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		wantField string
		wantLine  int
		wantIn    string
	}{
		{"unsupported kind", edit("kind: Component", "kind: Service"), "kind", 2, "not supported"},
		{"kind case", edit("kind: Component", "kind: component"), "kind", 2, `did you mean "Component"`},
		{"template version on component", edit("backstage.io/v1alpha1", "scaffolder.backstage.io/v1beta3"), "apiVersion", 1, "backstage.io/v1alpha1 or backstage.io/v1beta1"},
		{"status is server-owned", component + "status: {items: []}\n", "status", 22, "set by the catalog"},
		{"relations are server-owned", component + "relations: []\n", "relations", 22, "set by the catalog"},
		{"uid is server-owned", edit("  name: payments", "  name: payments\n  uid: 123"), "metadata.uid", 5, "set by the catalog"},
		{"dependsOn without kind", edit(`"resource:db"`, `"db"`), "spec.dependsOn[0]", 21, `must name its kind, e.g. "component:db"`},
		{"providesApis not a list", edit("[payments-api]", "{a: b}"), "spec.providesApis", 20, "must be a list of strings"},
		{"providesApis item not a string", edit("[payments-api]", "[payments-api, 3]"), "spec.providesApis[1]", 20, "must be a string, not a number"},
		{"spec not a mapping", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: service\n", "spec", 4, "must be a mapping"},
		{"title empty", edit("  name: payments", "  name: payments\n  title: \"\""), "metadata.title", 5, "must not be empty"},
		{"link url relative", edit("https://grafana.example.com/d/payments", "/d/payments"), "metadata.links[0].url", 11, "absolute URL"},
		{"label key bad", edit("tier: gold", "-tier: gold"), "metadata.labels.-tier", 6, "not a valid key"},
		{"tags not a list", edit("[go, c++]", "go"), "metadata.tags", 9, "must be a list"},
		{"metadata missing", "apiVersion: backstage.io/v1alpha1\nkind: Component\nspec: {type: a, lifecycle: b, owner: c}\n", "metadata", 1, "is required"},
		{"name null", edit("name: payments", "name:"), "metadata.name", 4, "is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ps := descriptor.Validate(mustParseOne(t, tc.src))
			if e != nil || len(ps) == 0 {
				t.Fatalf("accepted: %v", e)
			}
			p := ps[0]
			if p.Field != tc.wantField || p.Line != tc.wantLine || !strings.Contains(p.Message, tc.wantIn) {
				t.Errorf("problem = %q; want field %q, line %d, message containing %q", p, tc.wantField, tc.wantLine, tc.wantIn)
			}
			if len(ps) > 1 {
				t.Errorf("more than one problem: %v", ps)
			}
		})
	}
}

func TestValidateLocationAndTemplate(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		wantField string // "" means valid
	}{
		{"location", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: {targets: [./a.yaml]}\n", ""},
		{"location bad presence", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: {presence: maybe}\n", "spec.presence"},
		{"template step without action", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: [{id: a}]}\n", "spec.steps[0].action"},
		{"template output not a string", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: [], output: {x: [1]}}\n", "spec.output.x"},
		{"template parameters list", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: [], parameters: [{title: a}]}\n", ""},
		{"template parameters scalar", "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: [], parameters: x}\n", "spec.parameters"},
		{"user profile email empty", "apiVersion: backstage.io/v1beta1\nkind: User\nmetadata: {name: u}\nspec: {memberOf: [], profile: {email: ''}}\n", "spec.profile.email"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := descriptor.Validate(mustParseOne(t, tc.src))
			var got string
			if len(ps) > 0 {
				got = ps[0].Field
			}
			if got != tc.wantField {
				t.Errorf("first problem field = %q, want %q (%v)", got, tc.wantField, ps)
			}
		})
	}
}

// A caller can accept its own kinds, with reference fields that emit edges.
func TestKindsExtend(t *testing.T) {
	kinds := descriptor.CoreKinds().Add(&descriptor.Kind{
		Name:        "Environment",
		APIVersions: []string{"example.com/v1"},
		Fields: []descriptor.Field{
			{Name: "owner", Type: descriptor.TypeString, Required: true, Relation: callboard.RelationOwnedBy, RefKind: "Group"},
		},
	})
	d := mustParseOne(t, "apiVersion: example.com/v1\nkind: Environment\nmetadata: {name: prod, namespace: ops}\nspec: {owner: sre}\n")
	if _, ps := descriptor.Validate(d); len(ps) != 1 || ps[0].Field != "kind" {
		t.Errorf("core Validate = %v, want an unsupported kind", ps)
	}
	e, ps := kinds.Validate(d)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	edges, ps := kinds.Edges(e)
	want := []callboard.Edge{
		{Source: "environment:ops/prod", Type: "ownedBy", Target: "group:ops/sre"},
		{Source: "group:ops/sre", Type: "ownerOf", Target: "environment:ops/prod"},
	}
	if diff := cmp.Diff(want, edges); diff != "" || len(ps) > 0 {
		t.Errorf("Edges mismatch (-want +got):\n%s\nproblems %v", diff, ps)
	}
}

func TestEdgesProblems(t *testing.T) {
	e := &callboard.Entity{
		Kind:     "Resource",
		Metadata: callboard.Metadata{Name: "db", Namespace: "Data"},
		Spec: map[string]any{
			"owner":        "Group:Team-A",
			"dependsOn":    []any{"db-backup", "component:api"},
			"dependencyOf": []any{"component:api"},
		},
	}
	edges, ps := descriptor.Edges(e)
	want := []callboard.Edge{
		{Source: "resource:data/db", Type: "ownedBy", Target: "group:data/team-a"},
		{Source: "group:data/team-a", Type: "ownerOf", Target: "resource:data/db"},
		{Source: "resource:data/db", Type: "dependsOn", Target: "component:data/api"},
		{Source: "component:data/api", Type: "dependencyOf", Target: "resource:data/db"},
		// dependencyOf: component:api emits the same two edges reversed,
		// which are distinct from the pair above.
		{Source: "resource:data/db", Type: "dependencyOf", Target: "component:data/api"},
		{Source: "component:data/api", Type: "dependsOn", Target: "resource:data/db"},
	}
	if diff := cmp.Diff(want, edges); diff != "" {
		t.Errorf("Edges mismatch (-want +got):\n%s", diff)
	}
	if len(ps) != 1 || ps[0].Field != "spec.dependsOn[0]" {
		t.Errorf("problems = %v, want one for spec.dependsOn[0]", ps)
	}
}

// Problems of one line come in key order, whatever the map's order.
func TestValidateProblemOrder(t *testing.T) {
	src := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n" +
		"  annotations: {Zz/a: x, b: 1, a//b: y, c: 2, 'e f': z}\n  labels: {y: 'a b', x: 'c d'}\n" +
		"spec: {type: service, lifecycle: production, owner: team-a}\nzeta: 1\nalpha: 2\n"
	var want []string
	for range 20 {
		docs, ps := descriptor.Parse("c.yaml", []byte(src))
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		_, ps = descriptor.Validate(docs[0])
		var got []string
		for _, p := range ps {
			got = append(got, p.Field)
		}
		if want == nil {
			want = got
			if w := []string{"metadata.annotations.Zz/a", "metadata.annotations.a//b", "metadata.annotations.b", "metadata.annotations.c", "metadata.annotations.e f",
				"metadata.labels.x", "metadata.labels.y", "zeta", "alpha"}; !cmp.Equal(got, w) {
				t.Fatalf("fields %v, want %v", got, w)
			}
		}
		if !cmp.Equal(got, want) {
			t.Fatalf("fields %v, then %v", want, got)
		}
	}
}
