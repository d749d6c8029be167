-- Scaffolder tasks, their event log and the state of their steps. spec and
-- the bodies are JSON text, never queried in SQL. secrets is opaque: the
-- scaffolder encrypts it before it reaches the store, or never stores it.

CREATE TABLE tasks (
	seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                TEXT NOT NULL UNIQUE,
	spec              TEXT NOT NULL,
	status            TEXT NOT NULL,
	created_by        TEXT NOT NULL,
	secrets           BYTEA,
	cancel_requested  BOOLEAN NOT NULL DEFAULT FALSE,
	created_at        TIMESTAMPTZ NOT NULL,
	last_heartbeat_at TIMESTAMPTZ
);
CREATE INDEX tasks_status ON tasks (status, seq);
CREATE INDEX tasks_created_by ON tasks (created_by);

CREATE TABLE task_events (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	type       TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_events_task ON task_events (task_id, id);

-- One row per step that started; seq keeps the order steps first ran in.
CREATE TABLE task_steps (
	seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	step_id    TEXT NOT NULL,
	status     TEXT NOT NULL,
	output     TEXT NOT NULL,
	undo       TEXT,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (task_id, step_id)
);
