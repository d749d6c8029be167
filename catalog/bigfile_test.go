package catalog_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/descriptor"
)

// exportedFile is one file of n components, each padded so that the file
// passes the registered-location limit: an org's export of one kind.
func exportedFile(n, pad int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\n%s  system: s%d\n", strings.Replace(component(fmt.Sprintf("c%d", i), "team-a", "service"),
			"metadata:\n", "metadata:\n  description: "+strings.Repeat("d", pad)+"\n", 1), i%7)
	}
	return b.String()
}

// TestBigExportedFile: a catalog.locations file past 4 MiB ingests whole;
// the same file registered through the API is refused with the limit
// named, and the operator's file is untouched by that refusal.
func TestBigExportedFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "components.yaml")
	src := exportedFile(5000, 1000)
	if len(src) <= descriptor.DefaultMaxFileBytes {
		t.Fatalf("file is %d bytes, want more than %d", len(src), descriptor.DefaultMaxFileBytes)
	}
	writeFile(t, big, src)
	c := newTestCatalog(t, catalog.Options{Locations: []catalog.StaticLocation{{Type: "file", Target: big}}})
	mustProcess(t, c)
	for _, ref := range []string{"component:c0", "component:c2500", "component:c4999"} {
		if e := mustEntity(t, c, ref); len(e.Metadata.Description) != 1000 {
			t.Errorf("%s: description of %d bytes, want 1000", ref, len(e.Metadata.Description))
		}
	}
	if msg := statusMessages(mustEntity(t, c, "location:generated-"+sha1Hex("file:"+big))); msg != "" {
		t.Errorf("static location status = %q, want none", msg)
	}

	other := filepath.Join(t.TempDir(), "components.yaml")
	writeFile(t, other, strings.ReplaceAll(src, "name: c", "name: r"))
	if _, _, _, err := c.AddLocation(t.Context(), "file", other, false); err != nil {
		t.Fatal(err)
	}
	msg := statusMessages(mustEntity(t, c, "location:generated-"+sha1Hex("file:"+other)))
	if !strings.Contains(msg, "is larger than 4 MiB (catalog.limits.maxRegisteredFileBytes)") {
		t.Errorf("registered location status = %q, want the file refused naming catalog.limits.maxRegisteredFileBytes", msg)
	}
	if _, err := c.Entity(t.Context(), callboard.MustParseRef("component:r0")); err == nil {
		t.Error("component:r0 from the refused file exists")
	}
	mustEntity(t, c, "component:c4999")
}

// TestBigFileLimitConfigured: a lowered catalog.limits.maxFileBytes
// refuses the operator's own file too, naming that key.
func TestBigFileLimitConfigured(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "components.yaml")
	writeFile(t, big, exportedFile(100, 100))
	c := newTestCatalog(t, catalog.Options{
		Locations:          []catalog.StaticLocation{{Type: "file", Target: big}},
		MaxStaticFileBytes: 4 << 10,
	})
	mustProcess(t, c)
	msg := statusMessages(mustEntity(t, c, "location:generated-"+sha1Hex("file:"+big)))
	if !strings.Contains(msg, "is larger than 4096 bytes (catalog.limits.maxFileBytes)") {
		t.Errorf("status = %q, want the file refused naming catalog.limits.maxFileBytes", msg)
	}
}
