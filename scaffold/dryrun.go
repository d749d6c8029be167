package scaffold

import (
	"context"
	"encoding/base64"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"callboard"
)

// DryRunFile is one file of a dry run's result, or of its input
// (directoryContents in Backstage's API).
type DryRunFile struct {
	Path          string `json:"path"`
	Executable    bool   `json:"executable"`
	Base64Content string `json:"base64Content"`
}

// DryRunLog is one log line of a dry run: {body: {message, status?, stepId?}}.
type DryRunLog struct {
	Body DryRunLogBody `json:"body"`
}

// DryRunLogBody is a log line's body.
type DryRunLogBody struct {
	Message string `json:"message"`
	Status  string `json:"status,omitempty"`
	StepID  string `json:"stepId,omitempty"`
}

// DryRunStep is one step of the plan, with its input as rendered.
type DryRunStep struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Action string         `json:"action"`
	Input  map[string]any `json:"input,omitempty"` // callboard's addition: the rendered input
	Status string         `json:"status,omitempty"`
}

// DryRunResult is POST /v2/dry-run's response.
type DryRunResult struct {
	Log               []DryRunLog    `json:"log"`
	DirectoryContents []DryRunFile   `json:"directoryContents"`
	Output            map[string]any `json:"output"`
	Steps             []DryRunStep   `json:"steps"`
	// Error is the failure that ended the run, if any.
	Error string `json:"error,omitempty"`
}

// DryRun runs t with values without side effects: in a temporary
// workspace, calling only actions that support dry runs (which must not
// act outside the workspace), and returns the files the workspace ended
// with. When files are given, the template's own directory is replaced by
// them (Backstage's directoryContents), so that fetch:template ./skeleton
// reads them; a template without BaseURL gets an empty directory. Invalid
// values are a *ValidationError; a step naming an action that is not
// registered is a NotFound error.
func DryRun(ctx context.Context, actions *Actions, t *Template, values map[string]any, secrets map[string]string,
	user callboard.TaskUser, files []DryRunFile) (*DryRunResult, error) {
	values, err := ValidateValues(t, values)
	if err != nil {
		return nil, err
	}
	// A dry run is a template's CI: a step naming an action this server
	// does not have fails it before anything runs, as Backstage's 404.
	for _, st := range t.Steps {
		if !actions.Has(st.Action) {
			return nil, notRegistered(st)
		}
	}
	tmp, err := os.MkdirTemp("", "callboard-dry-run-")
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "create dry-run directory")
	}
	defer os.RemoveAll(tmp)
	spec := t.Spec(values, user)
	// Without a location of its own (an API caller's entity), the template
	// reads only the given files, even when none are given.
	if len(files) > 0 || t.BaseURL == "" {
		tdir := filepath.Join(tmp, "template")
		if err := writeContents(tdir, files); err != nil {
			return nil, err
		}
		spec.TemplateInfo.BaseURL = "file://" + filepath.ToSlash(filepath.Join(tdir, "template.yaml"))
	}
	ws, err := newWorkspace(filepath.Join(tmp, "workspace"))
	if err != nil {
		return nil, err
	}
	rec := &memRecorder{}
	x := &execution{actions: actions, spec: spec, taskID: "dry-run", workspace: ws, secrets: secrets,
		dryRun: true, rec: rec, prior: map[string]callboard.TaskStep{}}
	out, runErr := x.run(ctx)
	res := &DryRunResult{Log: rec.logs, Output: out, Steps: []DryRunStep{}}
	if res.Log == nil {
		res.Log = []DryRunLog{}
	}
	if res.Output == nil {
		res.Output = map[string]any{}
	}
	for _, st := range spec.Steps {
		res.Steps = append(res.Steps, DryRunStep{ID: st.ID, Name: st.Name, Action: st.Action,
			Input: rec.inputs[st.ID], Status: rec.status[st.ID]})
	}
	if runErr != nil {
		res.Error = runErr.Error()
	}
	if res.DirectoryContents, err = readContents(ws); err != nil {
		return nil, err
	}
	return res, nil
}

// writeContents writes base64 files under dir, refusing paths that leave it.
func writeContents(dir string, files []DryRunFile) error {
	root, err := newWorkspace(dir)
	if err != nil {
		return err
	}
	for i, f := range files {
		p, err := safePath(root, filepath.FromSlash(f.Path))
		if err != nil {
			return callboard.Wrap(callboard.Invalid, err, "directoryContents[%d].path", i)
		}
		data, err := base64.StdEncoding.DecodeString(f.Base64Content)
		if err != nil {
			return callboard.Errorf(callboard.Invalid, "directoryContents[%d].base64Content is not base64", i)
		}
		mode := fs.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		if err := writeFile(p, data, mode); err != nil {
			return err
		}
	}
	return nil
}

// readContents returns every regular file under root, sorted by path.
func readContents(root string) ([]DryRunFile, error) {
	out := []DryRunFile{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, DryRunFile{Path: path.Clean(filepath.ToSlash(rel)), Executable: info.Mode()&0o111 != 0,
			Base64Content: base64.StdEncoding.EncodeToString(data)})
		return nil
	})
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "read the dry run's workspace")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// memRecorder keeps a dry run's log and the rendered input of each step.
type memRecorder struct {
	logs   []DryRunLog
	inputs map[string]map[string]any
	status map[string]string
}

func (m *memRecorder) log(stepID, status, message string) {
	m.logs = append(m.logs, DryRunLog{Body: DryRunLogBody{Message: message, Status: status, StepID: stepID}})
	if stepID != "" && status != "" {
		if m.status == nil {
			m.status = map[string]string{}
		}
		m.status[stepID] = status
	}
}

func (m *memRecorder) putStep(callboard.TaskStep) error { return nil }

func (m *memRecorder) stepInput(stepID string, input map[string]any) {
	if m.inputs == nil {
		m.inputs = map[string]map[string]any{}
	}
	m.inputs[stepID] = input
}

// DryRun runs t without side effects with the service's actions; see the
// package function DryRun.
func (s *Service) DryRun(ctx context.Context, t *Template, values map[string]any, secrets map[string]string,
	user callboard.TaskUser, files []DryRunFile) (*DryRunResult, error) {
	return DryRun(ctx, s.actions, t, values, secrets, user, files)
}
