package scaffold

import (
	"encoding/json"
	"fmt"
	"strings"

	"callboard"
)

// Template is a parsed Template entity (scaffolder.backstage.io/v1beta3).
type Template struct {
	Entity *callboard.Entity
	// Parameters is spec.parameters as written: one JSON Schema object per
	// form page, or a list of them.
	Parameters any
	Steps      []Step
	Output     map[string]any // spec.output: links, text, and any other keys
	// Recovery is spec.EXPERIMENTAL_recovery.EXPERIMENTAL_strategy:
	// "startOver" or "" resume an interrupted task, "none" fails it.
	Recovery string
	// BaseURL is where the template file was read from (file:///… or
	// https://…), for resolving the relative URLs of fetch actions.
	BaseURL string
}

// Step is one step of a template or task spec.
type Step struct {
	ID     string         `json:"id"`
	Name   string         `json:"name,omitempty"`
	Action string         `json:"action"`
	Input  map[string]any `json:"input,omitempty"`
	If     any            `json:"if,omitempty"`
	Each   any            `json:"each,omitempty"`
}

// TemplateAPIVersion is the only Template version the scaffolder runs.
const TemplateAPIVersion = "scaffolder.backstage.io/v1beta3"

// ParseTemplate reads a Template entity's spec. Errors are Invalid and
// name the field (spec.steps[1].action).
func ParseTemplate(e *callboard.Entity) (*Template, error) {
	if !strings.EqualFold(e.Kind, "Template") {
		return nil, callboard.Errorf(callboard.Invalid, "%s is a %s, not a Template", e.Ref(), e.Kind)
	}
	if e.APIVersion != TemplateAPIVersion {
		return nil, callboard.Errorf(callboard.Invalid, "%s: apiVersion %q is not supported; use %s", e.Ref(), e.APIVersion, TemplateAPIVersion)
	}
	t := &Template{Entity: e, Parameters: e.Spec["parameters"], BaseURL: baseURL(e)}
	var problems []string
	rawSteps, ok := e.Spec["steps"].([]any)
	if !ok && e.Spec["steps"] != nil {
		problems = append(problems, "spec.steps must be a list")
	}
	seen := map[string]bool{}
	for i, rs := range rawSteps {
		at := fmt.Sprintf("spec.steps[%d]", i)
		m, ok := rs.(map[string]any)
		if !ok {
			problems = append(problems, at+" must be an object")
			continue
		}
		var s Step
		s.ID, _ = m["id"].(string)
		s.Name, _ = m["name"].(string)
		s.Action, _ = m["action"].(string)
		s.If, s.Each = m["if"], m["each"]
		if s.ID == "" {
			s.ID = fmt.Sprintf("step-%d", i+1) // Backstage allows steps without id
		}
		if seen[s.ID] {
			problems = append(problems, fmt.Sprintf("%s.id %q is used by an earlier step", at, s.ID))
		}
		seen[s.ID] = true
		if s.Action == "" {
			problems = append(problems, at+".action is required")
		}
		if in, ok := m["input"]; ok && in != nil {
			if s.Input, ok = in.(map[string]any); !ok {
				problems = append(problems, at+".input must be an object")
			}
		}
		t.Steps = append(t.Steps, s)
	}
	if out, ok := e.Spec["output"]; ok && out != nil {
		if t.Output, ok = out.(map[string]any); !ok {
			problems = append(problems, "spec.output must be an object")
		}
	}
	if rec, ok := e.Spec["EXPERIMENTAL_recovery"].(map[string]any); ok {
		t.Recovery, _ = rec["EXPERIMENTAL_strategy"].(string)
	}
	if len(problems) > 0 {
		return nil, callboard.Errorf(callboard.Invalid, "template %s: %s", e.Ref(), strings.Join(problems, "; "))
	}
	return t, nil
}

// baseURL turns the entity's managed-by-location annotation into a URL.
func baseURL(e *callboard.Entity) string {
	loc := e.Annotation(callboard.AnnotationManagedByLocation)
	typ, target, ok := strings.Cut(loc, ":")
	if !ok {
		return ""
	}
	switch typ {
	case "file":
		return "file://" + target
	case "url":
		return target
	}
	return typ + ":" + target
}

// TaskSpec is Backstage's TaskSpecV1beta3, what a task runs: the template's
// steps and output with the user's values, frozen when the task is created.
type TaskSpec struct {
	APIVersion   string         `json:"apiVersion"`
	Steps        []Step         `json:"steps"`
	Output       map[string]any `json:"output"`
	Parameters   map[string]any `json:"parameters"`
	User         SpecUser       `json:"user"`
	TemplateInfo SpecTemplate   `json:"templateInfo"`
	Recovery     *SpecRecovery  `json:"EXPERIMENTAL_recovery,omitempty"`
	// NoRollback keeps what completed steps did when a later one fails
	// (callboard's addition, for debugging templates).
	NoRollback bool `json:"noRollback,omitempty"`
}

// SpecUser is who started the task.
type SpecUser struct {
	Ref    string            `json:"ref,omitempty"`
	Entity *callboard.Entity `json:"entity,omitempty"`
}

// SpecTemplate says which template a task runs.
type SpecTemplate struct {
	EntityRef string         `json:"entityRef"`
	BaseURL   string         `json:"baseUrl,omitempty"`
	Entity    map[string]any `json:"entity,omitempty"` // {metadata: {...}}
}

// SpecRecovery is EXPERIMENTAL_recovery.
type SpecRecovery struct {
	Strategy string `json:"EXPERIMENTAL_strategy,omitempty"`
}

// Spec returns the task spec that runs t with values for user.
func (t *Template) Spec(values map[string]any, user callboard.TaskUser) *TaskSpec {
	if values == nil {
		values = map[string]any{}
	}
	s := &TaskSpec{
		APIVersion: TemplateAPIVersion, Steps: t.Steps, Output: t.Output, Parameters: values,
		User: SpecUser{Ref: user.Ref, Entity: user.Entity},
		TemplateInfo: SpecTemplate{
			EntityRef: strings.ToLower(t.Entity.Ref().String()), BaseURL: t.BaseURL,
			Entity: map[string]any{"metadata": t.Entity.Metadata},
		},
	}
	if t.Recovery != "" {
		s.Recovery = &SpecRecovery{Strategy: t.Recovery}
	}
	if s.Output == nil {
		s.Output = map[string]any{}
	}
	return s
}

// decodeSpec reads a stored task spec.
func decodeSpec(raw json.RawMessage) (*TaskSpec, error) {
	var s TaskSpec
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "task spec")
	}
	return &s, nil
}
