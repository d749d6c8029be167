package scaffold_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"callboard"
	"callboard/scaffold"
	"callboard/store/storetest"
)

// halfInput is test:half's input.
type halfInput struct {
	Name string `json:"name"`
}

// half creates a resource, records it for undo, then fails, as
// publish:github does when the push fails after the repository exists.
type half struct {
	mu     sync.Mutex
	undone []string
}

func (h *half) run(sc callboard.StepContext, in halfInput) error {
	sc.SetUndo(map[string]string{"name": in.Name})
	return errors.New("push refused")
}

func (h *half) undo(sc callboard.StepContext, state json.RawMessage) error {
	var st struct{ Name string }
	if err := json.Unmarshal(state, &st); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.undone = append(h.undone, st.Name)
	return nil
}

// TestUndoFailedStep: what a failing step recorded before failing is
// undone with the completed steps.
func TestUndoFailedStep(t *testing.T) {
	db := storetest.Open(t)
	h := &half{}
	actions := scaffold.NewActions()
	scaffold.AddBuiltins(actions, &scaffold.Builtins{})
	scaffold.Add(actions, "test:half", h.run, scaffold.WithUndo(h.undo))
	runner := scaffold.NewRunner(db, actions, testRunnerOptions(t.TempDir()))
	svc := scaffold.NewService(db, actions, runner, nil, nil)
	startRunner(t, runner)
	spec := map[string]any{"steps": []any{
		map[string]any{"id": "say", "action": "debug:log", "input": map[string]any{"message": "hi"}},
		map[string]any{"id": "half", "action": "test:half", "input": map[string]any{"name": "repo-a"}},
	}}
	id := createSpecTask(t, &env{svc: svc}, spec, nil)
	if task := waitTask(t, svc, id); task.Status != callboard.TaskFailed {
		t.Fatalf("status = %s, want failed", task.Status)
	}
	log := logText(eventsOf(t, svc, id))
	if len(h.undone) != 1 || h.undone[0] != "repo-a" || !strings.Contains(log, "Undid step half") {
		t.Errorf("undone = %v, want [repo-a]; log:\n%s", h.undone, log)
	}
}
