package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"callboard"
)

// AppendEvent stores an event of a task. Errors: NotFound for an unknown
// task (a foreign key violation on both engines), Internal.
func (db *DB) AppendEvent(ctx context.Context, taskID, typ string, body json.RawMessage) (callboard.TaskEvent, error) {
	ev := callboard.TaskEvent{TaskID: taskID, Type: typ, Body: body, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err := db.write.QueryRowContext(ctx, db.d.rebind(
		`INSERT INTO task_events (task_id, type, body, created_at)
		 SELECT id, ?, ?, ? FROM tasks WHERE id = ? RETURNING id`),
		typ, string(body), ev.CreatedAt, taskID).Scan(&ev.ID)
	return ev, db.classify(err, "task "+taskID)
}

// TaskEvents returns a task's events after the given event ID, oldest
// first. An unknown task has no events.
func (db *DB) TaskEvents(ctx context.Context, taskID string, after int64) ([]callboard.TaskEvent, error) {
	rows, err := db.write.QueryContext(ctx, db.d.rebind(
		`SELECT id, type, body, created_at FROM task_events WHERE task_id = ? AND id > ? ORDER BY id`), taskID, after)
	if err != nil {
		return nil, db.classify(err, "task events")
	}
	defer rows.Close()
	out := []callboard.TaskEvent{}
	for rows.Next() {
		ev := callboard.TaskEvent{TaskID: taskID}
		var body string
		if err := rows.Scan(&ev.ID, &ev.Type, &body, &ev.CreatedAt); err != nil {
			return nil, db.classify(err, "task events")
		}
		ev.Body, ev.CreatedAt = json.RawMessage(body), ev.CreatedAt.UTC()
		out = append(out, ev)
	}
	return out, db.classify(rows.Err(), "task events")
}

// PutTaskStep inserts or replaces the stored state of one step.
func (db *DB) PutTaskStep(ctx context.Context, s callboard.TaskStep) error {
	out := string(s.Output)
	if out == "" {
		out = "{}"
	}
	var undo sql.NullString
	if len(s.Undo) > 0 && string(s.Undo) != "null" {
		undo = sql.NullString{String: string(s.Undo), Valid: true}
	}
	_, err := db.write.ExecContext(ctx, db.d.rebind(
		`INSERT INTO task_steps (task_id, step_id, status, output, undo, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		 ON CONFLICT (task_id, step_id) DO UPDATE SET status = excluded.status, output = excluded.output,
		   undo = excluded.undo, updated_at = excluded.updated_at`),
		s.TaskID, s.StepID, s.Status, out, undo, time.Now().UTC())
	return db.classify(err, "step "+s.StepID+" of task "+s.TaskID)
}

// TaskSteps returns the stored steps of a task in the order they started.
func (db *DB) TaskSteps(ctx context.Context, taskID string) ([]callboard.TaskStep, error) {
	rows, err := db.write.QueryContext(ctx, db.d.rebind(
		`SELECT step_id, status, output, undo, updated_at FROM task_steps WHERE task_id = ? ORDER BY seq`), taskID)
	if err != nil {
		return nil, db.classify(err, "task steps")
	}
	defer rows.Close()
	var out []callboard.TaskStep
	for rows.Next() {
		s := callboard.TaskStep{TaskID: taskID}
		var output string
		var undo sql.NullString
		if err := rows.Scan(&s.StepID, &s.Status, &output, &undo, &s.UpdatedAt); err != nil {
			return nil, db.classify(err, "task steps")
		}
		s.Output, s.UpdatedAt = json.RawMessage(output), s.UpdatedAt.UTC()
		if undo.Valid {
			s.Undo = json.RawMessage(undo.String)
		}
		out = append(out, s)
	}
	return out, db.classify(rows.Err(), "task steps")
}
