package scaffold

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"callboard"
	"callboard/scaffold/render"
)

// recorder receives what an execution reports: the task's log and the state
// of its steps. The runner writes them to the TaskStore; a dry run keeps
// them in memory.
type recorder interface {
	// log records a log event: body {message, stepId?, status?}.
	log(stepID, status, message string)
	// putStep records a step's state.
	putStep(s callboard.TaskStep) error
	// stepInput records a step's rendered input, secrets masked.
	stepInput(stepID string, input map[string]any)
}

// execution runs the steps of one task spec.
type execution struct {
	actions   *Actions
	spec      *TaskSpec
	taskID    string
	workspace string
	secrets   map[string]string
	dryRun    bool
	// prior holds the steps stored by earlier runs of this task; completed
	// and skipped ones are not run again.
	prior map[string]callboard.TaskStep
	rec   recorder
	mask  *masker
	// canaries stand in for the secrets in the renders that find what
	// is derived from them (taint.go).
	canaries [2]map[string]any
	// dirs are more server directories the log must not show (the
	// runner's work directory); the workspace, the template's directory
	// and the temp directory always are.
	dirs []string

	scope map[string]any
	done  []doneStep // completed steps, in order, for rollback
}

// doneStep is a completed step and the undo states its runs recorded.
type doneStep struct {
	step Step
	undo []json.RawMessage
}

// errStepFailed marks an error that a step returned, as opposed to one of
// the engine itself.
type stepError struct {
	stepID string
	err    error
}

func (e *stepError) Error() string { return fmt.Sprintf("step %s failed: %v", e.stepID, e.err) }
func (e *stepError) Unwrap() error { return e.err }

// run executes the steps in order and renders the output. On a step's
// failure it returns the error with the completed steps in x.done; the
// caller decides about rollback.
func (x *execution) run(ctx context.Context) (map[string]any, error) {
	x.mask = x.newMasker()
	x.canaries = newCanaries(x.secrets)
	x.scope = x.newScope()
	for _, st := range x.spec.Steps {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		if err := x.runStep(ctx, st); err != nil {
			return nil, err
		}
	}
	// The output is shown and stored, never used: its echo is enough.
	_, out, err := x.render(map[string]any(x.spec.Output))
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "render the template's output")
	}
	m, _ := out.(map[string]any)
	dropFalseItems(m, "links")
	dropFalseItems(m, "text")
	return m, nil
}

// dropFalseItems removes the items of output[key] whose rendered `if` is
// false and the `if` key of the others, as Backstage's output does.
func dropFalseItems(output map[string]any, key string) {
	items, ok := output[key].([]any)
	if !ok {
		return
	}
	kept := make([]any, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			kept = append(kept, it)
			continue
		}
		if cond, has := m["if"]; has {
			if !render.Truthy(cond) {
				continue
			}
			delete(m, "if")
		}
		kept = append(kept, m)
	}
	output[key] = kept
}

// newMasker masks the task's secrets and the server directories it knows.
func (x *execution) newMasker() *masker {
	m := newMasker(x.secrets)
	m.hideDir(x.workspace, "the workspace")
	if u, err := url.Parse(x.spec.TemplateInfo.BaseURL); err == nil && u.Scheme == "file" {
		m.hideDir(filepath.Dir(filepath.FromSlash(u.Path)), "the template's directory")
	}
	for _, d := range x.dirs {
		m.hideDir(d, "the scaffolder's work directory")
	}
	m.hideDir(os.TempDir(), "the temp directory")
	return m
}

func (x *execution) newScope() map[string]any {
	secrets := map[string]any{}
	for k, v := range x.secrets {
		secrets[k] = v
	}
	user := map[string]any{"ref": x.spec.User.Ref}
	if x.spec.User.Entity != nil {
		user["entity"] = toMap(x.spec.User.Entity)
	}
	params := x.spec.Parameters
	if params == nil {
		params = map[string]any{}
	}
	return map[string]any{
		"parameters": params,
		"secrets":    secrets,
		"user":       user,
		"steps":      map[string]any{},
		"context":    map[string]any{"task": map[string]any{"id": x.taskID}},
		"templateInfo": map[string]any{
			"entityRef": x.spec.TemplateInfo.EntityRef,
			"baseUrl":   x.spec.TemplateInfo.BaseURL,
			"entity":    x.spec.TemplateInfo.Entity,
		},
	}
}

// toMap turns a value into its JSON object form, for templates.
func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func (x *execution) setOutput(id string, out map[string]any) {
	if out == nil {
		out = map[string]any{}
	}
	x.scope["steps"].(map[string]any)[id] = map[string]any{"output": out}
}

func (x *execution) runStep(ctx context.Context, st Step) error {
	name := st.Name
	if name == "" {
		name = st.ID
	}
	if p, ok := x.prior[st.ID]; ok && (p.Status == "completed" || p.Status == "skipped") {
		var out map[string]any
		_ = json.Unmarshal(p.Output, &out)
		x.setOutput(st.ID, out)
		// Learn what its input derived from the secrets, for the log of
		// the steps that follow.
		if st.Each == nil && len(x.secrets) > 0 {
			_, _, _ = x.render(map[string]any(st.Input))
		}
		if p.Status == "completed" {
			var undo []json.RawMessage
			_ = json.Unmarshal(p.Undo, &undo)
			x.done = append(x.done, doneStep{step: st, undo: undo})
		}
		x.rec.log(st.ID, p.Status, fmt.Sprintf("Step %s was %s by an earlier run; not running it again", name, p.Status))
		return nil
	}
	if st.If != nil {
		cond, err := render.Value(st.If, x.scope)
		if err != nil {
			return x.fail(ctx, st, callboard.Wrap(callboard.Invalid, err, "render `if` of step %s", st.ID))
		}
		if !render.Truthy(cond) {
			x.setOutput(st.ID, nil)
			x.rec.log(st.ID, "skipped", fmt.Sprintf("Skipping step %s: its condition is false", name))
			return x.rec.putStep(callboard.TaskStep{TaskID: x.taskID, StepID: st.ID, Status: "skipped"})
		}
	}
	act, ok := x.actions.byID[st.Action]
	if !ok {
		return x.fail(ctx, st, notRegistered(st))
	}
	if x.dryRun && !act.dryRun {
		return x.skipInDryRun(ctx, st, act)
	}
	iterations, err := x.iterations(st)
	if err != nil {
		return x.fail(ctx, st, err)
	}
	x.rec.log(st.ID, "processing", fmt.Sprintf("Beginning step %s", name))
	if err := x.rec.putStep(callboard.TaskStep{TaskID: x.taskID, StepID: st.ID, Status: "processing"}); err != nil {
		return err
	}
	start := time.Now()
	outputs := map[string]any{}
	var undo []json.RawMessage
	for _, it := range iterations {
		if it != nil {
			x.scope["each"] = it
		}
		rendered, echo, err := x.render(map[string]any(st.Input))
		delete(x.scope, "each")
		if err != nil {
			return x.fail(ctx, st, callboard.Wrap(callboard.Invalid, err, "render the input of step %s", st.ID))
		}
		input, _ := rendered.(map[string]any)
		x.recordInput(st.ID, echo)
		sc := x.stepContext(ctx, st.ID)
		if err := act.run(sc, input); err != nil {
			// What the failed run already did (a repository created before
			// its push failed) is undone with the completed steps.
			if sc.hasUndo {
				if b, merr := json.Marshal(sc.undo); merr == nil {
					x.done = append(x.done, doneStep{step: st, undo: append(undo, b)})
				}
			}
			return x.fail(ctx, st, err)
		}
		for k, v := range sc.outputs {
			if st.Each != nil {
				list, _ := outputs[k].([]any)
				outputs[k] = append(list, v)
			} else {
				outputs[k] = v
			}
		}
		if sc.hasUndo {
			b, err := json.Marshal(sc.undo)
			if err != nil {
				return x.fail(ctx, st, callboard.Wrap(callboard.Internal, err, "encode the undo state of step %s", st.ID))
			}
			undo = append(undo, b)
		}
	}
	// The stored outputs have the secrets masked as the log has (a
	// resumed task sees "***" for what an action made of a secret); the
	// next steps of this run get them as they are.
	outJSON, err := json.Marshal(outputs)
	if err != nil {
		return x.fail(ctx, st, callboard.Wrap(callboard.Invalid, err, "step %s set an output that is not JSON", st.ID))
	}
	var plain any // outputs of any Go type, as JSON shapes to mask
	if len(x.secrets) > 0 && json.Unmarshal(outJSON, &plain) == nil {
		outJSON, _ = json.Marshal(x.mask.secretsIn(plain))
	}
	var undoJSON json.RawMessage
	if len(undo) > 0 {
		undoJSON, _ = json.Marshal(undo)
	}
	if err := x.rec.putStep(callboard.TaskStep{TaskID: x.taskID, StepID: st.ID, Status: "completed", Output: outJSON, Undo: undoJSON}); err != nil {
		return err
	}
	x.setOutput(st.ID, outputs)
	x.done = append(x.done, doneStep{step: st, undo: undo})
	x.rec.log(st.ID, "completed", fmt.Sprintf("Finished step %s in %s", name, time.Since(start).Round(time.Millisecond)))
	return nil
}

// iterations returns the `each` items of a step as {key, value} scopes, or
// one nil item for a step without each.
func (x *execution) iterations(st Step) ([]map[string]any, error) {
	if st.Each == nil {
		return []map[string]any{nil}, nil
	}
	// Rendered for its derived values too: each.value carries them.
	v, _, err := x.render(st.Each)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "render `each` of step %s", st.ID)
	}
	var out []map[string]any
	switch v := v.(type) {
	case []any:
		for i, item := range v {
			out = append(out, map[string]any{"key": fmt.Sprint(i), "value": item})
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, map[string]any{"key": k, "value": v[k]})
		}
	default:
		return nil, callboard.Errorf(callboard.Invalid, "`each` of step %s must give a list or an object, not %s", st.ID, jsonType(v))
	}
	return out, nil
}

func (x *execution) stepContext(ctx context.Context, stepID string) *stepContext {
	return &stepContext{
		ctx: ctx, workspace: x.workspace, dryRun: x.dryRun, mask: x.mask,
		user:     callboard.TaskUser{Ref: x.spec.User.Ref, Entity: x.spec.User.Entity},
		template: callboard.TemplateInfo{EntityRef: x.spec.TemplateInfo.EntityRef, BaseURL: x.spec.TemplateInfo.BaseURL},
		logf:     func(msg string) { x.rec.log(stepID, "", msg) },
	}
}

// fail records a failed step. A step stopped because the worker is
// stopping is left as processing, to run again after the restart.
func (x *execution) fail(ctx context.Context, st Step, err error) error {
	if errors.Is(context.Cause(ctx), errStopping) {
		return errStopping
	}
	x.rec.log(st.ID, "failed", x.mask.apply(err.Error()))
	_ = x.rec.putStep(callboard.TaskStep{TaskID: x.taskID, StepID: st.ID, Status: "failed"})
	return &stepError{stepID: st.ID, err: err}
}

// rollback runs the undo hooks of the completed steps in reverse order.
// Undo runs even when the task was cancelled, on a context of its own.
func (x *execution) rollback(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	if len(x.done) == 0 {
		return
	}
	x.rec.log("", "", fmt.Sprintf("Rolling back %d completed step(s)", len(x.done)))
	for i := len(x.done) - 1; i >= 0; i-- {
		d := x.done[i]
		act := x.actions.byID[d.step.Action]
		status := "rolledback"
		switch {
		case act == nil || act.undo == nil:
			x.rec.log(d.step.ID, "", fmt.Sprintf("Step %s (%s) has nothing to undo", d.step.ID, d.step.Action))
		case len(d.undo) == 0:
			x.rec.log(d.step.ID, "", fmt.Sprintf("Step %s recorded nothing to undo", d.step.ID))
		default:
			for j := len(d.undo) - 1; j >= 0; j-- {
				sc := x.stepContext(ctx, d.step.ID)
				if err := act.undo(sc, d.undo[j]); err != nil {
					status = "completed" // still in effect
					x.rec.log(d.step.ID, "", x.mask.apply(fmt.Sprintf("Undoing step %s failed: %s", d.step.ID, err.Error())))
					continue
				}
				x.rec.log(d.step.ID, "", fmt.Sprintf("Undid step %s", d.step.ID))
			}
		}
		_ = x.rec.putStep(callboard.TaskStep{TaskID: x.taskID, StepID: d.step.ID, Status: status})
	}
}

// recordInput passes the echo of a step's rendered input (x.render) to
// the recorder.
func (x *execution) recordInput(stepID string, echo any) {
	if m, ok := echo.(map[string]any); ok {
		x.rec.stepInput(stepID, m)
	}
}

// skipInDryRun stands in for a step whose action cannot run without
// effects: its input is rendered and checked against the action's input
// schema for each iteration, as the real run would check it, so a dry run
// used as template CI catches a key the action does not take.
func (x *execution) skipInDryRun(ctx context.Context, st Step, act *action) error {
	name := st.Name
	if name == "" {
		name = st.ID
	}
	iterations, err := x.iterations(st)
	if err != nil {
		// `each` may read the outputs of steps this dry run skipped too:
		// the input cannot be rendered as the real run would render it.
		x.setOutput(st.ID, nil)
		x.rec.log(st.ID, "skipped", fmt.Sprintf("Skipping %s in this dry run: %s does not support dry runs; its input is not checked, as its `each` did not give a list here (%s)",
			name, st.Action, x.mask.apply(callboard.ErrorMessage(err))))
		return x.rec.putStep(callboard.TaskStep{TaskID: x.taskID, StepID: st.ID, Status: "skipped"})
	}
	var echoes []any
	for _, it := range iterations {
		if it != nil {
			x.scope["each"] = it
		}
		rendered, echo, err := x.render(map[string]any(st.Input))
		delete(x.scope, "each")
		if err != nil {
			return x.fail(ctx, st, callboard.Wrap(callboard.Invalid, err, "render the input of step %s", st.ID))
		}
		x.recordInput(st.ID, echo)
		input, _ := rendered.(map[string]any)
		if input == nil {
			input = map[string]any{}
		}
		if problems := check(act.input, input, "input"); len(problems) > 0 {
			return x.fail(ctx, st, callboard.Errorf(callboard.Invalid, "%s: %s", st.Action, strings.Join(problems, "; ")))
		}
		echoes = append(echoes, echo)
	}
	x.setOutput(st.ID, nil)
	shown := any(echoes)
	if st.Each == nil && len(echoes) == 1 {
		shown = echoes[0]
	}
	x.rec.log(st.ID, "skipped", fmt.Sprintf("Skipping %s in this dry run: %s does not support dry runs; its input is valid; it would get input %s",
		name, st.Action, jsonString(shown)))
	return x.rec.putStep(callboard.TaskStep{TaskID: x.taskID, StepID: st.ID, Status: "skipped"})
}

// notRegistered is the error for a step naming an action no one
// registered; Backstage's registry answers NotFoundError (404) in the
// same words.
func notRegistered(st Step) error {
	return callboard.Errorf(callboard.NotFound, "Template action with ID '%s' is not registered. (step %s)", st.Action, st.ID)
}

// jsonString is v as JSON for log lines, with &, < and > as they are
// (json.Marshal would write \u0026).
func jsonString(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
