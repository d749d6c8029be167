package catalog_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"callboard/catalog"
	"callboard/index"
)

// A first ingest gives the index the relations that later chunks add to
// entities of earlier chunks in bulk (firstIngestRelEvery); once
// ProcessAll returns, relation filters find all of them.
func TestFirstIngestIndexesRelationsFromLaterChunks(t *testing.T) {
	dir := t.TempDir()
	const files, perFile = 10, 3000 // five 6,000-entity chunks: the graph runs at most two ahead of the index
	targets := []string{"./a-team.yaml"}
	writeFile(t, filepath.Join(dir, "a-team.yaml"), `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
`)
	for f := range files {
		var docs []string
		for i := range perFile {
			docs = append(docs, component(fmt.Sprintf("svc-%d-%d", f, i), "team-a", "service"))
		}
		name := fmt.Sprintf("z-%d.yaml", f)
		writeFile(t, filepath.Join(dir, name), strings.Join(docs, "---\n"))
		targets = append(targets, "./"+name)
	}
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocationOf(targets...))
	c := newTestCatalog(t, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	mustProcess(t, c)

	last := fmt.Sprintf("component:default/svc-%d-%d", files-1, perFile-1)
	page, err := c.QueryPage(t.Context(), index.Query{Filter: mustFilter(t, "relations.ownerof="+last)})
	if err != nil || page.Total != 1 {
		t.Fatalf("groups owning %s: total %d, err %v; want team-a", last, page.Total, err)
	}
	facets := c.Facets(t.Context(), []string{"relations.ownerOf"}, mustFilter(t, "kind=group"))
	if got := len(facets["relations.ownerOf"]); got != files*perFile {
		t.Errorf("team-a's ownerOf values in the index = %d, want %d", got, files*perFile)
	}
}
