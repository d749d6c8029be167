package descriptor_test

import (
	"context"
	"strings"
	"testing"

	"callboard"
	"callboard/descriptor"
)

// FuzzParse checks that Parse, ResolvePlaceholders, Validate and Edges
// never panic, and that a valid entity's edges all start or end at it.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		component,
		apiWithPlaceholders,
		"",
		"---\n---\n",
		"- a\n- b\n",
		"a: &a [*a]\n",
		"a: &x {b: 1}\nc: {<<: *x, d: 2}\n",
		"metadata:\n  name: a\n  name: b\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: [a, 'group:b/c'], parent: x}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u, namespace: n}\nspec: {memberOf: [':/']}\n",
		"apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: x, steps: [{action: a, if: true}], output: {links: [{url: u}]}}\n",
		"key: !!int nope\nother: !!float .inf\n",
		"? [a]\n: b\n",
		"{a: [b, {c: d}], e: 0x1F, f: 2021-01-01}",
	} {
		f.Add([]byte(seed))
	}
	read := func(_ context.Context, target string) ([]byte, error) {
		if strings.HasSuffix(target, ".json") {
			return []byte(`{"a": 1}`), nil
		}
		return nil, callboard.Errorf(callboard.NotFound, "%s not found", target)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, _ := descriptor.Parse("fuzz.yaml", data)
		for _, d := range docs {
			_ = d.LineOf("spec.owner")
			descriptor.ResolvePlaceholders(context.Background(), d, "/repo/catalog-info.yaml", read, nil)
			e, ps := descriptor.Validate(d)
			if (e == nil) == (len(ps) == 0) {
				t.Fatalf("Validate returned entity %v with problems %v", e, ps)
			}
			if e == nil {
				continue
			}
			self := e.Ref().String()
			edges, _ := descriptor.Edges(e)
			for _, edge := range edges {
				if edge.Source != self && edge.Target != self {
					t.Fatalf("edge %+v does not touch %s", edge, self)
				}
			}
		}
	})
}

// FuzzParseRef checks that ParseRef never panics, and that a parsed ref's
// canonical form parses back to itself.
func FuzzParseRef(f *testing.F) {
	for _, seed := range []string{
		"component:default/svc", "group:team-a", "ns/name", "name", "a:b:c", "a/b/c",
		"ns/a:b", ":", "/", "group:", "system:/payments", "", "Kind:NS/Name",
	} {
		f.Add(seed, "Group", "default")
	}
	f.Fuzz(func(t *testing.T, s, kind, ns string) {
		r, err := callboard.ParseRef(s, kind, ns)
		if err != nil {
			return
		}
		canon := r.String()
		back, err := callboard.ParseRef(canon, "", "")
		if err != nil {
			// Parts containing ":" or "/" cannot round-trip; Backstage has
			// the same limitation. Everything else must.
			if strings.ContainsAny(r.Kind+r.Namespace, ":/") || strings.Contains(r.Name, "/") {
				return
			}
			t.Fatalf("ParseRef(%q) = %q, which does not parse: %v", s, canon, err)
		}
		if back.String() != canon {
			if strings.ContainsAny(r.Kind+r.Namespace, ":/") || strings.Contains(r.Name, "/") {
				return
			}
			t.Fatalf("round trip: %q -> %q -> %q", s, canon, back.String())
		}
	})
}
