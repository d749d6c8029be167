package scaffold

import (
	"context"
	"encoding/json"
	"strings"

	"callboard"
)

// Service is the scaffolder as the API and the portal use it: templates
// from the catalog, tasks in the TaskStore, run by a Runner.
type Service struct {
	store   callboard.TaskStore
	actions *Actions
	runner  *Runner
	catalog EntityReader
	box     *SecretBox
}

// NewService returns the scaffolder over store, reading templates and
// users from catalog; runner may be nil in a process that only creates
// tasks (another process runs them). box, when not nil, encrypts secrets
// stored with tasks (see RunnerOptions.Secrets).
func NewService(store callboard.TaskStore, actions *Actions, runner *Runner, catalog EntityReader, box *SecretBox) *Service {
	return &Service{store: store, actions: actions, runner: runner, catalog: catalog, box: box}
}

// Actions lists the registered actions.
func (s *Service) Actions() []ActionInfo { return s.actions.List() }

// Template reads and parses a Template entity from the catalog. Errors:
// NotFound, Invalid.
func (s *Service) Template(ctx context.Context, ref callboard.EntityRef) (*Template, error) {
	e, err := s.catalog.Entity(ctx, ref)
	if err != nil {
		return nil, err
	}
	return ParseTemplate(e)
}

// ParameterSchema is the form a template asks for, page by page, as
// GET /v2/templates/{namespace}/{kind}/{name}/parameter-schema returns it.
type ParameterSchema struct {
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Steps       []ParameterPage `json:"steps"`
}

// ParameterPage is one page of a template's form.
type ParameterPage struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Schema      map[string]any `json:"schema"`
}

// ParameterSchema returns the form of a template.
func (t *Template) ParameterSchema() *ParameterSchema {
	ps := &ParameterSchema{Title: t.Entity.Metadata.Title, Description: t.Entity.Metadata.Description, Steps: []ParameterPage{}}
	if ps.Title == "" {
		ps.Title = t.Entity.Metadata.Name
	}
	for _, page := range t.Pages() {
		title, _ := page["title"].(string)
		if title == "" {
			title = "Please enter the following information"
		}
		desc, _ := page["description"].(string)
		ps.Steps = append(ps.Steps, ParameterPage{Title: title, Description: desc, Schema: page})
	}
	return ps
}

// Pages returns spec.parameters as a list of page schemas.
func (t *Template) Pages() []map[string]any {
	switch p := t.Parameters.(type) {
	case map[string]any:
		return []map[string]any{p}
	case []any:
		var out []map[string]any
		for _, x := range p {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// CreateRequest is POST /v2/tasks's body.
type CreateRequest struct {
	TemplateRef string            `json:"templateRef"`
	Values      map[string]any    `json:"values"`
	Secrets     map[string]string `json:"secrets,omitempty"`
	// NoRollback keeps partial results when a step fails (callboard's
	// addition, for debugging templates).
	NoRollback bool `json:"noRollback,omitempty"`
}

// Create validates the values against the template's parameters and
// stores an open task. Errors: Invalid (a *ValidationError when values are
// wrong), NotFound for an unknown template.
func (s *Service) Create(ctx context.Context, req CreateRequest, p callboard.Principal) (string, error) {
	ref, err := callboard.ParseRef(req.TemplateRef, "template", callboard.DefaultNamespace)
	if err != nil {
		return "", err
	}
	t, err := s.Template(ctx, ref)
	if err != nil {
		return "", err
	}
	values, err := validateValues(t, req.Values, req.Secrets)
	if err != nil {
		return "", err
	}
	for _, st := range t.Steps {
		if !s.actions.Has(st.Action) {
			return "", callboard.Errorf(callboard.Invalid, "template %s uses action %s, which this server does not have", ref, st.Action)
		}
	}
	user := callboard.TaskUser{Ref: p.Subject}
	if strings.HasPrefix(p.Subject, "user:") {
		if uref, err := callboard.ParseRef(p.Subject, "user", callboard.DefaultNamespace); err == nil {
			user.Entity, _ = s.catalog.Entity(ctx, uref)
		}
	}
	spec := t.Spec(values, user)
	spec.NoRollback = req.NoRollback
	return s.Start(ctx, spec, p.Subject, req.Secrets)
}

// Start stores an open task for a spec as it is, without checking its
// values, and wakes a worker. Secrets are sealed with the service's key,
// or kept in this process's memory when it has none.
func (s *Service) Start(ctx context.Context, spec *TaskSpec, createdBy string, secrets map[string]string) (string, error) {
	raw, err := json.Marshal(spec)
	if err != nil {
		return "", callboard.Wrap(callboard.Invalid, err, "values cannot be stored")
	}
	var sealed []byte
	if s.box != nil {
		if sealed, err = s.box.Seal(secrets); err != nil {
			return "", err
		}
	}
	task, err := s.store.CreateTask(ctx, raw, createdBy, sealed)
	if err != nil {
		return "", err
	}
	if s.runner != nil {
		if s.box == nil {
			s.runner.keepSecrets(task.ID, secrets)
		}
		s.runner.Wake()
	}
	return task.ID, nil
}

// Task returns one task. Errors: NotFound.
func (s *Service) Task(ctx context.Context, id string) (callboard.Task, error) {
	t, err := s.store.Task(ctx, id)
	if callboard.ErrorKind(err) == callboard.NotFound {
		return t, callboard.Errorf(callboard.NotFound, "Task with id %s does not exist", id)
	}
	return t, err
}

// Tasks lists tasks, newest first, with the total count.
func (s *Service) Tasks(ctx context.Context, f callboard.TaskFilter) ([]callboard.Task, int, error) {
	return s.store.Tasks(ctx, f)
}

// Steps returns the stored state of a task's steps.
func (s *Service) Steps(ctx context.Context, id string) ([]callboard.TaskStep, error) {
	return s.store.TaskSteps(ctx, id)
}

// Events returns a task's events after the event ID after. Errors:
// NotFound for an unknown task.
func (s *Service) Events(ctx context.Context, id string, after int64) ([]callboard.TaskEvent, error) {
	if _, err := s.Task(ctx, id); err != nil {
		return nil, err
	}
	return s.store.TaskEvents(ctx, id, after)
}

// Cancel stops a task: an open one at once, a running one as soon as its
// worker notices (at once in this process). It returns the status after
// the call.
func (s *Service) Cancel(ctx context.Context, id string) (callboard.TaskStatus, error) {
	if _, err := s.Task(ctx, id); err != nil {
		return "", err
	}
	st, err := s.store.CancelTask(ctx, id)
	if err != nil {
		return "", err
	}
	switch {
	case st == callboard.TaskCancelled:
		evs, _ := s.store.TaskEvents(ctx, id, 0)
		if len(evs) == 0 || evs[len(evs)-1].Type != "completion" {
			appendEvent(ctx, s.store, id, "cancelled", map[string]any{"message": "Task was cancelled before it started"})
			appendEvent(ctx, s.store, id, "completion", map[string]any{"message": "Run completed with status: cancelled", "status": "cancelled"})
		}
	case st == callboard.TaskProcessing && s.runner != nil:
		s.runner.cancelLocal(id)
	}
	return st, nil
}

// Retry reopens a failed or cancelled task. Steps that completed and were
// not rolled back are not run again. Errors: Conflict for a task that is
// not failed or cancelled.
func (s *Service) Retry(ctx context.Context, id string) error {
	if _, err := s.Task(ctx, id); err != nil {
		return err
	}
	if err := s.store.RetryTask(ctx, id, false); err != nil {
		return err
	}
	appendEvent(ctx, s.store, id, "recovered", map[string]any{"message": "Task was retried"})
	if s.runner != nil {
		s.runner.Wake()
	}
	return nil
}
