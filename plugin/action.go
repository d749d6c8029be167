package plugin

import (
	"encoding/json"
	"reflect"

	"callboard"
)

// Action is a scaffolder action a plugin adds (publish:github and the
// like). Build it with NewAction, which records the input type; the host
// registers it as scaffold.Add does: the step's input is checked against
// the schema derived from Input and decoded before Run is called.
type Action struct {
	// ID is the name templates use, e.g. "publish:github".
	ID string
	// Description is what GET /api/scaffolder/v2/actions shows.
	Description string
	// Input is the input's type: a struct whose fields carry json tags,
	// `required:"true"` and `description:"..."` (scaffold.Add's rules).
	Input reflect.Type
	// Run runs one step; in is a value of type Input.
	Run func(sc callboard.StepContext, in any) error
	// Undo, when set, undoes a completed run from the state it recorded
	// with StepContext.SetUndo, when a later step fails.
	Undo func(sc callboard.StepContext, state json.RawMessage) error
}

// NewAction returns the action id that runs run with the step's input
// decoded into In.
func NewAction[In any](id, description string, run func(sc callboard.StepContext, in In) error) Action {
	return Action{
		ID:          id,
		Description: description,
		Input:       reflect.TypeFor[In](),
		Run:         func(sc callboard.StepContext, in any) error { return run(sc, in.(In)) },
	}
}
