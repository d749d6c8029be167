package scaffold_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/scaffold"
)

type echoInput struct {
	URL    string            `json:"url" required:"true" description:"where"`
	Count  int               `json:"count"`
	Tags   []string          `json:"tags"`
	Labels map[string]string `json:"labels"`
	Nested struct {
		On bool `json:"on" required:"true"`
	} `json:"nested"`
	Any any `json:"any"`
}

func TestAddDuplicatePanics(t *testing.T) {
	a := scaffold.NewActions()
	scaffold.Add(a, "x:y", func(callboard.StepContext, echoInput) error { return nil })
	defer func() {
		if recover() == nil {
			t.Error("a second x:y did not panic")
		}
	}()
	scaffold.Add(a, "x:y", func(callboard.StepContext, echoInput) error { return nil })
}

func TestActionSchema(t *testing.T) {
	a := scaffold.NewActions()
	scaffold.Add(a, "x:echo", func(callboard.StepContext, echoInput) error { return nil }, scaffold.WithDescription("Echo"))
	list := a.List()
	if len(list) != 1 || list[0].ID != "x:echo" || list[0].Description != "Echo" {
		t.Fatalf("List = %+v", list)
	}
	b, _ := json.Marshal(list[0].Schema.Input)
	var got map[string]any
	json.Unmarshal(b, &got)
	want := map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"url"},
		"properties": map[string]any{
			"url":    map[string]any{"type": "string", "description": "where"},
			"count":  map[string]any{"type": "integer"},
			"tags":   map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"labels": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			"nested": map[string]any{"type": "object", "additionalProperties": false, "required": []any{"on"},
				"properties": map[string]any{"on": map[string]any{"type": "boolean"}}},
			"any": map[string]any{},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("input schema (-want +got):\n%s", d)
	}
}

// TestInputChecked runs steps whose input is wrong: the action is not
// called and the step's error names the field.
func TestInputChecked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input map[string]any
		want  string // in the log; "" for success
	}{
		{"ok", map[string]any{"url": "u", "count": 2, "tags": []any{"a"}, "nested": map[string]any{"on": true}, "any": 1.5}, ""},
		{"missing", map[string]any{"count": 1}, "input.url is required"},
		{"unknown", map[string]any{"url": "u", "urll": "x"}, "input.urll is not an input of this action"},
		{"type", map[string]any{"url": 3}, "input.url must be a string, not a number"},
		{"fraction", map[string]any{"url": "u", "count": 1.5}, "input.count must be an integer"},
		{"item", map[string]any{"url": "u", "tags": []any{"a", true}}, "input.tags[1] must be a string"},
		{"nested", map[string]any{"url": "u", "nested": map[string]any{}}, "input.nested.on is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			a := scaffold.NewActions()
			scaffold.Add(a, "x:echo", func(sc callboard.StepContext, in echoInput) error {
				called = true
				sc.Logf("url=%s count=%d", in.URL, in.Count)
				return nil
			}, scaffold.SupportsDryRun())
			tpl := mustTemplate(t, map[string]any{"steps": []any{map[string]any{"id": "s", "action": "x:echo", "input": tc.input}}})
			res, err := scaffold.DryRun(t.Context(), a, tpl, nil, nil, callboard.TaskUser{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if !called || res.Error != "" {
					t.Errorf("called = %v, error = %q", called, res.Error)
				}
				return
			}
			if called {
				t.Error("the action ran with bad input")
			}
			if !strings.Contains(res.Error, tc.want) {
				t.Errorf("error = %q, want it to contain %q", res.Error, tc.want)
			}
		})
	}
}

func mustTemplate(t *testing.T, spec map[string]any) *scaffold.Template {
	t.Helper()
	tpl, err := scaffold.ParseTemplate(&callboard.Entity{APIVersion: scaffold.TemplateAPIVersion, Kind: "Template",
		Metadata: callboard.Metadata{Name: "t"}, Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestParseTemplateErrors(t *testing.T) {
	_, err := scaffold.ParseTemplate(&callboard.Entity{APIVersion: scaffold.TemplateAPIVersion, Kind: "Template",
		Metadata: callboard.Metadata{Name: "t"}, Spec: map[string]any{"steps": []any{
			map[string]any{"id": "a", "action": "debug:log"},
			map[string]any{"id": "a", "input": "x"},
		}}})
	for _, want := range []string{`spec.steps[1].id "a" is used by an earlier step`, "spec.steps[1].action is required", "spec.steps[1].input must be an object"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTemplate error = %v, want it to contain %q", err, want)
		}
	}
	if callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("kind = %v", callboard.ErrorKind(err))
	}
}

// TestCatalogRegisterRefusesFileURLs: template inputs come from users, so a
// file:// catalogInfoUrl (which would read any server file into the
// catalog) is refused unless local remotes are allowed.
func TestCatalogRegisterRefusesFileURLs(t *testing.T) {
	tpl := mustTemplate(t, map[string]any{"steps": []any{map[string]any{"id": "r", "action": "catalog:register",
		"input": map[string]any{"catalogInfoUrl": "file:///etc/passwd"}}}})
	for _, allow := range []bool{false, true} {
		a := scaffold.NewActions()
		scaffold.AddBuiltins(a, &scaffold.Builtins{AllowFileRemotes: allow})
		res, err := scaffold.DryRun(t.Context(), a, tpl, nil, nil, callboard.TaskUser{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		refused := strings.Contains(res.Error, "file:// locations are refused")
		if refused == allow {
			t.Errorf("allowFileRemotes=%v: error = %q", allow, res.Error)
		}
	}
}
