package catalog_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/index"
)

// bigFile is n components (svc-0, svc-1, …) with, at doc 5, a Location of
// child.yaml and, at doc 10, a component whose name is invalid: a file of
// several parts (catalog.fileDocsPart documents each). The docs of skip
// are left out.
func bigFile(n int, skip ...int) string {
	var docs []string
	for i := range n {
		switch {
		case slices.Contains(skip, i):
		case i == 5:
			docs = append(docs, "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: sub\nspec:\n  target: ./child.yaml\n")
		case i == 10:
			docs = append(docs, component("bad name!", "team-a", "service"))
		default:
			docs = append(docs, component(fmt.Sprintf("svc-%d", i), "team-a", "service"))
		}
	}
	return strings.Join(docs, "---\n")
}

// A file read in parts is applied as one: its Locations are walked, its
// problems stay on the Location while it is unchanged, entities it no
// longer lists go, and a broken file keeps what it had.
func TestBigFileInParts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocationOf("./big.yaml"))
	writeFile(t, filepath.Join(dir, "big.yaml"), bigFile(700))
	writeFile(t, filepath.Join(dir, "child.yaml"), component("child-svc", "team-a", "service"))
	c := newTestCatalog(t, catalog.Options{OrphanStrategy: "delete",
		Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	count := func() int {
		t.Helper()
		_, total, err := c.Query(t.Context(), index.Query{Filter: mustFilter(t, "kind=component")})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	nameProblem := func(when string) {
		t.Helper()
		if msg := statusMessages(mustEntity(t, c, "location:root")); !strings.Contains(msg, "metadata.name") {
			t.Errorf("%s: location status = %q, want the invalid name of doc 10", when, msg)
		}
	}

	mustProcess(t, c)
	if got := count(); got != 698+1 { // less the Location and the invalid one, plus child-svc
		t.Fatalf("components = %d, want 699", got)
	}
	for _, ref := range []string{"component:svc-0", "component:svc-699", "component:child-svc", "location:sub"} {
		mustEntity(t, c, ref)
	}
	nameProblem("first read")
	mustProcess(t, c) // big.yaml unchanged: not read again
	nameProblem("unchanged")

	writeFile(t, filepath.Join(dir, "big.yaml"), bigFile(600, 20))
	mustProcess(t, c)
	if got := count(); got != 597+1 {
		t.Errorf("components after dropping 101 = %d, want 598", got)
	}
	for _, ref := range []string{"component:svc-20", "component:svc-650"} { // of the first part and the last
		if _, err := c.Entity(t.Context(), callboard.MustParseRef(ref)); callboard.ErrorKind(err) != callboard.NotFound {
			t.Errorf("%s after it left the file: err %v, want NotFound", ref, err)
		}
	}

	writeFile(t, filepath.Join(dir, "big.yaml"), bigFile(300)+"---\nmetadata: {name: broken\n")
	mustProcess(t, c)
	if got := count(); got != 598+1 { // svc-20 is back
		t.Errorf("components after a broken read = %d, want 599: a broken file keeps what it had", got)
	}
	mustEntity(t, c, "component:svc-599")
}
