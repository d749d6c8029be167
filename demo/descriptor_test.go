package demo_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"callboard/demo"
	"callboard/descriptor"
)

// TestDescriptorValidate runs every demo document through the same pipeline
// the catalog uses: Parse, ResolvePlaceholders (reading from the embedded
// tree), Validate and Edges. The demo must produce no problems at all.
func TestDescriptorValidate(t *testing.T) {
	fsys := demo.FS()
	c := mustWalk(t, fsys)
	read := func(_ context.Context, target string) ([]byte, error) {
		return fs.ReadFile(fsys, strings.TrimPrefix(target, "/"))
	}
	files := map[string]bool{}
	for _, d := range c.docs {
		files[d.file] = true
	}
	var n int
	for file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			t.Fatal(err)
		}
		docs, problems := descriptor.Parse(file, data)
		for _, p := range problems {
			t.Errorf("Parse: %s", p)
		}
		for _, d := range docs {
			for _, p := range descriptor.ResolvePlaceholders(t.Context(), d, "/"+file, read, nil) {
				t.Errorf("ResolvePlaceholders: %s", p)
			}
			e, problems := descriptor.Validate(d)
			for _, p := range problems {
				t.Errorf("Validate: %s", p)
			}
			if e == nil {
				continue
			}
			n++
			if e.Kind == "API" && len(e.SpecString("definition")) < 500 {
				t.Errorf("%s: definition is %d bytes after $text; want the whole file", e.Ref(), len(e.SpecString("definition")))
			}
			if _, problems := descriptor.Edges(e); len(problems) > 0 {
				for _, p := range problems {
					t.Errorf("Edges(%s): %s", e.Ref(), p)
				}
			}
		}
	}
	if n != len(c.docs) {
		t.Errorf("validated %d entities, walked %d", n, len(c.docs))
	}
}
