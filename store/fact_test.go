package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/store/storetest"
)

func TestFacts(t *testing.T) {
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			mustPut := func(source, entity string, facts ...callboard.Fact) {
				t.Helper()
				if err := db.PutFacts(ctx, source, entity, facts); err != nil {
					t.Fatalf("PutFacts(%s, %s): %v", source, entity, err)
				}
			}
			with := func(source, key string, value any) string {
				t.Helper()
				refs, err := db.EntitiesWithFact(ctx, source, key, value)
				if err != nil {
					t.Fatalf("EntitiesWithFact(%s, %s, %v): %v", source, key, value, err)
				}
				return strings.Join(refs, " ")
			}
			mustPut("kubernetes", "component:default/a",
				callboard.Fact{Key: "drifted", Value: true, At: at},
				callboard.Fact{Key: "pods", Value: int64(3), At: at},
				callboard.Fact{Key: "ratio", Value: 0.5, At: at},
				callboard.Fact{Key: "image", Value: "app:1.2", At: at},
				callboard.Fact{Key: "deployed", Value: at.In(time.FixedZone("CET", 3600)), At: at})
			mustPut("kubernetes", "component:default/b", callboard.Fact{Key: "drifted", Value: false, At: at})
			mustPut("kubernetes", "component:default/c", callboard.Fact{Key: "drifted", Value: true, At: at})
			mustPut("argocd", "component:default/b", callboard.Fact{Key: "drifted", Value: true, At: at})

			// FactsOf: every source's, typed as they were put.
			got, err := db.FactsOf(ctx, "component:default/a")
			if err != nil {
				t.Fatal(err)
			}
			want := []callboard.Fact{
				{Entity: "component:default/a", Source: "kubernetes", Key: "deployed", Value: at, At: at},
				{Entity: "component:default/a", Source: "kubernetes", Key: "drifted", Value: true, At: at},
				{Entity: "component:default/a", Source: "kubernetes", Key: "image", Value: "app:1.2", At: at},
				{Entity: "component:default/a", Source: "kubernetes", Key: "pods", Value: int64(3), At: at},
				{Entity: "component:default/a", Source: "kubernetes", Key: "ratio", Value: 0.5, At: at},
			}
			if len(got) != len(want) {
				t.Fatalf("FactsOf(a) = %v, want %v", got, want)
			}
			for i := range want {
				g, w := got[i], want[i]
				gt, _ := g.Value.(time.Time)
				wt, _ := w.Value.(time.Time)
				if g.Entity != w.Entity || g.Source != w.Source || g.Key != w.Key || !g.At.Equal(w.At) ||
					(g.Value != w.Value && !(gt.Equal(wt) && !wt.IsZero())) {
					t.Errorf("FactsOf(a)[%d] = %+v, want %+v", i, g, w)
				}
			}

			// EntitiesWithFact: by source, key, type and value.
			tests := []struct {
				name, source, key string
				value             any
				want              string
			}{
				{"bool true", "kubernetes", "drifted", true, "component:default/a component:default/c"},
				{"bool false", "kubernetes", "drifted", false, "component:default/b"},
				{"other source", "argocd", "drifted", true, "component:default/b"},
				{"int", "kubernetes", "pods", int64(3), "component:default/a"},
				{"int is not float", "kubernetes", "pods", 3.0, ""},
				{"float", "kubernetes", "ratio", 0.5, "component:default/a"},
				{"string", "kubernetes", "image", "app:1.2", "component:default/a"},
				{"string is not bool", "kubernetes", "drifted", "true", ""},
				{"time in another zone", "kubernetes", "deployed", at, "component:default/a"},
				{"unknown key", "kubernetes", "nope", true, ""},
			}
			for _, tc := range tests {
				if got := with(tc.source, tc.key, tc.value); got != tc.want {
					t.Errorf("%s: EntitiesWithFact = %q, want %q", tc.name, got, tc.want)
				}
			}

			// FactsWithKey: one source's key of every entity, by entity.
			drifted, err := db.FactsWithKey(ctx, "kubernetes", "drifted")
			if err != nil {
				t.Fatal(err)
			}
			var gotDrift []string
			for _, f := range drifted {
				if f.Source != "kubernetes" || f.Key != "drifted" || !f.At.Equal(at) {
					t.Errorf("FactsWithKey fact %+v: wrong source, key or time", f)
				}
				gotDrift = append(gotDrift, fmt.Sprintf("%s=%v", f.Entity, f.Value))
			}
			if g, w := strings.Join(gotDrift, " "), "component:default/a=true component:default/b=false component:default/c=true"; g != w {
				t.Errorf("FactsWithKey(kubernetes, drifted) = %q, want %q", g, w)
			}
			if deployed, err := db.FactsWithKey(ctx, "kubernetes", "deployed"); err != nil || len(deployed) != 1 || !deployed[0].Value.(time.Time).Equal(at) {
				t.Errorf("FactsWithKey(kubernetes, deployed) = %v, %v; want a's time", deployed, err)
			}
			if none, err := db.FactsWithKey(ctx, "docs", "drifted"); err != nil || len(none) != 0 {
				t.Errorf("FactsWithKey of another source = %v, %v; want none", none, err)
			}

			// PutFacts replaces the source's facts, not another source's.
			mustPut("kubernetes", "component:default/c", callboard.Fact{Key: "drifted", Value: false})
			mustPut("kubernetes", "component:default/b")
			if got := with("kubernetes", "drifted", true); got != "component:default/a" {
				t.Errorf("after replacing: drifted = %q, want only a", got)
			}
			if got := with("kubernetes", "drifted", false); got != "component:default/c" {
				t.Errorf("after replacing: not drifted = %q, want only c", got)
			}
			if got := with("argocd", "drifted", true); got != "component:default/b" {
				t.Errorf("replacing kubernetes' facts of b removed argocd's: %q", got)
			}
			if fs, err := db.FactsOf(ctx, "component:default/c"); err != nil || len(fs) != 1 || fs[0].At.IsZero() {
				t.Errorf("FactsOf(c) = %v, %v; want one fact with At set to now", fs, err)
			}

			// Bad input.
			for _, c := range []struct {
				name, source, entity string
				fact                 callboard.Fact
			}{
				{"no source", "", "component:default/a", callboard.Fact{Key: "k", Value: true}},
				{"no entity", "kubernetes", "", callboard.Fact{Key: "k", Value: true}},
				{"no key", "kubernetes", "component:default/a", callboard.Fact{Value: true}},
				{"int not int64", "kubernetes", "component:default/a", callboard.Fact{Key: "k", Value: 3}},
			} {
				if err := db.PutFacts(ctx, c.source, c.entity, []callboard.Fact{c.fact}); callboard.ErrorKind(err) != callboard.Invalid {
					t.Errorf("%s: PutFacts: %v, want Invalid", c.name, err)
				}
			}
			if _, err := db.EntitiesWithFact(ctx, "kubernetes", "drifted", 1); callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("EntitiesWithFact with an int value: %v, want Invalid", err)
			}
			if got := with("kubernetes", "drifted", true); got != "component:default/a" {
				t.Errorf("a refused PutFacts changed the facts: drifted = %q", got)
			}
		})
	}
}
