-- Scaffolder tasks, their event log and the state of their steps. spec and
-- the bodies are JSON text, never queried in SQL. secrets is opaque: the
-- scaffolder encrypts it before it reaches the store, or never stores it.

CREATE TABLE tasks (
	seq               INTEGER PRIMARY KEY AUTOINCREMENT,
	id                TEXT NOT NULL UNIQUE,
	spec              TEXT NOT NULL,
	status            TEXT NOT NULL,
	created_by        TEXT NOT NULL,
	secrets           BLOB,
	cancel_requested  INTEGER NOT NULL DEFAULT 0,
	created_at        TIMESTAMP NOT NULL,
	last_heartbeat_at TIMESTAMP
);
CREATE INDEX tasks_status ON tasks (status, seq);
CREATE INDEX tasks_created_by ON tasks (created_by);

CREATE TABLE task_events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	type       TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX task_events_task ON task_events (task_id, id);

-- One row per step that started; seq keeps the order steps first ran in.
CREATE TABLE task_steps (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	step_id    TEXT NOT NULL,
	status     TEXT NOT NULL,
	output     TEXT NOT NULL,
	undo       TEXT,
	updated_at TIMESTAMP NOT NULL,
	UNIQUE (task_id, step_id)
);
