package callboard

import (
	"context"
	"encoding/json"
	"time"
)

// TaskStatus is where a scaffolder task is in its life, with Backstage's
// names: open (waiting for a worker), processing, then one of completed,
// failed or cancelled.
type TaskStatus string

// The task statuses.
const (
	TaskOpen       TaskStatus = "open"
	TaskProcessing TaskStatus = "processing"
	TaskCompleted  TaskStatus = "completed"
	TaskFailed     TaskStatus = "failed"
	TaskCancelled  TaskStatus = "cancelled"
)

// Done reports whether s is final.
func (s TaskStatus) Done() bool {
	return s == TaskCompleted || s == TaskFailed || s == TaskCancelled
}

// Task is one run of a software template. Spec is Backstage's TaskSpec
// (apiVersion, templateInfo, parameters, steps, output, user) as JSON.
type Task struct {
	ID        string
	Spec      json.RawMessage
	Status    TaskStatus
	CreatedBy string // the principal's subject, "user:default/jane" or a service
	CreatedAt time.Time
	// LastHeartbeatAt is when the worker running the task last said it was
	// alive; a processing task whose heartbeat is old was interrupted.
	LastHeartbeatAt time.Time
}

// TaskEvent is one line of a task's history: a log line, a step's status, the
// completion. Body is JSON, as Backstage's event stream sends it.
type TaskEvent struct {
	ID        int64
	TaskID    string
	Type      string // "log", "completion", "cancelled", "recovered"
	Body      json.RawMessage
	CreatedAt time.Time
}

// TaskUser is who started a task, as templates see it in ${{ user.* }}.
type TaskUser struct {
	Ref    string  // "user:default/jane"
	Entity *Entity // the User entity, when the catalog has it
}

// TemplateInfo says which template a task runs and where it was read from,
// so that fetch actions can resolve relative URLs against it.
type TemplateInfo struct {
	EntityRef string // "template:default/create-go-service"
	BaseURL   string // the location the template file was read from (file:// or https://)
}

// StepContext is what an action sees while it runs one step of a task. Every
// path an action touches goes through Path, which keeps it inside the
// task's workspace.
type StepContext interface {
	// Context is cancelled when the task is cancelled or the worker stops.
	Context() context.Context
	// Workspace is the absolute path of the task's working directory.
	Workspace() string
	// Path resolves p relative to the workspace; it fails with Invalid when
	// the result, symlinks followed, would leave the workspace.
	Path(p string) (string, error)
	// Logf writes a line to the step's log; secrets are masked.
	Logf(format string, args ...any)
	// Output sets one of the step's outputs (${{ steps.id.output.name }}).
	Output(name string, value any)
	// SetUndo records what the step's undo hook needs (for example the URL
	// of the repository it created); it is stored with the task so rollback
	// works after a restart too.
	SetUndo(state any)
	// User is who started the task.
	User() TaskUser
	// Template is the template being run.
	Template() TemplateInfo
	// DryRun reports a dry run: actions must have no effect outside the
	// workspace and should log what they would do.
	DryRun() bool
}
