package searchbench_test

import (
	"strings"
	"testing"

	"callboard/bench/searchbench"
)

// TestRunSmall runs the whole bench on a small org and checks that every
// kind of query found something and every change was found.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("bench")
	}
	rep, err := searchbench.Run(t.Context(), searchbench.Options{N: 2000, Pages: 100, DB: "sqlite", Dir: t.TempDir(), Seed: 1, Queries: 3, Changes: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range rep.Kinds {
		if k.Count != 3 || (k.Hits == 0 && k.Kind != "kind filter, page 3") {
			t.Errorf("%s: %d queries, %.0f results on average", k.Kind, k.Count, k.Hits)
		}
	}
	if rep.Visible.Count == 0 || rep.DocsVisible.Count != 2 || rep.Sections != 400 {
		t.Errorf("changes found: %d catalog, %d docs; sections %d", rep.Visible.Count, rep.DocsVisible.Count, rep.Sections)
	}
	var b strings.Builder
	searchbench.WriteTable(&b, []*searchbench.Report{rep})
	if !strings.Contains(b.String(), "p95<50") || !strings.Contains(b.String(), "docs published → found") {
		t.Errorf("table:\n%s", b.String())
	}
}
