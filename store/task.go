package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"callboard"
)

var _ callboard.TaskStore = (*DB)(nil)

const taskColumns = `id, spec, status, created_by, created_at, last_heartbeat_at`

// CreateTask stores a new open task. Errors: Internal.
func (db *DB) CreateTask(ctx context.Context, spec json.RawMessage, createdBy string, secrets []byte) (callboard.Task, error) {
	t := callboard.Task{ID: uuid.NewString(), Spec: spec, Status: callboard.TaskOpen,
		CreatedBy: createdBy, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.rebind(
			`INSERT INTO tasks (id, spec, status, created_by, secrets, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			t.ID, string(spec), string(t.Status), createdBy, secrets, t.CreatedAt)
		if err != nil {
			return err
		}
		return db.logChanges(ctx, tx, callboard.ChangeTask, []string{t.ID})
	})
	if err != nil {
		return callboard.Task{}, db.classify(err, "task")
	}
	return t, nil
}

func scanTask(row interface{ Scan(...any) error }) (callboard.Task, error) {
	var t callboard.Task
	var spec, status string
	var hb sql.NullTime
	if err := row.Scan(&t.ID, &spec, &status, &t.CreatedBy, &t.CreatedAt, &hb); err != nil {
		return t, err
	}
	t.Spec, t.Status = json.RawMessage(spec), callboard.TaskStatus(status)
	t.CreatedAt = t.CreatedAt.UTC()
	if hb.Valid {
		t.LastHeartbeatAt = hb.Time.UTC()
	}
	return t, nil
}

// Task returns one task. Errors: NotFound, Internal.
func (db *DB) Task(ctx context.Context, id string) (callboard.Task, error) {
	t, err := scanTask(db.write.QueryRowContext(ctx, db.d.rebind(`SELECT `+taskColumns+` FROM tasks WHERE id = ?`), id))
	return t, db.classify(err, "task "+id)
}

// TaskSecrets returns the opaque secrets of a task, or nil. Errors:
// NotFound, Internal.
func (db *DB) TaskSecrets(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := db.write.QueryRowContext(ctx, db.d.rebind(`SELECT secrets FROM tasks WHERE id = ?`), id).Scan(&b)
	return b, db.classify(err, "task "+id)
}

// Tasks lists tasks, newest first, with the number matching in total.
func (db *DB) Tasks(ctx context.Context, f callboard.TaskFilter) ([]callboard.Task, int, error) {
	var where []string
	var args []any
	if len(f.CreatedBy) > 0 {
		where = append(where, `created_by IN (`+placeholders(len(f.CreatedBy))+`)`)
		for _, c := range f.CreatedBy {
			args = append(args, c)
		}
	}
	if len(f.NotCreatedBy) > 0 {
		where = append(where, `created_by NOT IN (`+placeholders(len(f.NotCreatedBy))+`)`)
		for _, c := range f.NotCreatedBy {
			args = append(args, c)
		}
	}
	if len(f.Status) > 0 {
		where = append(where, `status IN (`+placeholders(len(f.Status))+`)`)
		for _, s := range f.Status {
			args = append(args, string(s))
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, ` AND `)
	}
	var total int
	if err := db.write.QueryRowContext(ctx, db.d.rebind(`SELECT COUNT(*) FROM tasks`+cond), args...).Scan(&total); err != nil {
		return nil, 0, db.classify(err, "tasks")
	}
	q := `SELECT ` + taskColumns + ` FROM tasks` + cond + ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Limit, f.Offset)
	} else if f.Offset > 0 {
		q += ` LIMIT -1 OFFSET ?`
		if db.d.name == "postgres" {
			q = strings.Replace(q, `LIMIT -1 `, `LIMIT ALL `, 1)
		}
		args = append(args, f.Offset)
	}
	rows, err := db.write.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return nil, 0, db.classify(err, "tasks")
	}
	defer rows.Close()
	out := []callboard.Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, 0, db.classify(err, "tasks")
		}
		out = append(out, t)
	}
	return out, total, db.classify(rows.Err(), "tasks")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// ClaimTask marks the oldest open task processing and returns it.
// PostgreSQL skips rows other transactions have locked (dialect.claimTask);
// on SQLite the one write connection makes the statement atomic.
func (db *DB) ClaimTask(ctx context.Context) (callboard.Task, bool, error) {
	// Idle workers poll: look on a read connection first, so that an empty
	// queue costs no write lock on SQLite.
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM tasks WHERE status = 'open' LIMIT 1`).Scan(&one)
	if err == sql.ErrNoRows {
		return callboard.Task{}, false, nil
	}
	if err != nil {
		return callboard.Task{}, false, db.classify(err, "claim task")
	}
	now := time.Now().UTC()
	var t callboard.Task
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanTask(tx.QueryRowContext(ctx, db.d.rebind(
			`UPDATE tasks SET status = 'processing', last_heartbeat_at = ?
			 WHERE id = (`+db.d.claimTask+`) AND status = 'open'
			 RETURNING `+taskColumns), now))
		if err != nil {
			return err
		}
		return db.logChanges(ctx, tx, callboard.ChangeTask, []string{t.ID})
	})
	if err == sql.ErrNoRows {
		return callboard.Task{}, false, nil
	}
	if err != nil {
		return callboard.Task{}, false, db.classify(err, "claim task")
	}
	return t, true, nil
}

// Heartbeat records that a processing task's worker is alive and reports
// whether its cancellation was asked for. Errors: NotFound, Internal.
func (db *DB) Heartbeat(ctx context.Context, id string) (bool, error) {
	var cancel bool
	err := db.write.QueryRowContext(ctx, db.d.rebind(
		`UPDATE tasks SET last_heartbeat_at = ? WHERE id = ? RETURNING cancel_requested`),
		time.Now().UTC(), id).Scan(&cancel)
	return cancel, db.classify(err, "task "+id)
}

// FinishTask sets the final status of a processing task and appends its
// completion event in the same transaction. Errors: Conflict when the task
// is not processing, NotFound, Internal.
func (db *DB) FinishTask(ctx context.Context, id string, status callboard.TaskStatus, completion json.RawMessage) error {
	if !status.Done() {
		return callboard.Errorf(callboard.Internal, "FinishTask: %s is not a final status", status)
	}
	var moved bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(
			`UPDATE tasks SET status = ?, cancel_requested = FALSE WHERE id = ? AND status = 'processing'`), string(status), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		moved = true
		if completion != nil {
			_, err = tx.ExecContext(ctx, db.d.rebind(
				`INSERT INTO task_events (task_id, type, body, created_at) VALUES (?, 'completion', ?, ?)`),
				id, string(completion), time.Now().UTC().Truncate(time.Microsecond))
			if err != nil {
				return err
			}
		}
		return db.logChanges(ctx, tx, callboard.ChangeTask, []string{id})
	})
	if err != nil {
		return db.classify(err, "task "+id)
	}
	if !moved {
		t, err := db.Task(ctx, id)
		if err != nil {
			return err
		}
		return callboard.Errorf(callboard.Conflict, "task %s is %s", id, t.Status)
	}
	return nil
}

// ReleaseTask puts a processing task back to open.
func (db *DB) ReleaseTask(ctx context.Context, id string) error {
	return db.moveTask(ctx, id, `status = 'open'`, nil, callboard.TaskProcessing)
}

// moveTask runs UPDATE tasks SET set WHERE id = id AND status IN from.
func (db *DB) moveTask(ctx context.Context, id, set string, args []any, from ...callboard.TaskStatus) error {
	args = append(args, id)
	for _, s := range from {
		args = append(args, string(s))
	}
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(
			`UPDATE tasks SET `+set+` WHERE id = ? AND status IN (`+placeholders(len(from))+`)`), args...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return db.logChanges(ctx, tx, callboard.ChangeTask, []string{id})
	})
	if err != nil {
		return db.classify(err, "task "+id)
	}
	if n == 0 {
		t, err := db.Task(ctx, id)
		if err != nil {
			return err
		}
		return callboard.Errorf(callboard.Conflict, "task %s is %s", id, t.Status)
	}
	return nil
}

// RecoverTasks reopens processing tasks whose worker stopped beating
// before the given time.
func (db *DB) RecoverTasks(ctx context.Context, before time.Time) ([]string, error) {
	var ids []string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.d.rebind(
			`UPDATE tasks SET status = 'open' WHERE status = 'processing' AND last_heartbeat_at < ? RETURNING id`),
			before.UTC())
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return db.logChanges(ctx, tx, callboard.ChangeTask, ids)
	})
	if err != nil {
		return nil, db.classify(err, "recover tasks")
	}
	return ids, nil
}

// CancelTask cancels an open task at once and flags a processing one for
// its worker. Errors: NotFound, Internal.
func (db *DB) CancelTask(ctx context.Context, id string) (callboard.TaskStatus, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(
			`UPDATE tasks SET
			   status = CASE WHEN status = 'open' THEN 'cancelled' ELSE status END,
			   cancel_requested = CASE WHEN status = 'processing' THEN TRUE ELSE cancel_requested END
			 WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return db.logChanges(ctx, tx, callboard.ChangeTask, []string{id})
	})
	if err != nil {
		return "", db.classify(err, "task "+id)
	}
	t, err := db.Task(ctx, id)
	return t.Status, err
}

// RetryTask reopens a failed or cancelled task. Errors: Conflict when it
// is not failed or cancelled, NotFound, Internal.
func (db *DB) RetryTask(ctx context.Context, id string, resetSteps bool) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(
			`UPDATE tasks SET status = 'open', cancel_requested = FALSE WHERE id = ? AND status IN ('failed', 'cancelled')`), id)
		if err != nil {
			return db.classify(err, "task "+id)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var status string
			err := tx.QueryRowContext(ctx, db.d.rebind(`SELECT status FROM tasks WHERE id = ?`), id).Scan(&status)
			if err != nil {
				return db.classify(err, "task "+id)
			}
			return callboard.Errorf(callboard.Conflict, "task %s is %s; only failed or cancelled tasks can be retried", id, status)
		}
		if resetSteps {
			_, err = tx.ExecContext(ctx, db.d.rebind(`DELETE FROM task_steps WHERE task_id = ?`), id)
		} else {
			// Steps that did not complete run again.
			_, err = tx.ExecContext(ctx, db.d.rebind(`DELETE FROM task_steps WHERE task_id = ? AND status NOT IN ('completed', 'skipped')`), id)
		}
		if err == nil {
			err = db.logChanges(ctx, tx, callboard.ChangeTask, []string{id})
		}
		return db.classify(err, "task "+id)
	})
}
