package search_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/search"
	"callboard/store/storetest"
)

// fakeDocs serves published sites' search indexes from memory: the
// app's adapter over the docs syncer is tested in app.
type fakeDocs struct {
	mu    sync.Mutex
	sites map[string][2]string // ref -> version, search_index.json
}

func (f *fakeDocs) Version(_ context.Context, ref callboard.EntityRef) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sites[ref.String()]
	if !ok {
		return "", callboard.Errorf(callboard.NotFound, "no docs for %s", ref)
	}
	return s[0], nil
}

func (f *fakeDocs) Index(_ context.Context, ref callboard.EntityRef) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sites[ref.String()]
	if !ok {
		return nil, callboard.Errorf(callboard.NotFound, "no docs for %s", ref)
	}
	return io.NopCloser(strings.NewReader(s[1])), nil
}

func (f *fakeDocs) publish(ref, version, index string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sites[ref] = [2]string{version, index}
}

// testSearch is a catalog read from testdata/corpus.yaml (copied to
// file), a search over it on one database, and its docs.
type testSearch struct {
	svc  *search.Service
	cat  *catalog.Service
	docs *fakeDocs
	file string
}

func newTestSearch(t *testing.T, b storetest.Backend) *testSearch {
	t.Helper()
	ts := &testSearch{docs: &fakeDocs{sites: map[string][2]string{}}, file: filepath.Join(t.TempDir(), "catalog-info.yaml")}
	corpus, err := os.ReadFile("testdata/corpus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ts.file, corpus, 0o644); err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile("testdata/ledger_search_index.json")
	if err != nil {
		t.Fatal(err)
	}
	ts.docs.publish("component:default/ledger", "build-1", string(idx))
	db := b.Open(t)
	ts.cat = catalog.New(db, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: ts.file}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "Group", "User", "API", "Template", "System", "Location"}}},
		Changed:   func(refs []string) { ts.svc.EntitiesChanged(refs) },
	})
	ts.svc = search.New(search.Options{Store: db, Catalog: ts.cat, Docs: ts.docs, Logger: slog.New(slog.DiscardHandler)})
	ts.process(t)
	return ts
}

// process reads the catalog file and applies the queued index changes.
func (ts *testSearch) process(t *testing.T) {
	t.Helper()
	if err := ts.cat.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func (ts *testSearch) query(t *testing.T, ctx context.Context, r search.Request) *search.ResultSet {
	t.Helper()
	rs, err := ts.svc.Query(ctx, r)
	if err != nil {
		t.Fatalf("Query(%+v): %v", r, err)
	}
	return rs
}

func locations(rs *search.ResultSet) []string {
	var out []string
	for _, r := range rs.Results {
		out = append(out, r.Document["location"].(string))
	}
	return out
}

// TestRelevance runs the fixed corpus's queries on every database and
// checks the top hits.
func TestRelevance(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ts := newTestSearch(t, b)
			for _, tc := range []struct {
				name string
				req  search.Request
				top  []string // the first hits' locations, in order
			}{
				{"exact name beats mentions", search.Request{Term: "payments"}, []string{"/catalog/default/component/payments"}},
				{"prefix of a name", search.Request{Term: "paym"}, []string{"/catalog/default/component/payments"}},
				{"typo", search.Request{Term: "paymnets"}, []string{"/catalog/default/component/payments"}},
				{"typo in a long word", search.Request{Term: "stroefront"}, []string{"/catalog/default/component/storefront"}},
				{"two words", search.Request{Term: "payments api"}, []string{"/catalog/default/api/payments-api"}},
				{"person by latin display name", search.Request{Term: "Zhang Wei"}, []string{"/catalog/default/user/zhang.wei"}},
				{"person by chinese display name", search.Request{Term: "张伟"}, []string{"/catalog/default/user/zhang.wei"}},
				{"person by login", search.Request{Term: "zhang.wei"}, []string{"/catalog/default/user/zhang.wei"}},
				{"person by part of display name", search.Request{Term: "李娜"}, []string{"/catalog/default/user/li.na"}},
				{"person by latin part of display name", search.Request{Term: "li na"}, []string{"/catalog/default/user/li.na"}},
				{"team by chinese display name", search.Request{Term: "支付团队"}, []string{"/catalog/default/group/team-pay"}},
				{"chinese title", search.Request{Term: "账本"}, []string{"/catalog/default/component/ledger"}},
				{"chinese in a description", search.Request{Term: "库存"}, []string{"/catalog/default/component/inventory"}},
				{"chinese template title", search.Request{Term: "微服务"}, []string{"/create/templates/default/go-service"}},
				{"docs section by chinese heading", search.Request{Term: "部署", Types: []string{"techdocs"}},
					[]string{"/docs/default/component/ledger/#deploy"}},
				{"docs section by text", search.Request{Term: "settlement fails"}, []string{"/docs/default/component/ledger/operations/#runbook"}},
				{"docs page by title", search.Request{Term: "operations", Types: []string{"techdocs"}},
					[]string{"/docs/default/component/ledger/operations/"}},
				{"kind filter", search.Request{Term: "payments", Filters: map[string][]string{"kind": {"API"}}},
					[]string{"/catalog/default/api/payments-api"}},
				{"owner filter", search.Request{Term: "service", Filters: map[string][]string{"owner": {"team-web"}}, PageLimit: 1},
					[]string{"/create/templates/default/go-service"}},
				{"templates only", search.Request{Term: "go", Types: []string{"scaffolder-template"}}, []string{"/create/templates/default/go-service"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got := locations(ts.query(t, t.Context(), tc.req))
					if len(got) > len(tc.top) {
						got = got[:len(tc.top)]
					}
					if diff := cmp.Diff(tc.top, got); diff != "" {
						t.Errorf("%q: top hits (-want +got):\n%s", tc.req.Term, diff)
					}
				})
			}
		})
	}
}

// TestResultSet checks Backstage's shape: document fields, highlight,
// ranks, cursors and counts.
func TestResultSet(t *testing.T) {
	ts := newTestSearch(t, storetest.Backends(t)[0])
	rs := ts.query(t, t.Context(), search.Request{Term: "payments", PageLimit: 2})
	if rs.NumberOfResults < 4 {
		t.Fatalf("NumberOfResults = %d, want at least 4", rs.NumberOfResults)
	}
	first := rs.Results[0]
	for k, want := range map[string]any{
		"title": "Payments", "location": "/catalog/default/component/payments", "kind": "Component",
		"namespace": "default", "name": "payments", "owner": "team-pay", "lifecycle": "production",
		"type": "service", "componentType": "service", "text": "Takes card payments and refunds",
	} {
		if got := first.Document[k]; got != want {
			t.Errorf("document[%q] = %v, want %v", k, got, want)
		}
	}
	if first.Type != "software-catalog" || first.Rank != 1 || rs.Results[1].Rank != 2 {
		t.Errorf("type, ranks = %s, %d, %d; want software-catalog, 1, 2", first.Type, first.Rank, rs.Results[1].Rank)
	}
	h := first.Highlight
	if want := h.PreTag + "Payments" + h.PostTag; h.Fields["title"] != want {
		t.Errorf("highlight title = %q, want %q", h.Fields["title"], want)
	}
	if !strings.Contains(h.Fields["text"], h.PreTag+"payments"+h.PostTag) {
		t.Errorf("highlight text = %q, want payments marked", h.Fields["text"])
	}
	if rs.PreviousPageCursor != "" || rs.NextPageCursor != "MQ==" {
		t.Errorf("cursors = %q, %q; want none and MQ== (Backstage's page 1)", rs.PreviousPageCursor, rs.NextPageCursor)
	}
	next := ts.query(t, t.Context(), search.Request{Term: "payments", PageLimit: 2, PageCursor: rs.NextPageCursor})
	if next.Results[0].Rank != 3 || next.PreviousPageCursor != "MA==" {
		t.Errorf("page 2: first rank %d, previous %q; want 3, MA==", next.Results[0].Rank, next.PreviousPageCursor)
	}
	// Chinese highlights mark the matched characters.
	zh := ts.query(t, t.Context(), search.Request{Term: "张伟"})
	if h := zh.Results[0].Highlight; h.Fields["title"] != h.PreTag+"张伟"+h.PostTag {
		t.Errorf("chinese highlight = %q", h.Fields["title"])
	}
	// Facets count by type, kind and owner, ignoring their own filter.
	f := ts.query(t, t.Context(), search.Request{Term: "payments", Filters: map[string][]string{"kind": {"api"}}})
	if f.NumberOfResults != 1 {
		t.Errorf("kind=api: NumberOfResults = %d, want 1", f.NumberOfResults)
	}
	kinds := map[string]int{}
	for _, c := range f.Facets.Kinds {
		kinds[c.Value] = c.Count
	}
	if kinds["api"] != 1 || kinds["component"] < 3 {
		t.Errorf("kind facet = %v, want api 1 and component ≥ 3 (the kind filter does not narrow its own facet)", kinds)
	}
	for _, bad := range []search.Request{
		{Term: "x", PageCursor: "not base64!"},
		{Term: "x", PageLimit: 1000},
		{Term: "x", Filters: map[string][]string{"lifecycle": {"production"}}},
	} {
		if _, err := ts.svc.Query(t.Context(), bad); callboard.ErrorKind(err) != callboard.Invalid {
			t.Errorf("Query(%+v) = %v, want Invalid", bad, err)
		}
	}
}

// TestPermissions checks that a caller never finds a document of an
// entity it may not read: entities, their docs, and the counts.
func TestPermissions(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ts := newTestSearch(t, b)
			// The caller may read everything but the ledger and users.
			pred, err := index.ParsePredicate(map[string]any{"$not": map[string]any{"$any": []any{
				map[string]any{"metadata.name": "ledger"}, map[string]any{"kind": "user"}}}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := catalog.WithReadFilter(t.Context(), func(context.Context) (catalog.Visibility, error) {
				return catalog.Visibility{Predicate: pred, Allows: func(e *callboard.Entity) bool {
					return e.Metadata.Name != "ledger" && e.Kind != "User"
				}}, nil
			})
			for _, term := range []string{"张伟", "账本", "settlement", "部署"} {
				if rs := ts.query(t, ctx, search.Request{Term: term}); rs.NumberOfResults != 0 || len(rs.Results) != 0 {
					t.Errorf("%q: %d results (%v), want none visible", term, rs.NumberOfResults, locations(rs))
				}
			}
			rs := ts.query(t, ctx, search.Request{Term: "payments"})
			for _, l := range locations(rs) {
				if strings.Contains(l, "ledger") {
					t.Errorf("payments: hidden %s listed", l)
				}
			}
			if rs.NumberOfResults != len(rs.Results) || rs.NumberOfResults == 0 {
				t.Errorf("payments: NumberOfResults %d, %d results", rs.NumberOfResults, len(rs.Results))
			}
		})
	}
}

// TestIncremental checks that catalog writes and docs publishes reach
// the index, and that Reconcile repairs what was missed.
func TestIncremental(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ts := newTestSearch(t, b)
			ctx := t.Context()
			corpus, _ := os.ReadFile(ts.file)
			changed := strings.Replace(string(corpus), "Stock levels per warehouse", "Stock levels per warehouse counted by quokkas", 1)
			changed = strings.Replace(changed, "kind: Component\nmetadata: {name: search-indexer", "kind: Component\nmetadata: {name: search-indexer-v2", 1)
			if err := os.WriteFile(ts.file, []byte(changed), 0o644); err != nil {
				t.Fatal(err)
			}
			ts.process(t)
			if got := locations(ts.query(t, ctx, search.Request{Term: "quokkas"})); !cmp.Equal(got, []string{"/catalog/default/component/inventory"}) {
				t.Errorf("after an edit: quokkas = %v", got)
			}
			if got := locations(ts.query(t, ctx, search.Request{Term: "search-indexer"})); len(got) == 0 || got[0] != "/catalog/default/component/search-indexer-v2" {
				t.Errorf("after a rename: search-indexer = %v", got)
			}
			for _, l := range locations(ts.query(t, ctx, search.Request{Term: "indexer"})) {
				if l == "/catalog/default/component/search-indexer" {
					t.Errorf("the removed entity is still found")
				}
			}
			// A docs publish reaches the index.
			ts.docs.publish("component:default/ledger", "build-2", `{"docs": [{"location": "#wombats", "title": "Wombats", "text": "All about wombats."}]}`)
			ts.svc.DocsChanged(callboard.EntityRef{Kind: "component", Namespace: "default", Name: "ledger"})
			if err := ts.svc.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if got := locations(ts.query(t, ctx, search.Request{Term: "wombats"})); !cmp.Equal(got, []string{"/docs/default/component/ledger/#wombats"}) {
				t.Errorf("after a publish: wombats = %v", got)
			}
			if got := ts.query(t, ctx, search.Request{Term: "runbook"}); got.NumberOfResults != 0 {
				t.Errorf("the old build's sections are still found: %v", locations(got))
			}
			// A publish nobody announced (CI) is picked up by Reconcile.
			ts.docs.publish("component:default/ledger", "build-3", `{"docs": [{"location": "#koalas", "title": "Koalas", "text": "Koalas."}]}`)
			if n, err := ts.svc.Reconcile(ctx); err != nil || n != 1 {
				t.Errorf("Reconcile = %d, %v; want 1 set rewritten", n, err)
			}
			if got := ts.query(t, ctx, search.Request{Term: "koalas"}); got.NumberOfResults != 1 {
				t.Errorf("after reconcile: koalas = %v", locations(got))
			}
			if n, err := ts.svc.Reconcile(ctx); err != nil || n != 0 {
				t.Errorf("second Reconcile = %d, %v; want nothing to do", n, err)
			}
		})
	}
}
