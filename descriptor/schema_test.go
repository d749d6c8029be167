package descriptor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"callboard/descriptor"
)

// schemaSet is Backstage's JSON schemas from compat, compiled once per test:
// the Entity schema and one schema per kind.
type schemaSet struct {
	entity *jsonschema.Schema
	kinds  []*jsonschema.Schema
}

func loadSchemas(t *testing.T) *schemaSet {
	t.Helper()
	dir := filepath.Join(compatDir(t), "schemas")
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	ids := map[string]string{} // $id -> resource URL
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
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
		// Backstage registers schemas by their bare $id ("Entity",
		// "common"); a shared base URL makes those ids resolve the same way.
		url := "https://backstage.invalid/" + id
		ids[id] = url
		return c.AddResource(url, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &schemaSet{}
	for id, url := range ids {
		sch, err := c.Compile(url)
		if err != nil {
			t.Fatalf("compile %s: %v", id, err)
		}
		switch {
		case id == "Entity":
			s.entity = sch
		case strings.Contains(id, "V1"):
			s.kinds = append(s.kinds, sch)
		}
	}
	if s.entity == nil || len(s.kinds) < 9 {
		t.Fatalf("schemas: entity %v, %d kinds", s.entity != nil, len(s.kinds))
	}
	return s
}

// valid is Backstage's schema verdict: the Entity schema holds and some kind
// schema accepts the entity (a kind or apiVersion mismatch makes a kind
// schema not apply; no applicable kind means rejection).
func (s *schemaSet) valid(raw map[string]any) bool {
	v := any(raw)
	if s.entity.Validate(v) != nil {
		return false
	}
	for _, k := range s.kinds {
		if k.Validate(v) == nil {
			return true
		}
	}
	return false
}

// stubURLs reads files from disk but answers URLs with a stub, so that
// every placeholder resolves to a string the schemas can check.
func stubURLs(root string) descriptor.ReadFunc {
	disk := diskReader(root)
	return func(ctx context.Context, target string) ([]byte, error) {
		if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") {
			return []byte("openapi: 3.0.0\n"), nil
		}
		return disk(ctx, target)
	}
}

// schemaRejects lists the compat/invalid files whose reason is a schema
// rule. The others break rules that Backstage enforces in code
// (FieldFormatEntityPolicy, entity ref parsing, the YAML parser), which the
// schemas accept; the test checks that too, so the table stays honest.
var schemaRejects = map[string]bool{
	"04-component-missing-owner.yaml":     true,
	"05-wrong-apiversion-for-kind.yaml":   true,
	"06-apiversion-malformed.yaml":        true, // matches no kind's apiVersion enum
	"07-kind-missing.yaml":                true,
	"08-kind-bad-chars.yaml":              true, // matches no kind's enum
	"14-annotation-value-not-string.yaml": true,
	"18-unknown-root-field.yaml":          true,
	"19-api-missing-definition.yaml":      true,
	"20-group-missing-children.yaml":      true,
	"21-metadata-name-missing.yaml":       true,
	"22-metadata-name-not-string.yaml":    true,
	"23-empty-spec-type.yaml":             true,
	"24-link-missing-url.yaml":            true,
	"25-user-missing-memberof.yaml":       true,
	"26-template-missing-steps.yaml":      true,
	"28-spec-missing.yaml":                true,
}

func TestSchemaCrossCheck(t *testing.T) {
	schemas := loadSchemas(t)
	var files []string
	files = append(files, compatFiles(t, "backstage-examples")...)
	files = append(files, compatFiles(t, "invalid")...)
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			docs, problems := descriptor.Parse(file, data)
			if len(problems) > 0 {
				t.Skipf("YAML-level problem, schemas do not apply: %v", problems[0])
			}
			abs, _ := filepath.Abs(file)
			invalid := strings.Contains(file, "invalid")
			for _, d := range docs {
				if ps := descriptor.ResolvePlaceholders(t.Context(), d, abs, stubURLs(filepath.Dir(abs)), nil); len(ps) > 0 {
					t.Fatalf("placeholders: %v", ps)
				}
				schemaOK := schemas.valid(d.Raw)
				_, ps := descriptor.Validate(d)
				ours := len(ps) == 0
				switch {
				case !invalid && (!schemaOK || !ours):
					t.Errorf("example: schema valid %v, ours valid %v (%v)", schemaOK, ours, ps)
				case invalid && schemaRejects[name] && (schemaOK || ours):
					t.Errorf("schema rule: schema valid %v, ours valid %v", schemaOK, ours)
				case invalid && !schemaRejects[name] && (!schemaOK || ours):
					t.Errorf("code rule: schema valid %v (want true), ours valid %v (want false)", schemaOK, ours)
				}
			}
		})
	}
}

func TestCompatTemplatesValid(t *testing.T) {
	for _, file := range compatFiles(t, "templates") {
		if filepath.Base(file) != "template.yaml" {
			continue // skeleton files are Nunjucks, YAML only after rendering
		}
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			entities, problems := loadFile(t, file)
			for _, p := range problems {
				t.Errorf("problem: %s", p)
			}
			if len(entities) != 1 || entities[0].Kind != "Template" {
				t.Fatalf("got %d entities, want one Template", len(entities))
			}
			schemas := loadSchemas(t)
			data, _ := os.ReadFile(file)
			docs, _ := descriptor.Parse(file, data)
			if !schemas.valid(docs[0].Raw) {
				t.Errorf("Template schema rejects %s", file)
			}
		})
	}
}
