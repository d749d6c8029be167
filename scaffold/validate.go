package scaffold

import (
	"maps"
	"strings"

	"callboard"
	"callboard/scaffold/params"
)

// FieldError is one problem with the values of a task, in the shape of
// Backstage's jsonschema ValidationError.
type FieldError struct {
	// Path is the field's path ("name", "repo.owner").
	Path     []string `json:"path"`
	Property string   `json:"property"` // "instance.name"
	Message  string   `json:"message"`
	Name     string   `json:"name,omitempty"` // the failing keyword: required, pattern…
	Stack    string   `json:"stack"`          // property and message
}

// ValidationError lists every problem with the values of a task. Its kind
// is Invalid.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		if len(f.Path) == 0 {
			parts = append(parts, f.Message)
			continue
		}
		parts = append(parts, strings.Join(f.Path, ".")+": "+f.Message)
	}
	return "invalid values: " + strings.Join(parts, "; ")
}

// Unwrap makes the error's kind Invalid.
func (e *ValidationError) Unwrap() error {
	return &callboard.Error{Kind: callboard.Invalid, Message: e.Error()}
}

// ValidateValues fills in the defaults the template's parameters declare
// for missing values (as Backstage's form does before it submits), then
// checks the values against every page at once. It returns the values to
// run with, a *ValidationError naming each bad field, or an Invalid error
// when the parameters themselves are not a valid schema.
func ValidateValues(t *Template, values map[string]any) (map[string]any, error) {
	return validateValues(t, values, nil)
}

// validateValues is ValidateValues for a submission whose `ui:field:
// Secret` fields arrive in secrets (as Backstage's form sends them): they
// are checked with the values but not returned among them.
func validateValues(t *Template, values map[string]any, secrets map[string]string) (map[string]any, error) {
	form, err := params.Parse(t.Parameters)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "template %s: spec.parameters", t.Entity.Ref())
	}
	if values == nil {
		values = map[string]any{}
	}
	values = form.Defaults(values)
	checked := values
	if fields := form.SecretFields(); len(fields) > 0 && len(secrets) > 0 {
		checked = maps.Clone(values)
		for _, f := range fields {
			if v, ok := secrets[f]; ok && !strings.Contains(f, "/") {
				checked[f] = v
			}
		}
	}
	problems := form.Validate(checked)
	if len(problems) == 0 {
		return values, nil
	}
	ve := &ValidationError{}
	for _, p := range problems {
		var path []string
		if p.Field != "" {
			path = strings.Split(strings.TrimPrefix(p.Field, "/"), "/")
		}
		prop := strings.Join(append([]string{"instance"}, path...), ".")
		ve.Fields = append(ve.Fields, FieldError{Path: path, Property: prop, Message: p.Message, Name: p.Keyword, Stack: prop + " " + p.Message})
	}
	return nil, ve
}
