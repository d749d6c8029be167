package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// TestSearchStore checks matching, ranking, filters, counts, permissions
// and replacement on every backend.
func TestSearchStore(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			mustIndex(t, db, searchCorpus())
			for _, tc := range []struct {
				name string
				q    callboard.SearchQuery
				want []string // IDs of the hits, in order
				tot  int
			}{
				{"exact name first", callboard.SearchQuery{Term: "payments"}, []string{"payments", "payments-api", "ledger"}, 3},
				{"prefix", callboard.SearchQuery{Term: "paym"}, []string{"payments", "payments-api", "ledger"}, 3},
				{"typo", callboard.SearchQuery{Term: "paymnets"}, []string{"payments", "payments-api", "ledger"}, 3},
				{"two words", callboard.SearchQuery{Term: "payments api"}, []string{"payments-api"}, 1},
				{"display name", callboard.SearchQuery{Term: "Zhang Wei"}, []string{"zhang.wei"}, 1},
				{"chinese name", callboard.SearchQuery{Term: "张伟"}, []string{"zhang.wei"}, 1},
				{"chinese substring", callboard.SearchQuery{Term: "结算"}, []string{"ledger"}, 1},
				{"chinese one character", callboard.SearchQuery{Term: "账"}, []string{"ledger"}, 1},
				{"filter kind", callboard.SearchQuery{Term: "payments", Kinds: []string{"API"}}, []string{"payments-api"}, 1},
				{"filter type", callboard.SearchQuery{Term: "payments", Types: []string{callboard.SearchTypeTechDocs}}, []string{"ledger"}, 1},
				{"paged", callboard.SearchQuery{Term: "payments", Offset: 1, Limit: 1}, []string{"payments-api"}, 3},
				{"allowed", callboard.SearchQuery{Term: "payments", Allow: func(_ context.Context, es []string) ([]bool, error) {
					out := make([]bool, len(es))
					for i, e := range es {
						out[i] = e != "component:default/payments"
					}
					return out, nil
				}}, []string{"payments-api", "ledger"}, 2},
				{"nothing", callboard.SearchQuery{Term: "zzzz"}, nil, 0},
				{"only punctuation", callboard.SearchQuery{Term: "**"}, nil, 0},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if tc.q.Limit == 0 {
						tc.q.Limit = 10
					}
					ans, err := db.Search(t.Context(), tc.q)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, h := range ans.Hits {
						got = append(got, h.Doc.ID)
					}
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("hits (-want +got):\n%s", diff)
					}
					if ans.Total != tc.tot {
						t.Errorf("Total = %d, want %d", ans.Total, tc.tot)
					}
				})
			}
			// Replacing a set drops its old documents.
			mustIndex(t, db, []callboard.SearchSet{{Type: callboard.SearchTypeCatalog, Entity: "api:default/payments-api", Version: "2"}})
			ans, err := db.Search(t.Context(), callboard.SearchQuery{Term: "payments", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Total != 2 {
				t.Errorf("after removing payments-api: Total = %d, want 2", ans.Total)
			}
			v, err := db.SearchVersions(t.Context(), callboard.SearchTypeCatalog)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]string{"component:default/payments": "1", "user:default/zhang.wei": "1"}, v); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
		})
	}
}

func mustIndex(t *testing.T, db *store.DB, sets []callboard.SearchSet) {
	t.Helper()
	if err := db.IndexSearch(t.Context(), sets); err != nil {
		t.Fatalf("IndexSearch: %v", err)
	}
}

func searchCorpus() []callboard.SearchSet {
	doc := func(id, kind, name, title, alt, text string, kw ...string) callboard.SearchDocument {
		return callboard.SearchDocument{ID: id, Kind: kind, Name: name, Title: title, AltName: alt, Text: text, Keywords: kw,
			Owner: "group:default/team-a", Fields: map[string]any{"title": title}}
	}
	return []callboard.SearchSet{
		{Type: callboard.SearchTypeCatalog, Entity: "component:default/payments", Version: "1",
			Docs: []callboard.SearchDocument{doc("payments", "Component", "payments", "Payments", "", "Takes card payments", "service")}},
		{Type: callboard.SearchTypeCatalog, Entity: "api:default/payments-api", Version: "1",
			Docs: []callboard.SearchDocument{doc("payments-api", "API", "payments-api", "payments-api", "", "REST API of the payments service")}},
		{Type: callboard.SearchTypeCatalog, Entity: "user:default/zhang.wei", Version: "1",
			Docs: []callboard.SearchDocument{doc("zhang.wei", "User", "zhang.wei", "张伟", "Zhang Wei", "zhang.wei@example.com")}},
		{Type: callboard.SearchTypeTechDocs, Entity: "component:default/ledger", Version: "7",
			Docs: []callboard.SearchDocument{doc("ledger", "Component", "", "Ledger design", "", "账本服务负责结算。It settles payments nightly.")}},
	}
}

// TestSearchManyMatches checks counts, ranking and deep pages when the
// matches outnumber what one query reads.
func TestSearchManyMatches(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			var sets []callboard.SearchSet
			for i := range 2600 {
				name := fmt.Sprintf("filler-%04d", i)
				sets = append(sets, callboard.SearchSet{Type: callboard.SearchTypeCatalog, Entity: "component:default/" + name, Version: "1",
					Docs: []callboard.SearchDocument{{ID: name, Kind: "Component", Name: name, Title: name, Text: "a common word", Fields: map[string]any{}}}})
			}
			sets = append(sets, callboard.SearchSet{Type: callboard.SearchTypeCatalog, Entity: "component:default/zz-common", Version: "1",
				Docs: []callboard.SearchDocument{{ID: "zz-common", Kind: "Component", Name: "common", Title: "Common", Fields: map[string]any{}}}})
			mustIndex(t, db, sets)
			ans, err := db.Search(t.Context(), callboard.SearchQuery{Term: "common", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Total != 2601 || len(ans.Hits) != 10 || ans.Hits[0].Doc.ID != "zz-common" {
				t.Fatalf("Total %d, %d hits, first %s; want 2601, 10, zz-common", ans.Total, len(ans.Hits), ans.Hits[0].Doc.ID)
			}
			grouped := 0
			for _, g := range ans.Groups {
				grouped += g.Count
			}
			if !ans.GroupsPartial || grouped >= ans.Total {
				t.Errorf("groups partial %v counting %d of %d; want partial, fewer", ans.GroupsPartial, grouped, ans.Total)
			}
			last, err := db.Search(t.Context(), callboard.SearchQuery{Term: "common", Offset: 2595, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if last.Total != 2601 || len(last.Hits) != 6 {
				t.Errorf("last page: Total %d, %d hits; want 2601, 6", last.Total, len(last.Hits))
			}
			kinds, err := db.Search(t.Context(), callboard.SearchQuery{Term: "common", Kinds: []string{"component"}, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if kinds.Total != 2601 {
				t.Errorf("with a kind filter: Total %d, want 2601", kinds.Total)
			}
		})
	}
}

// TestSearchManyMatchesFewPass checks that, with more matches than are
// grouped, a filter that few of them pass is counted exactly, and that
// its hits are found past the first matches; and that reindexing a
// match changes no count.
func TestSearchManyMatchesFewPass(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			db := b.Open(t)
			var sets []callboard.SearchSet
			add := func(name, kind, text string) {
				sets = append(sets, callboard.SearchSet{Type: callboard.SearchTypeCatalog, Entity: strings.ToLower(kind) + ":default/" + name, Version: "1",
					Docs: []callboard.SearchDocument{{ID: name, Kind: kind, Name: name, Title: name, Text: text, Fields: map[string]any{}}}})
			}
			for i := range 1500 {
				add(fmt.Sprintf("filler-%04d", i), "Component", "a shared word")
			}
			for i := range 3 {
				add(fmt.Sprintf("zz-api-%d", i), "API", "the shared word too")
			}
			mustIndex(t, db, sets)
			mustIndex(t, db, sets[:10]) // replaced: the same documents
			for _, q := range []callboard.SearchQuery{
				{Term: "shared", Kinds: []string{"api"}, Limit: 10},
				{Term: "shared word", Kinds: []string{"API"}, Limit: 2, Offset: 1},
			} {
				ans, err := db.Search(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if ans.Total != 3 || len(ans.Hits) != min(3-q.Offset, q.Limit) || !ans.GroupsPartial {
					t.Errorf("%q kind api offset %d: Total %d, %d hits, groups partial %v; want 3, %d, true",
						q.Term, q.Offset, ans.Total, len(ans.Hits), ans.GroupsPartial, min(3-q.Offset, q.Limit))
				}
				for _, h := range ans.Hits {
					if !strings.HasPrefix(h.Doc.ID, "zz-api-") {
						t.Errorf("%q kind api: hit %s", q.Term, h.Doc.ID)
					}
				}
			}
			ans, err := db.Search(t.Context(), callboard.SearchQuery{Term: "shared", Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Total < 1503 || ans.Total > 1513 {
				t.Errorf("unfiltered: Total %d, want 1503 (about: up to 10 replaced versions)", ans.Total)
			}
		})
	}
}
