package descriptor_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/descriptor"
	"callboard/internal/compattest"
)

// compatDir returns shared/compat, read in place, never copied.
func compatDir(t testing.TB) string {
	t.Helper()
	return compattest.Dir(t)
}

// compatFiles lists the YAML files under compat/<sub>. The OpenAPI
// documents under backstage-examples/apis (*.oas.yaml) are placeholder
// targets, not descriptors, so they are left out.
func compatFiles(t *testing.T, sub string) []string {
	t.Helper()
	root := filepath.Join(compatDir(t), sub)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".oas.yaml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no YAML files under %s", root)
	}
	return files
}

// diskReader reads files under root and skips URLs, like the validate
// command.
func diskReader(root string) descriptor.ReadFunc {
	abs, _ := filepath.Abs(root)
	return func(_ context.Context, target string) ([]byte, error) {
		if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
			return nil, descriptor.ErrSkip
		}
		if !strings.HasPrefix(target, abs+string(filepath.Separator)) {
			return nil, callboard.Errorf(callboard.Forbidden, "%s is outside %s", target, abs)
		}
		b, err := os.ReadFile(target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, callboard.Errorf(callboard.NotFound, "%s does not exist", target)
		}
		return b, err
	}
}

// loadFile runs Parse, ResolvePlaceholders and Validate on one file and
// returns the entities and every problem.
func loadFile(t *testing.T, file string) ([]*callboard.Entity, []descriptor.Problem) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(file)
	docs, problems := descriptor.Parse(file, data)
	var entities []*callboard.Entity
	for _, d := range docs {
		problems = append(problems, descriptor.ResolvePlaceholders(t.Context(), d, abs, diskReader(filepath.Dir(abs)), nil)...)
		e, ps := descriptor.Validate(d)
		problems = append(problems, ps...)
		if e != nil {
			entities = append(entities, e)
		}
	}
	return entities, problems
}

func TestCompatExamplesValid(t *testing.T) {
	total := 0
	for _, file := range compatFiles(t, "backstage-examples") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			entities, problems := loadFile(t, file)
			for _, p := range problems {
				t.Errorf("problem: %s", p)
			}
			if len(entities) == 0 {
				t.Errorf("no entities in %s", file)
			}
			for _, e := range entities {
				if _, ps := descriptor.Edges(e); len(ps) > 0 {
					t.Errorf("Edges(%s) problems: %v", e.Ref(), ps)
				}
			}
			total += len(entities)
		})
	}
	t.Logf("%d example entities valid", total)
}

func TestCompatPlaceholderResolved(t *testing.T) {
	file := filepath.Join(compatDir(t), "backstage-examples", "apis", "petstore-api.yaml")
	entities, problems := loadFile(t, file)
	if len(problems) > 0 || len(entities) != 1 {
		t.Fatalf("got %d entities, problems %v", len(entities), problems)
	}
	def := entities[0].SpecString("definition")
	if !strings.HasPrefix(def, "openapi:") && !strings.Contains(def, "openapi") {
		t.Errorf("spec.definition = %.60q, want the text of petstore.oas.yaml", def)
	}
}

func TestCompatEdges(t *testing.T) {
	examples := filepath.Join(compatDir(t), "backstage-examples")
	tests := []struct {
		name string
		file string
		ref  string // which entity of the file
		want []callboard.Edge
	}{
		{
			name: "component with owner, system and dependsOn",
			file: "components/artist-lookup-component.yaml",
			ref:  "component:default/artist-lookup",
			want: []callboard.Edge{
				{Source: "component:default/artist-lookup", Type: "ownedBy", Target: "group:default/team-a"},
				{Source: "group:default/team-a", Type: "ownerOf", Target: "component:default/artist-lookup"},
				{Source: "component:default/artist-lookup", Type: "partOf", Target: "system:default/artist-engagement-portal"},
				{Source: "system:default/artist-engagement-portal", Type: "hasPart", Target: "component:default/artist-lookup"},
				{Source: "component:default/artist-lookup", Type: "dependsOn", Target: "resource:default/artists-db"},
				{Source: "resource:default/artists-db", Type: "dependencyOf", Target: "component:default/artist-lookup"},
			},
		},
		{
			name: "component providing APIs",
			file: "components/petstore-component.yaml",
			ref:  "component:default/petstore",
			want: []callboard.Edge{
				{Source: "component:default/petstore", Type: "ownedBy", Target: "group:default/team-c"},
				{Source: "group:default/team-c", Type: "ownerOf", Target: "component:default/petstore"},
				{Source: "component:default/petstore", Type: "providesApi", Target: "api:default/petstore"},
				{Source: "api:default/petstore", Type: "apiProvidedBy", Target: "component:default/petstore"},
				{Source: "component:default/petstore", Type: "providesApi", Target: "api:default/streetlights"},
				{Source: "api:default/streetlights", Type: "apiProvidedBy", Target: "component:default/petstore"},
				{Source: "component:default/petstore", Type: "providesApi", Target: "api:default/hello-world"},
				{Source: "api:default/hello-world", Type: "apiProvidedBy", Target: "component:default/petstore"},
			},
		},
		{
			name: "group with parent and children",
			file: "acme/infrastructure-group.yaml",
			ref:  "group:default/infrastructure",
			want: []callboard.Edge{
				{Source: "group:default/infrastructure", Type: "childOf", Target: "group:default/acme-corp"},
				{Source: "group:default/acme-corp", Type: "parentOf", Target: "group:default/infrastructure"},
				{Source: "group:default/infrastructure", Type: "parentOf", Target: "group:default/backstage"},
				{Source: "group:default/backstage", Type: "childOf", Target: "group:default/infrastructure"},
				{Source: "group:default/infrastructure", Type: "parentOf", Target: "group:default/boxoffice"},
				{Source: "group:default/boxoffice", Type: "childOf", Target: "group:default/infrastructure"},
			},
		},
		{
			name: "user memberOf",
			file: "acme/team-a-group.yaml",
			ref:  "user:default/breanna.davison",
			want: []callboard.Edge{
				{Source: "user:default/breanna.davison", Type: "memberOf", Target: "group:default/team-a"},
				{Source: "group:default/team-a", Type: "hasMember", Target: "user:default/breanna.davison"},
			},
		},
		{
			name: "user in another namespace naming the default one",
			file: "acme/team-a-group.yaml",
			ref:  "user:development/guest",
			want: []callboard.Edge{
				{Source: "user:development/guest", Type: "memberOf", Target: "group:default/team-a"},
				{Source: "group:default/team-a", Type: "hasMember", Target: "user:development/guest"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entities, problems := loadFile(t, filepath.Join(examples, tc.file))
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			for _, e := range entities {
				if e.Ref().String() != tc.ref {
					continue
				}
				got, ps := descriptor.Edges(e)
				if len(ps) > 0 {
					t.Errorf("Edges problems: %v", ps)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("Edges(%s) mismatch (-want +got):\n%s", tc.ref, diff)
				}
				return
			}
			t.Fatalf("no entity %s in %s", tc.ref, tc.file)
		})
	}
}

// invalidField is, for each file in compat/invalid, the field its
// first-line comment gives as the reason; "" is a document-level problem.
var invalidField = map[string]string{
	"01-name-bad-chars.yaml":                  "metadata.name",
	"02-name-too-long.yaml":                   "metadata.name",
	"03-name-leading-dash.yaml":               "metadata.name",
	"04-component-missing-owner.yaml":         "spec.owner",
	"05-wrong-apiversion-for-kind.yaml":       "apiVersion",
	"06-apiversion-malformed.yaml":            "apiVersion",
	"07-kind-missing.yaml":                    "kind",
	"08-kind-bad-chars.yaml":                  "kind",
	"09-bad-owner-entity-ref.yaml":            "spec.owner",
	"10-bad-system-entity-ref.yaml":           "spec.system",
	"11-duplicate-keys.yaml":                  "metadata.name",
	"12-annotation-key-two-slashes.yaml":      "metadata.annotations.backstage.io/techdocs/ref",
	"13-annotation-key-uppercase-prefix.yaml": "metadata.annotations.Example.COM/owner-slack",
	"14-annotation-value-not-string.yaml":     "metadata.annotations.pagerduty.com/escalation-level",
	"15-label-value-bad-chars.yaml":           "metadata.labels.tier",
	"16-tag-uppercase.yaml":                   "metadata.tags[0]",
	"17-namespace-uppercase.yaml":             "metadata.namespace",
	"18-unknown-root-field.yaml":              "owner",
	"19-api-missing-definition.yaml":          "spec.definition",
	"20-group-missing-children.yaml":          "spec.children",
	"21-metadata-name-missing.yaml":           "metadata.name",
	"22-metadata-name-not-string.yaml":        "metadata.name",
	"23-empty-spec-type.yaml":                 "spec.type",
	"24-link-missing-url.yaml":                "metadata.links[0].url",
	"25-user-missing-memberof.yaml":           "spec.memberOf",
	"26-template-missing-steps.yaml":          "spec.steps",
	"27-root-is-a-list.yaml":                  "",
	"28-spec-missing.yaml":                    "spec",
}

func TestCompatInvalidRejected(t *testing.T) {
	files := compatFiles(t, "invalid")
	if len(files) != len(invalidField) {
		t.Errorf("compat/invalid has %d files, the table %d: update invalidField", len(files), len(invalidField))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			want, ok := invalidField[name]
			if !ok {
				t.Fatalf("no expected field for %s in invalidField", name)
			}
			entities, problems := loadFile(t, file)
			if len(entities) > 0 || len(problems) == 0 {
				t.Fatalf("accepted: %d entities, problems %v", len(entities), problems)
			}
			// Every problem must be the reason: no cascade of follow-on noise.
			for _, p := range problems {
				if p.Field != want {
					t.Errorf("problem %q: Field = %q, want %q", p, p.Field, want)
				}
				if p.Line <= 1 && want != "" {
					t.Errorf("problem %q: Line = %d, want the field's line", p, p.Line)
				}
			}
			t.Log(problems[0])
		})
	}
}
