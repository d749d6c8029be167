package scaffold

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"callboard"
)

// Actions is the registry of scaffolder actions: a value built once at
// startup (cmd/callboard/actions.go) and handed to the Runner, never a
// global. It is not safe to Add while tasks run.
type Actions struct {
	byID map[string]*action
}

// NewActions returns an empty registry.
func NewActions() *Actions { return &Actions{byID: map[string]*action{}} }

// action is one registered action with its input decoder.
type action struct {
	id          string
	description string
	input       map[string]any // JSON Schema of the input, derived from In
	output      map[string]any // JSON Schema of the outputs, if declared
	examples    []Example
	dryRun      bool
	// run decodes and checks the rendered input, then calls the action.
	run  func(sc callboard.StepContext, input map[string]any) error
	undo func(sc callboard.StepContext, state json.RawMessage) error
}

// Example is one usage example shown by GET /v2/actions.
type Example struct {
	Description string `json:"description"`
	Example     string `json:"example"`
}

// Option configures an action when it is added.
type Option func(*action)

// WithDescription sets the text GET /v2/actions shows.
func WithDescription(d string) Option { return func(a *action) { a.description = d } }

// WithUndo declares how to undo a completed run of the action: undo gets
// the state the run recorded with StepContext.SetUndo (as JSON) and is
// called, in reverse step order, when a later step fails. A run that
// recorded no state is not undone.
func WithUndo(undo func(sc callboard.StepContext, state json.RawMessage) error) Option {
	return func(a *action) { a.undo = undo }
}

// WithOutputSchema sets the JSON Schema of the action's outputs, as
// {"type": "object", "properties": {...}}.
func WithOutputSchema(schema map[string]any) Option {
	return func(a *action) { a.output = schema }
}

// WithExamples adds usage examples.
func WithExamples(ex ...Example) Option {
	return func(a *action) { a.examples = append(a.examples, ex...) }
}

// SupportsDryRun says the action honours StepContext.DryRun: dry runs call
// it. Dry runs skip actions without it, with a log line.
func SupportsDryRun() Option { return func(a *action) { a.dryRun = true } }

// Add registers the action id. run receives the step's input decoded into
// In, a struct whose fields carry json tags; a field tagged
// `required:"true"` must be present, and `description:"..."` documents it
// in the derived JSON Schema. Unknown input keys, missing required keys and
// values of the wrong type fail the step with Invalid before run is
// called. Add panics when id is taken or In is not a struct: both are
// programmer errors found at startup.
func Add[In any](a *Actions, id string, run func(sc callboard.StepContext, in In) error, opts ...Option) {
	AddType(a, id, reflect.TypeFor[In](), func(sc callboard.StepContext, in any) error { return run(sc, in.(In)) }, opts...)
}

// AddType is Add for an input type known at run time (a plugin's
// action): run receives a value of type in.
func AddType(a *Actions, id string, in reflect.Type, run func(sc callboard.StepContext, in any) error, opts ...Option) {
	if _, dup := a.byID[id]; dup {
		panic(fmt.Sprintf("scaffold: action %q registered twice", id))
	}
	if in == nil || in.Kind() != reflect.Struct {
		panic(fmt.Sprintf("scaffold: action %q: input type %v is not a struct", id, in))
	}
	act := &action{id: id, input: schemaOf(in)}
	act.run = func(sc callboard.StepContext, input map[string]any) error {
		v := reflect.New(in)
		if err := decodeInput(act.input, input, v.Interface()); err != nil {
			return err
		}
		return run(sc, v.Elem().Interface())
	}
	for _, o := range opts {
		o(act)
	}
	a.byID[id] = act
}

// Has reports whether the action id is registered.
func (a *Actions) Has(id string) bool { _, ok := a.byID[id]; return ok }

// IDs returns the registered action IDs, sorted.
func (a *Actions) IDs() []string {
	ids := make([]string, 0, len(a.byID))
	for id := range a.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ActionInfo describes an action as GET /api/scaffolder/v2/actions lists it.
type ActionInfo struct {
	ID          string    `json:"id"`
	Description string    `json:"description,omitempty"`
	Examples    []Example `json:"examples"`
	Schema      struct {
		Input  map[string]any `json:"input"`
		Output map[string]any `json:"output,omitempty"`
	} `json:"schema"`
	SupportsDryRun bool `json:"supportsDryRun"`
}

// List describes every registered action, sorted by ID.
func (a *Actions) List() []ActionInfo {
	out := make([]ActionInfo, 0, len(a.byID))
	for _, id := range a.IDs() {
		act := a.byID[id]
		info := ActionInfo{ID: id, Description: act.description, Examples: act.examples, SupportsDryRun: act.dryRun}
		if info.Examples == nil {
			info.Examples = []Example{}
		}
		info.Schema.Input, info.Schema.Output = act.input, act.output
		out = append(out, info)
	}
	return out
}
