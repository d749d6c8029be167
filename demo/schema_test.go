package demo_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"callboard/demo"
	"callboard/descriptor"
	"callboard/internal/compattest"
)

// mustCompileSchemas compiles the Entity schema and every kind schema, with
// ids resolved the way Backstage registers them (by bare $id).
func mustCompileSchemas(t *testing.T) (entity *jsonschema.Schema, kinds []*jsonschema.Schema) {
	t.Helper()
	// Backstage's JSON schemas (catalog-model/*.schema.json and kinds/*),
	// read in place from shared/compat.
	compatSchemas := compattest.Dir(t, "schemas")
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	var ids []string
	err := filepath.WalkDir(compatSchemas, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		ids = append(ids, id)
		return c.AddResource("https://backstage.invalid/"+id, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		s, err := c.Compile("https://backstage.invalid/" + id)
		if err != nil {
			t.Fatalf("compile %s: %v", id, err)
		}
		switch {
		case id == "Entity":
			entity = s
		case strings.Contains(id, "V1"):
			kinds = append(kinds, s)
		}
	}
	if entity == nil || len(kinds) == 0 {
		t.Fatalf("schemas: no Entity schema or no kind schemas under %s", compatSchemas)
	}
	return entity, kinds
}

// TestBackstageSchemas checks each demo entity, with its $text placeholders
// resolved, against Backstage's Entity schema and its kind's schema.
func TestBackstageSchemas(t *testing.T) {
	entity, kinds := mustCompileSchemas(t)
	fsys := demo.FS()
	c := mustWalk(t, fsys)
	read := func(_ context.Context, target string) ([]byte, error) {
		return fs.ReadFile(fsys, strings.TrimPrefix(target, "/"))
	}
	files := map[string]bool{}
	for _, d := range c.docs {
		files[d.file] = true
	}
	for file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			t.Fatal(err)
		}
		docs, _ := descriptor.Parse(file, data)
		for _, d := range docs {
			descriptor.ResolvePlaceholders(t.Context(), d, "/"+file, read, nil)
			name, _ := d.Raw["metadata"].(map[string]any)["name"].(string)
			if err := entity.Validate(any(d.Raw)); err != nil {
				t.Errorf("%s: %s: Entity schema: %v", file, name, err)
				continue
			}
			ok := false
			for _, k := range kinds {
				ok = ok || k.Validate(any(d.Raw)) == nil
			}
			if !ok {
				t.Errorf("%s: %s (%v): no kind schema accepts it", file, name, d.Raw["kind"])
			}
		}
	}
}
