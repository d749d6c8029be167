package params_test

import (
	"errors"
	"strings"
	"testing"

	"callboard"
	"callboard/scaffold/params"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// testParameters has the shapes templates use: pages, ui options, nested
// objects, arrays with enums, dependencies with oneOf, formats.
const testParameters = `
- title: Basics
  description: Who and what
  required: [name, owner]
  ui:order: [owner, '*']
  properties:
    name:
      title: Name
      type: string
      pattern: "^[a-z][a-z0-9-]*[a-z0-9]$"
      maxLength: 20
      ui:autofocus: true
      ui:help: lowercase and dashes
    owner:
      type: string
      ui:field: OwnerPicker
      ui:options:
        catalogFilter: {kind: [Group]}
    reserved:
      type: string
      pattern: "^(?!admin).*$"
    contact:
      type: string
      format: email
- title: Technology
  properties:
    httpPort:
      type: integer
      default: 8080
      minimum: 1
    envs:
      type: array
      uniqueItems: true
      items:
        type: string
        enum: [dev, staging, production]
      ui:widget: checkboxes
    database:
      type: object
      properties:
        engine: {type: string, default: postgres, ui:widget: radio}
        size: {type: integer}
      required: [engine]
    kind:
      type: string
      enum: [library, service]
      default: library
  dependencies:
    kind:
      oneOf:
        - properties:
            kind: {enum: [library]}
        - properties:
            kind: {enum: [service]}
            replicas: {type: integer, default: 2, ui:widget: updown}
          required: [replicas]
`

func mustParse(t *testing.T, src string) *params.Form {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	f, err := params.Parse(v)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func TestParse(t *testing.T) {
	f := mustParse(t, testParameters)
	if len(f.Pages) != 2 {
		t.Fatalf("pages = %d, want 2", len(f.Pages))
	}
	p := f.Pages[0]
	if p.Title != "Basics" || p.Description != "Who and what" {
		t.Errorf("page 0 = %q, %q", p.Title, p.Description)
	}
	if diff := cmp.Diff([]string{"name", "owner"}, p.Required); diff != "" {
		t.Errorf("Required (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"owner", "contact", "name", "reserved"}, p.Order); diff != "" {
		t.Errorf("Order (-want +got):\n%s", diff)
	}
	wantUI := map[string]any{
		"ui:order": []any{"owner", "*"},
		"name":     map[string]any{"ui:autofocus": true, "ui:help": "lowercase and dashes"},
		"owner":    map[string]any{"ui:field": "OwnerPicker", "ui:options": map[string]any{"catalogFilter": map[string]any{"kind": []any{"Group"}}}},
	}
	if diff := cmp.Diff(wantUI, p.UI); diff != "" {
		t.Errorf("UI (-want +got):\n%s", diff)
	}
	wantUI2 := map[string]any{
		"envs":     map[string]any{"ui:widget": "checkboxes"},
		"database": map[string]any{"engine": map[string]any{"ui:widget": "radio"}},
		"replicas": map[string]any{"ui:widget": "updown"},
	}
	if diff := cmp.Diff(wantUI2, f.Pages[1].UI); diff != "" {
		t.Errorf("page 1 UI (-want +got):\n%s", diff)
	}
	for i, pg := range f.Pages {
		if k := uiKey(pg.Schema); k != "" {
			t.Errorf("page %d schema still has %s", i, k)
		}
		if uiKey(pg.Raw) == "" {
			t.Errorf("page %d Raw lost its ui keys", i)
		}
	}
	props := f.Schema["properties"].(map[string]any)
	if len(props) != 8 {
		t.Errorf("merged properties = %d, want 8", len(props))
	}
	if diff := cmp.Diff([]any{"name", "owner"}, f.Schema["required"]); diff != "" {
		t.Errorf("merged required (-want +got):\n%s", diff)
	}
	if all, _ := f.Schema["allOf"].([]any); len(all) != 1 {
		t.Errorf("merged allOf = %v, want the conditional page", f.Schema["allOf"])
	}
}

// uiKey returns a ui:* key found anywhere in v, or "".
func uiKey(v any) string {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.HasPrefix(k, "ui:") {
				return k
			}
			if k := uiKey(x); k != "" {
				return k
			}
		}
	case []any:
		for _, x := range t {
			if k := uiKey(x); k != "" {
				return k
			}
		}
	}
	return ""
}

func good() map[string]any {
	return map[string]any{
		"name": "payment-service", "owner": "group:default/platform", "httpPort": 8080.0,
		"envs": []any{"dev", "production"}, "kind": "library", "contact": "ops@example.com",
		"database": map[string]any{"engine": "mysql", "size": 3},
	}
}

func TestValidate(t *testing.T) {
	f := mustParse(t, testParameters)
	tests := []struct {
		name   string
		change func(v map[string]any)
		want   []string // "field keyword"
	}{
		{"good", func(v map[string]any) {}, nil},
		{"good int types", func(v map[string]any) { v["httpPort"] = 9090 }, nil},
		{"required", func(v map[string]any) { delete(v, "name"); delete(v, "owner") }, []string{"name required", "owner required"}},
		{"pattern", func(v map[string]any) { v["name"] = "Payment_Service" }, []string{"name pattern"}},
		{"ecmascript pattern", func(v map[string]any) { v["reserved"] = "admin-team" }, []string{"reserved pattern"}},
		{"ecmascript pattern ok", func(v map[string]any) { v["reserved"] = "team" }, nil},
		{"maxLength", func(v map[string]any) { v["name"] = strings.Repeat("a", 21) }, []string{"name maxLength"}},
		{"type", func(v map[string]any) { v["httpPort"] = "eighty" }, []string{"httpPort type"}},
		{"integer", func(v map[string]any) { v["httpPort"] = 80.5 }, []string{"httpPort type"}},
		{"minimum", func(v map[string]any) { v["httpPort"] = 0 }, []string{"httpPort minimum"}},
		{"enum item", func(v map[string]any) { v["envs"] = []any{"dev", "qa"} }, []string{"envs/1 enum"}},
		{"uniqueItems", func(v map[string]any) { v["envs"] = []any{"dev", "dev"} }, []string{"envs uniqueItems"}},
		{"nested required", func(v map[string]any) { v["database"] = map[string]any{"size": 1} }, []string{"database/engine required"}},
		{"nested type", func(v map[string]any) { v["database"] = map[string]any{"engine": "x", "size": "big"} }, []string{"database/size type"}},
		{"format", func(v map[string]any) { v["contact"] = "not an email" }, []string{"contact format"}},
		{"dependency branch", func(v map[string]any) { v["kind"] = "service" }, []string{"replicas required"}},
		{"dependency branch ok", func(v map[string]any) { v["kind"] = "service"; v["replicas"] = 3 }, nil},
		{"no branch", func(v map[string]any) { v["kind"] = "other" }, []string{"kind enum"}},
		{"no branch without enum", func(v map[string]any) { v["kind"] = "service"; v["replicas"] = "many" }, []string{"replicas type"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := good()
			tc.change(v)
			errs := f.Validate(v)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field+" "+e.Keyword)
				if e.Message == "" {
					t.Errorf("%s: empty message", e.Field)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s\n%v", diff, errs)
			}
			if (errs.Err() == nil) != (len(tc.want) == 0) {
				t.Errorf("Err() = %v", errs.Err())
			}
		})
	}
}

func TestFieldErrorsErr(t *testing.T) {
	f := mustParse(t, testParameters)
	err := f.Validate(map[string]any{"name": "x"}).Err()
	if callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("kind = %v, want Invalid", callboard.ErrorKind(err))
	}
	var fe params.FieldErrors
	if !errors.As(err, &fe) || len(fe) == 0 {
		t.Fatalf("errors.As(%v) found no FieldErrors", err)
	}
	if !strings.Contains(err.Error(), "owner: is required") {
		t.Errorf("error %q does not name owner", err)
	}
	if fe[0].Page != 0 {
		t.Errorf("Page = %d, want 0", fe[0].Page)
	}
}

func TestDefaults(t *testing.T) {
	f := mustParse(t, testParameters)
	in := map[string]any{"name": "x", "kind": "service"}
	got := f.Defaults(in)
	want := map[string]any{"name": "x", "kind": "service", "httpPort": 8080, "database": map[string]any{"engine": "postgres"}, "replicas": 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Defaults (-want +got):\n%s", diff)
	}
	if len(in) != 2 {
		t.Errorf("Defaults modified its input: %v", in)
	}
	got = f.Defaults(map[string]any{"httpPort": 1})
	if got["httpPort"] != 1 || got["kind"] != "library" || got["replicas"] != nil {
		t.Errorf("Defaults kept/filled wrongly: %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  any
		want string
	}{
		{"not a list or object", "hello", "spec.parameters"},
		{"page not an object", []any{map[string]any{}, "x"}, "spec.parameters[1]"},
		{"page a number", []any{1.0}, "spec.parameters[0]"},
		{"bad keyword", []any{map[string]any{}, map[string]any{"properties": map[string]any{"a": map[string]any{"type": 42}}}}, "spec.parameters[1]"},
		{"bad pattern", map[string]any{"properties": map[string]any{"a": map[string]any{"pattern": "(unclosed"}}}, "spec.parameters"},
		{"remote ref", map[string]any{"properties": map[string]any{"a": map[string]any{"$ref": "https://example.com/s.json"}}}, "spec.parameters"},
		{"file ref", map[string]any{"properties": map[string]any{"a": map[string]any{"$ref": "file:///etc/passwd"}}}, "spec.parameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := params.Parse(tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want one naming %s", err, tc.want)
			}
			if callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("kind = %v, want Invalid", callboard.ErrorKind(err))
			}
		})
	}
	f, err := params.Parse(nil)
	if err != nil || len(f.Pages) != 0 || f.Validate(map[string]any{"x": 1}) != nil {
		t.Errorf("Parse(nil) = %v, %v; want an empty form that accepts anything", f, err)
	}
}

func TestSecretFields(t *testing.T) {
	f := mustParse(t, `
- properties:
    token: {type: string, ui:field: Secret}
    name: {type: string}
- properties:
    db:
      type: object
      properties:
        password: {type: string, ui:field: Secret}
`)
	if diff := cmp.Diff([]string{"db/password", "token"}, f.SecretFields()); diff != "" {
		t.Errorf("SecretFields (-want +got):\n%s", diff)
	}
}

// TestSchemaFeatures: unknown formats are ignored (templates use custom
// ones), local $refs resolve, an explicit $schema is honoured.
func TestSchemaFeatures(t *testing.T) {
	f := mustParse(t, `
$schema: http://json-schema.org/draft-07/schema#
definitions:
  port: {type: integer, maximum: 65535}
properties:
  ref: {type: string, format: entity-ref}
  site: {type: string, format: uri}
  port: {$ref: '#/definitions/port'}
`)
	errs := f.Validate(map[string]any{"ref": "anything", "site": "not a uri", "port": 70000})
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+" "+e.Keyword)
	}
	if diff := cmp.Diff([]string{"port maximum", "site format"}, got); diff != "" {
		t.Errorf("Validate (-want +got):\n%s\n%v", diff, errs)
	}
}
