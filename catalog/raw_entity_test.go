package catalog_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/internal/compattest"
)

// TestEntityJSONIsMarshal: AppendEntityJSON serves every entity as json.Marshal
// of Entity does, byte for byte: Backstage's examples (relations of every
// kind, entities without any), a Location with a status, and an orphan.
func TestEntityJSONIsMarshal(t *testing.T) {
	examples := compattest.Dir(t, "backstage-examples")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocationOf("./a.yaml", "./missing.yaml"))
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service")+"---\n"+component("svc-b", "team-a", "service"))
	c := newTestCatalog(t, catalog.Options{OrphanStrategy: "keep",
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")},
			{Type: "file", Target: filepath.Join(examples, "all.yaml")}, {Type: "file", Target: filepath.Join(examples, "acme-corp.yaml")}}})
	mustProcess(t, c)
	writeFile(t, filepath.Join(dir, "a.yaml"), component("svc-a", "team-a", "service"))
	mustProcess(t, c) // svc-b is an orphan now

	es, _, err := c.Query(t.Context(), index.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var withStatus, orphans, without int
	for _, e := range es {
		ref := e.Ref()
		want, err := json.Marshal(mustEntity(t, c, ref.String()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.AppendEntityJSON(t.Context(), nil, ref)
		if err != nil {
			t.Fatalf("AppendEntityJSON(%s): %v", ref, err)
		}
		if string(got) != string(want) {
			t.Errorf("AppendEntityJSON(%s) =\n%s\nwant\n%s", ref, got, want)
		}
		switch {
		case e.Status != nil:
			withStatus++
		case e.Annotation(callboard.AnnotationOrphan) == "true":
			orphans++
		case len(e.Relations) == 0:
			without++
		}
	}
	if withStatus == 0 || orphans == 0 || without == 0 || len(es) < 50 {
		t.Errorf("%d entities, %d with a status, %d orphans, %d without relations: want some of each", len(es), withStatus, orphans, without)
	}
	_, err = c.AppendEntityJSON(t.Context(), nil, callboard.MustParseRef("component:default/none"))
	if callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("AppendEntityJSON of a missing entity: %v, want NotFound", err)
	}
}
