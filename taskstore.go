package callboard

import (
	"context"
	"encoding/json"
	"time"
)

// TaskStep is what the store keeps of one step of a task, so that a task
// resumes after a restart from its last completed step and rolls back
// completed steps even when another process ran them.
type TaskStep struct {
	TaskID string
	StepID string
	// Status is "processing", "completed", "failed", "skipped" or
	// "rolledback".
	Status string
	// Output is the step's outputs as a JSON object ({} when none).
	Output json.RawMessage
	// Undo is a JSON array of the undo states the step's action recorded
	// (one per `each` iteration); null when it recorded none.
	Undo      json.RawMessage
	UpdatedAt time.Time
}

// TaskFilter selects tasks for TaskStore.Tasks. Empty lists match all.
type TaskFilter struct {
	CreatedBy    []string
	NotCreatedBy []string // tasks created by none of these
	Status       []TaskStatus
	Limit        int // 0 means no limit
	Offset       int
}

// TaskStore persists scaffolder tasks, their events and their steps.
// Implementations are safe for concurrent use, by several processes
// sharing one database. Errors: NotFound for an unknown task ID, Conflict
// for a state change the task's status does not allow, Internal otherwise.
type TaskStore interface {
	// CreateTask stores a new open task. secrets is opaque to the store
	// (the scaffolder encrypts it) and may be nil.
	CreateTask(ctx context.Context, spec json.RawMessage, createdBy string, secrets []byte) (Task, error)
	// Task returns one task.
	Task(ctx context.Context, id string) (Task, error)
	// TaskSecrets returns the opaque secrets stored with a task, or nil.
	TaskSecrets(ctx context.Context, id string) ([]byte, error)
	// Tasks lists tasks, newest first, and how many match in total.
	Tasks(ctx context.Context, f TaskFilter) ([]Task, int, error)
	// ClaimTask marks the oldest open task processing and returns it; ok
	// is false when none is open. Two claimers never get the same task.
	ClaimTask(ctx context.Context) (t Task, ok bool, err error)
	// Heartbeat records that the worker running a processing task is
	// alive, and reports whether cancelling it was asked for.
	Heartbeat(ctx context.Context, id string) (cancel bool, err error)
	// FinishTask sets the final status of a processing task and, in the
	// same transaction, appends its completion event (when completion is
	// not nil), so that a reader never sees one without the other.
	FinishTask(ctx context.Context, id string, status TaskStatus, completion json.RawMessage) error
	// ReleaseTask puts a processing task back to open, for a worker that
	// stops before the task ends.
	ReleaseTask(ctx context.Context, id string) error
	// RecoverTasks puts processing tasks whose heartbeat is older than
	// before back to open and returns their IDs.
	RecoverTasks(ctx context.Context, before time.Time) ([]string, error)
	// CancelTask asks for a task to stop: an open task becomes cancelled
	// at once, a processing one when its worker next beats. It returns the
	// task's status after the call; finished tasks are left as they are.
	CancelTask(ctx context.Context, id string) (TaskStatus, error)
	// RetryTask reopens a failed or cancelled task. With resetSteps, its
	// stored steps are forgotten and it starts over; otherwise it resumes
	// after its completed steps. Conflict when the task is not finished.
	RetryTask(ctx context.Context, id string, resetSteps bool) error
	// AppendEvent stores an event and returns it with its ID and time.
	AppendEvent(ctx context.Context, taskID, typ string, body json.RawMessage) (TaskEvent, error)
	// TaskEvents returns a task's events with an ID above after, oldest
	// first.
	TaskEvents(ctx context.Context, taskID string, after int64) ([]TaskEvent, error)
	// PutTaskStep inserts or replaces the state of one step.
	PutTaskStep(ctx context.Context, s TaskStep) error
	// TaskSteps returns a task's stored steps in the order they were first
	// stored.
	TaskSteps(ctx context.Context, taskID string) ([]TaskStep, error)
}
