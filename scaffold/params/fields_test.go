package params_test

import (
	"encoding/json"
	"testing"

	"callboard/scaffold/params"

	"github.com/google/go-cmp/cmp"
)

// mustParseJSON parses parameters as the catalog holds them: decoded JSON.
func mustParseJSON(t *testing.T, src string) *params.Form {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	f, err := params.Parse(v)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func byPath(fs []params.Field) (order []string, by map[string]params.Field) {
	by = map[string]params.Field{}
	for _, f := range fs {
		order = append(order, f.Path)
		by[f.Path] = f
	}
	return order, by
}

// TestFields: the form's fields come in ui:order ("*" for the rest), with
// the widget each type, enum, ui:widget and ui:field asks for; hidden
// fields are left out.
func TestFields(t *testing.T) {
	f := mustParseJSON(t, `{
	  "title": "Only page",
	  "required": ["repo"],
	  "ui:order": ["repo", "*", "level"],
	  "properties": {
	    "level": {"type": "integer", "enum": [1, 2], "enumNames": ["Low", "High"], "default": 2},
	    "repo": {"type": "string", "ui:field": "RepoUrlPicker", "default": "github.com?owner=acme&repo=web",
	             "ui:options": {"allowedHosts": ["github.com", "ghe.example.com"], "allowedOwners": ["acme", "corp"]}},
	    "token": {"type": "string", "ui:field": "Secret"},
	    "hidden": {"type": "string", "ui:widget": "hidden", "default": "x"},
	    "db": {"type": "object", "title": "Database", "required": ["engine"], "ui:order": ["size", "*"], "properties": {
	      "engine": {"type": "string", "enum": ["pg", "mysql"]},
	      "size": {"type": "number", "minimum": 1}}},
	    "extra": {"type": "object"},
	    "notes": {"type": "string", "ui:widget": "textarea", "ui:help": "Markdown", "ui:placeholder": "Say more", "maxLength": 500},
	    "name": {"type": "string", "ui:field": "EntityNamePicker"},
	    "owner": {"type": "string", "ui:field": "OwnerPicker", "ui:options": {"catalogFilter": {"kind": "Group"}}},
	    "system": {"type": "string", "ui:field": "EntityPicker"},
	    "mode": {"type": "string", "enum": ["a", "b"], "ui:widget": "radio", "default": "b"},
	    "envs": {"type": "array", "items": {"type": "string", "enum": ["dev", "prod"], "enumNames": ["Development"]}, "default": ["prod"]},
	    "labels": {"type": "array", "items": {"type": "string"}},
	    "debug": {"type": "boolean", "default": true, "ui:autofocus": true, "ui:readonly": true}
	  }}`)
	if len(f.Pages) != 1 || f.Pages[0].Title != "Only page" {
		t.Fatalf("pages = %+v, want one titled Only page", f.Pages)
	}
	order, by := byPath(f.Pages[0].Fields)
	want := []string{"repo", "db", "debug", "envs", "extra", "labels", "mode", "name", "notes", "owner", "system", "token", "level"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	widgets := map[string]params.Widget{
		"repo": params.WidgetRepoURL, "db": params.WidgetObject, "debug": params.WidgetBoolean, "envs": params.WidgetCheckboxes,
		"extra": params.WidgetJSON, "labels": params.WidgetTags, "mode": params.WidgetRadio, "name": params.WidgetEntityName,
		"notes": params.WidgetTextarea, "owner": params.WidgetOwner, "system": params.WidgetEntity, "token": params.WidgetSecret,
		"level": params.WidgetSelect,
	}
	for path, w := range widgets {
		if got := by[path].Widget; got != w {
			t.Errorf("%s widget = %q, want %q", path, got, w)
		}
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"repo picker", by["repo"].Repo, &params.RepoPicker{Hosts: []string{"github.com", "ghe.example.com"}, Owners: []string{"acme", "corp"}, Host: "github.com", Owner: "acme", Name: "web"}},
		{"repo required", by["repo"].Required, true},
		{"level choices", by["level"].Choices, []params.Choice{{Value: 1.0, Label: "Low"}, {Value: 2.0, Label: "High", Selected: true}}},
		{"radio choices", by["mode"].Choices, []params.Choice{{Value: "a", Label: "a"}, {Value: "b", Label: "b", Selected: true}}},
		{"checkbox choices", by["envs"].Choices, []params.Choice{{Value: "dev", Label: "Development"}, {Value: "prod", Label: "prod", Selected: true}}},
		{"object title", by["db"].Title, "Database"},
		{"untitled field", by["notes"].Title, "notes"},
		{"notes", []any{by["notes"].Help, by["notes"].Placeholder, *by["notes"].MaxLength}, []any{"Markdown", "Say more", 500}},
		{"entity name rule", []any{by["name"].Pattern != "", *by["name"].MaxLength}, []any{true, 63}},
		{"picker options", by["owner"].UIOptions, map[string]any{"catalogFilter": map[string]any{"kind": "Group"}}},
		{"boolean flags", []any{by["debug"].Default, by["debug"].Autofocus, by["debug"].Readonly}, []any{true, true, true}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	children, db := byPath(by["db"].Fields)
	if diff := cmp.Diff([]string{"db/size", "db/engine"}, children); diff != "" {
		t.Errorf("db's fields (-want +got):\n%s", diff)
	}
	if e := db["db/engine"]; !e.Required || e.Name != "engine" || e.Widget != params.WidgetSelect {
		t.Errorf("db/engine = %+v, want a required select", e)
	}
	if s := db["db/size"]; s.Minimum == nil || *s.Minimum != 1 || s.Widget != params.WidgetNumber {
		t.Errorf("db/size = %+v, want a number of at least 1", s)
	}
}

// TestFieldsFromYAML: parameters read from a template file (YAML's int
// numbers) give the same fields as from the catalog's JSON.
func TestFieldsFromYAML(t *testing.T) {
	f := mustParse(t, testParameters)
	_, by := byPath(f.Pages[1].Fields)
	if p := by["httpPort"]; p.Widget != params.WidgetInteger || p.Minimum == nil || *p.Minimum != 1 || p.Default != 8080 {
		t.Errorf("httpPort = %+v, want an integer of at least 1, default 8080", p)
	}
	if e := by["database"].Fields; len(e) != 2 || e[0].Path != "database/engine" || e[0].Widget != params.WidgetRadio {
		t.Errorf("database fields = %+v, want engine as a radio first", e)
	}
	if r := by["replicas"]; r.DependsOn != "kind" || !cmp.Equal(r.When, []any{"service"}) || !r.Required {
		t.Errorf("replicas = when %q %v required %v, want shown for kind service, required", r.DependsOn, r.When, r.Required)
	}
	_, first := byPath(f.Pages[0].Fields)
	if n := first["name"]; n.MaxLength == nil || *n.MaxLength != 20 || !n.Autofocus || n.Help != "lowercase and dashes" {
		t.Errorf("name = %+v", n)
	}
}

// TestFieldsDependencies: the properties a dependency adds are fields shown
// when the field they depend on has one of the values its oneOf branches
// select them for (any value without oneOf); a list dependency adds none.
func TestFieldsDependencies(t *testing.T) {
	f := mustParseJSON(t, `[{
	  "properties": {"db": {"type": "string", "enum": ["none", "pg", "mysql"]}, "debug": {"type": "boolean"}},
	  "dependencies": {
	    "db": {"oneOf": [
	      {"properties": {"db": {"const": "none"}}},
	      {"properties": {"db": {"enum": ["pg"]}, "dbName": {"type": "string"}}, "required": ["dbName"]},
	      {"properties": {"db": {"const": "mysql"}, "dbName": {"type": "string"}, "charset": {"type": "string", "ui:widget": "textarea"}}}
	    ]},
	    "debug": {"properties": {"level": {"type": "integer"}}},
	    "x": ["y"]
	  }}]`)
	order, got := byPath(f.Pages[0].Fields)
	if diff := cmp.Diff([]string{"db", "debug", "dbName", "charset", "level"}, order); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	tests := []struct {
		path, on string
		when     []any
		required bool
	}{
		{"dbName", "db", []any{"pg", "mysql"}, true},
		{"charset", "db", []any{"mysql"}, false},
		{"level", "debug", nil, false},
	}
	for _, tc := range tests {
		f := got[tc.path]
		if f.DependsOn != tc.on || !cmp.Equal(f.When, tc.when) || f.Required != tc.required {
			t.Errorf("%s = when %s in %v, required %v; want when %s in %v, required %v", tc.path, f.DependsOn, f.When, f.Required, tc.on, tc.when, tc.required)
		}
	}
	if got["charset"].Widget != params.WidgetTextarea {
		t.Errorf("charset widget = %q, want its ui:widget textarea", got["charset"].Widget)
	}
}
