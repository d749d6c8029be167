package catalog_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/descriptor"
	"callboard/index"
	"callboard/urlread"
)

// placeholderList is a component whose spec.items holds n $text
// placeholders of target.
func placeholderList(name string, n int, target string) string {
	var b strings.Builder
	b.WriteString(component(name, "team-a", "service") + "  items:\n")
	for range n {
		b.WriteString("    - {$text: " + target + "}\n")
	}
	return b.String()
}

// TestAttackPlaceholderAmplification: a small file whose placeholders name
// one 1 MiB file hundreds of times used to make an entity of hundreds of
// megabytes. Such a document is refused with the limit named on its
// location; the other documents of the file and of other files ingest.
func TestAttackPlaceholderAmplification(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big1m.txt"), strings.Repeat("a", 1<<20))
	writeFile(t, filepath.Join(dir, "many.yaml"),
		placeholderList("amplified", 300, "./big1m.txt")+"---\n"+component("innocent", "team-a", "service"))
	writeFile(t, filepath.Join(dir, "bytes.yaml"),
		placeholderList("hundred", 100, "./big1m.txt")+"---\n"+component("neighbour", "team-a", "service"))
	writeFile(t, filepath.Join(dir, "fine.yaml"), placeholderList("one-copy", 1, "./big1m.txt"))
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), rootLocationOf("./many.yaml", "./bytes.yaml", "./fine.yaml"))
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: filepath.Join(dir, "catalog-info.yaml")}}})
	mustProcess(t, c)

	for _, ref := range []string{"component:amplified", "component:hundred"} {
		if _, err := c.Entity(t.Context(), callboard.MustParseRef(ref)); callboard.ErrorKind(err) != callboard.NotFound {
			t.Errorf("%s: err = %v, want NotFound (refused)", ref, err)
		}
	}
	for _, ref := range []string{"component:innocent", "component:neighbour"} {
		mustEntity(t, c, ref)
	}
	if got := len(mustEntity(t, c, "component:one-copy").Spec["items"].([]any)[0].(string)); got != 1<<20 {
		t.Errorf("one-copy's item is %d bytes, want the whole 1 MiB file", got)
	}
	msg := statusMessages(mustEntity(t, c, "location:root"))
	for _, want := range []string{
		"many.yaml:1: 300 placeholders, over catalog.limits.maxPlaceholdersPerEntity (100)",
		"bytes.yaml:17: spec.items[7]: $text ./big1m.txt: placeholders make the entity",
		"over catalog.limits.maxEntityBytes (8 MiB)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("location status = %q, want %q", msg, want)
		}
	}
	// The watcher's next pass skips the unchanged files; the errors stay.
	mustProcess(t, c)
	if again := statusMessages(mustEntity(t, c, "location:root")); again != msg {
		t.Errorf("location status after an unchanged pass = %q, want %q", again, msg)
	}
	es, _, err := c.Query(t.Context(), index.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if b, _ := json.Marshal(e); len(b) > descriptor.DefaultMaxBytes+64<<10 {
			t.Errorf("%s is stored as %d bytes of JSON, over the budget", e.Ref(), len(b))
		}
	}
}

// TestAttackPlaceholderAmplificationKeepsLastGood: an entity that grows
// past the budget keeps its last good version, with the error on it.
func TestAttackPlaceholderAmplificationKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big.txt"), strings.Repeat("b", 300<<10))
	file := filepath.Join(dir, "catalog-info.yaml")
	writeFile(t, file, placeholderList("grows", 2, "./big.txt"))
	c := newTestCatalog(t, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: file}},
		Limits:    descriptor.Limits{MaxBytes: 1 << 20},
	})
	mustProcess(t, c)
	if n := len(mustEntity(t, c, "component:grows").Spec["items"].([]any)); n != 2 {
		t.Fatalf("items = %d, want 2", n)
	}
	writeFile(t, file, placeholderList("grows", 5, "./big.txt"))
	mustProcess(t, c)
	e := mustEntity(t, c, "component:grows")
	if n := len(e.Spec["items"].([]any)); n != 2 {
		t.Errorf("items = %d, want the last good 2", n)
	}
	if msg := statusMessages(e); !strings.Contains(msg, "catalog.limits.maxEntityBytes (1 MiB)") {
		t.Errorf("status = %q, want the configured limit named", msg)
	}
}

// TestAttackAliasBomb: an anchored 256 KiB string aliased 400 times
// (100 MiB once expanded, from a 263 KB file) is refused with the byte
// limit, while the file's other document ingests.
func TestAttackAliasBomb(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(component("innocent", "team-a", "service") + "---\n")
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bomb\n  description: &big " +
		strings.Repeat("x", 256<<10) + "\nspec:\n  type: service\n  owner: team-a\n  lifecycle: production\n  items:\n")
	for range 400 {
		b.WriteString("    - *big\n")
	}
	file := filepath.Join(dir, "catalog-info.yaml")
	writeFile(t, file, b.String())
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: file}}})
	mustProcess(t, c)
	if _, err := c.Entity(t.Context(), callboard.MustParseRef("component:bomb")); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("bomb: err = %v, want NotFound (refused)", err)
	}
	mustEntity(t, c, "component:innocent")
	for _, pass := range []string{"first", "unchanged"} {
		root := mustEntity(t, c, "location:generated-"+sha1Hex("file:"+file))
		if msg := statusMessages(root); !strings.Contains(msg, "catalog-info.yaml:50: spec.items[30]: aliases expand this document past catalog.limits.maxEntityBytes (8 MiB)") {
			t.Errorf("%s pass: location status = %q, want the alias byte limit", pass, msg)
		}
		mustProcess(t, c)
	}
}

// TestPlaceholderIdenticalTargetReadOnce: placeholders naming one target,
// in one document and across the documents of a file, read it once.
func TestPlaceholderIdenticalTargetReadOnce(t *testing.T) {
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/repo/catalog-info.yaml" {
			w.Write([]byte(placeholderList("first", 3, "./readme.md") + "---\n" + placeholderList("second", 3, "./readme.md")))
			return
		}
		reads.Add(1)
		w.Write([]byte("# readme\n"))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := newTestCatalog(t, catalog.Options{Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(u.Host)}}})
	if _, _, _, err := c.AddLocation(t.Context(), "url", srv.URL+"/repo/catalog-info.yaml", false); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"component:first", "component:second"} {
		if items := mustEntity(t, c, ref).Spec["items"].([]any); len(items) != 3 || items[2] != "# readme\n" {
			t.Errorf("%s items = %q, want the readme 3 times", ref, items)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("the placeholder target was read %d times, want 1", n)
	}
}
