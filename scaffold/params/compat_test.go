package params_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"callboard/internal/compattest"
	"callboard/scaffold/params"

	"gopkg.in/yaml.v3"
)

// compatValues are plausible form values for every parameter the compat
// templates declare; each template reads the ones it has.
func compatValues() map[string]any {
	return map[string]any{
		"name": "payment-service", "component_id": "payment-service", "description": "Takes payments",
		"owner": "group:default/platform-team", "java_package_name": "io.acme.payments",
		"repoUrl": "github.com?owner=acme&repo=payment-service", "repoOrg": "acme", "repoVisibility": "private",
		"httpPort": 8080.0, "enableKafka": true, "enablePostgres": false, "deployEnvs": []any{"dev", "staging"},
	}
}

func compatForms(t *testing.T) map[string]*params.Form {
	t.Helper()
	dir := compattest.Dir(t, "templates")
	files, err := filepath.Glob(filepath.Join(dir, "*", "template.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates under %s (%v)", dir, err)
	}
	forms := map[string]*params.Form{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tmpl struct {
			Spec struct {
				Parameters any `yaml:"parameters"`
			} `yaml:"spec"`
		}
		if err := yaml.Unmarshal(b, &tmpl); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		f, err := params.Parse(tmpl.Spec.Parameters)
		if err != nil {
			t.Fatalf("%s: Parse: %v", file, err)
		}
		if len(f.Pages) == 0 {
			t.Fatalf("%s: no pages", file)
		}
		forms[filepath.Base(filepath.Dir(file))] = f
	}
	return forms
}

// TestCompatTemplates: every compat template's parameters parse, accept a
// good value set, and reject each missing required field by name.
func TestCompatTemplates(t *testing.T) {
	for name, f := range compatForms(t) {
		t.Run(name, func(t *testing.T) {
			values := onlyDeclared(f, compatValues())
			if errs := f.Validate(f.Defaults(values)); errs != nil {
				t.Fatalf("good values rejected: %v", errs)
			}
			for _, p := range f.Pages {
				for _, req := range p.Required {
					v := f.Defaults(values)
					delete(v, req)
					errs := f.Validate(v)
					if !slices.ContainsFunc(errs, func(e params.FieldError) bool { return e.Field == req && e.Keyword == "required" }) {
						t.Errorf("without %s: errors %v, want %s required", req, errs, req)
					}
				}
			}
		})
	}
}

// TestCreateGoService checks the brief's template's constraints field by field.
func TestCreateGoService(t *testing.T) {
	f, ok := compatForms(t)["create-go-service"]
	if !ok {
		t.Fatal("create-go-service template missing")
	}
	if ui := f.Pages[0].UI["name"]; ui == nil || ui.(map[string]any)["ui:autofocus"] != true {
		t.Errorf("name ui = %v, want ui:autofocus", ui)
	}
	if ui := f.Pages[1].UI["deployEnvs"]; ui == nil || ui.(map[string]any)["ui:widget"] != "checkboxes" {
		t.Errorf("deployEnvs ui = %v, want checkboxes", ui)
	}
	d := f.Defaults(map[string]any{"name": "svc", "description": "d", "owner": "group:x"})
	if d["httpPort"] != 8080 || d["repoOrg"] != "my-github-org" || d["repoVisibility"] != "private" || d["enableKafka"] != false {
		t.Errorf("Defaults = %v", d)
	}
	tests := []struct {
		field string
		value any
		want  string // keyword
	}{
		{"name", "Payment_Service", "pattern"},
		{"name", "payment-service-with-a-name-much-longer-than-fifty-chars", "maxLength"},
		{"name", "-x", "pattern"},
		{"description", string(make([]byte, 201)), "maxLength"},
		{"httpPort", "8080", "type"},
		{"enableKafka", "yes", "type"},
		{"deployEnvs", []any{"dev", "dev"}, "uniqueItems"},
		{"deployEnvs/0", []any{"qa"}, "enum"},
		{"repoVisibility", "secret", "enum"},
	}
	for _, tc := range tests {
		v := f.Defaults(compatValues())
		field, _, _ := cut(tc.field)
		v[field] = tc.value
		errs := f.Validate(v)
		if len(errs) != 1 || errs[0].Field != tc.field || errs[0].Keyword != tc.want {
			t.Errorf("%s=%v: errors %v, want one %s error on %s", field, tc.value, errs, tc.want, tc.field)
		}
	}
}

func cut(path string) (string, string, bool) {
	for i := range path {
		if path[i] == '/' {
			return path[:i], path[i+1:], true
		}
	}
	return path, "", false
}

// onlyDeclared keeps the values whose names the form declares.
func onlyDeclared(f *params.Form, values map[string]any) map[string]any {
	props := f.Schema["properties"].(map[string]any)
	out := map[string]any{}
	for k, v := range values {
		if _, ok := props[k]; ok {
			out[k] = v
		}
	}
	return out
}
