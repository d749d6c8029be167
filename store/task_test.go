package store_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// TestTaskStore is the task conformance suite, on every backend.
func TestTaskStore(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				fn   func(*testing.T, *store.DB)
			}{
				{"CreateGetList", testTaskCreateList},
				{"ClaimOnce", testTaskClaimOnce},
				{"CancelFinishRetry", testTaskCancelRetry},
				{"Recover", testTaskRecover},
				{"EventsSteps", testTaskEventsSteps},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, b.Open(t))
				})
			}
		})
	}
}

func mustCreateTask(t *testing.T, db *store.DB, by string, secrets []byte) callboard.Task {
	t.Helper()
	task, err := db.CreateTask(t.Context(), json.RawMessage(`{"steps":[]}`), by, secrets)
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	return task
}

func testTaskCreateList(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := mustCreateTask(t, db, "user:default/jane", []byte{1, 2, 3})
	b := mustCreateTask(t, db, "user:default/joe", nil)
	c := mustCreateTask(t, db, "user:default/jane", nil)
	got, err := db.Task(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != callboard.TaskOpen || got.CreatedBy != "user:default/jane" || string(got.Spec) != `{"steps":[]}` {
		t.Errorf("Task = %+v", got)
	}
	if s, _ := db.TaskSecrets(ctx, a.ID); string(s) != "\x01\x02\x03" {
		t.Errorf("TaskSecrets = %v, want [1 2 3]", s)
	}
	if s, _ := db.TaskSecrets(ctx, b.ID); s != nil {
		t.Errorf("TaskSecrets(no secrets) = %v, want nil", s)
	}
	if _, err := db.Task(ctx, "nope"); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("Task(nope) kind = %v, want not_found", callboard.ErrorKind(err))
	}
	list, total, err := db.Tasks(ctx, callboard.TaskFilter{CreatedBy: []string{"user:default/jane"}})
	if err != nil || total != 2 || len(list) != 2 || list[0].ID != c.ID || list[1].ID != a.ID {
		t.Errorf("Tasks(createdBy jane) = %v, %d, %v; want [c a], 2", ids(list), total, err)
	}
	list, total, err = db.Tasks(ctx, callboard.TaskFilter{Limit: 1, Offset: 1})
	if err != nil {
		t.Fatalf("Tasks(limit 1 offset 1): %v", err)
	}
	if total != 3 || len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("Tasks(limit 1 offset 1) = %v, %d; want [b], 3", ids(list), total)
	}
	list, _, err = db.Tasks(ctx, callboard.TaskFilter{Offset: 2})
	if err != nil {
		t.Fatalf("Tasks(offset 2): %v", err)
	}
	if len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("Tasks(offset 2) = %v; want [a]", ids(list))
	}
	list, total, err = db.Tasks(ctx, callboard.TaskFilter{Status: []callboard.TaskStatus{callboard.TaskCompleted}})
	if err != nil {
		t.Fatalf("Tasks(completed): %v", err)
	}
	if total != 0 || len(list) != 0 {
		t.Errorf("Tasks(completed) = %v, %d; want none", ids(list), total)
	}
}

func ids(ts []callboard.Task) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

// testTaskClaimOnce claims from several goroutines: every task is claimed
// exactly once, oldest first per claimer.
func testTaskClaimOnce(t *testing.T, db *store.DB) {
	const n = 20
	want := map[string]bool{}
	for range n {
		want[mustCreateTask(t, db, "u", nil).ID] = true
	}
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				task, ok, err := db.ClaimTask(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				if task.Status != callboard.TaskProcessing || task.LastHeartbeatAt.IsZero() {
					t.Errorf("claimed task = %+v", task)
				}
				mu.Lock()
				got[task.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("claimed %d distinct tasks, want %d", len(got), n)
	}
	for id, c := range got {
		if c != 1 || !want[id] {
			t.Errorf("task %s claimed %d times", id, c)
		}
	}
}

func testTaskCancelRetry(t *testing.T, db *store.DB) {
	ctx := t.Context()
	open := mustCreateTask(t, db, "u", nil)
	if st, err := db.CancelTask(ctx, open.ID); err != nil || st != callboard.TaskCancelled {
		t.Errorf("CancelTask(open) = %v, %v; want cancelled", st, err)
	}
	run := mustCreateTask(t, db, "u", nil)
	claimed, ok, err := db.ClaimTask(ctx)
	if err != nil || !ok || claimed.ID != run.ID {
		t.Fatalf("ClaimTask = %v, %v, %v; want %s", claimed.ID, ok, err, run.ID)
	}
	if c, err := db.Heartbeat(ctx, run.ID); err != nil || c {
		t.Errorf("Heartbeat before cancel = %v, %v; want false", c, err)
	}
	if st, _ := db.CancelTask(ctx, run.ID); st != callboard.TaskProcessing {
		t.Errorf("CancelTask(processing) = %v; want processing until the worker stops", st)
	}
	if c, _ := db.Heartbeat(ctx, run.ID); !c {
		t.Errorf("Heartbeat after cancel = false; want true")
	}
	if err := db.RetryTask(ctx, run.ID, false); callboard.ErrorKind(err) != callboard.Conflict {
		t.Errorf("RetryTask(processing) kind = %v, want conflict", callboard.ErrorKind(err))
	}
	if err := db.FinishTask(ctx, run.ID, callboard.TaskCancelled, json.RawMessage(`{"message":"done"}`)); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishTask(ctx, run.ID, callboard.TaskFailed, json.RawMessage(`{}`)); callboard.ErrorKind(err) != callboard.Conflict {
		t.Errorf("FinishTask twice kind = %v, want conflict", callboard.ErrorKind(err))
	}
	if evs, _ := db.TaskEvents(ctx, run.ID, 0); len(evs) != 1 || evs[0].Type != "completion" || string(evs[0].Body) != `{"message":"done"}` {
		t.Errorf("events after FinishTask = %+v; want one completion", evs)
	}
	for _, s := range []string{"a", "b"} {
		st := callboard.TaskStep{TaskID: run.ID, StepID: s, Status: "completed"}
		if s == "b" {
			st.Status = "failed"
		}
		if err := db.PutTaskStep(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RetryTask(ctx, run.ID, false); err != nil {
		t.Fatal(err)
	}
	steps, _ := db.TaskSteps(ctx, run.ID)
	if len(steps) != 1 || steps[0].StepID != "a" {
		t.Errorf("steps after retry = %+v; want only the completed step a", steps)
	}
	got, _ := db.Task(ctx, run.ID)
	if got.Status != callboard.TaskOpen {
		t.Errorf("status after retry = %s, want open", got.Status)
	}
	if c, _ := db.Heartbeat(ctx, run.ID); c {
		t.Errorf("retry kept the cancel flag")
	}
	db.ClaimTask(ctx)
	db.FinishTask(ctx, run.ID, callboard.TaskFailed, nil)
	if err := db.RetryTask(ctx, run.ID, true); err != nil {
		t.Fatal(err)
	}
	if steps, _ := db.TaskSteps(ctx, run.ID); len(steps) != 0 {
		t.Errorf("steps after retry with reset = %+v; want none", steps)
	}
}

func testTaskRecover(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := mustCreateTask(t, db, "u", nil)
	if _, ok, _ := db.ClaimTask(ctx); !ok {
		t.Fatal("no task claimed")
	}
	if ids, err := db.RecoverTasks(ctx, time.Now().Add(-time.Hour)); err != nil || len(ids) != 0 {
		t.Errorf("RecoverTasks(an hour ago) = %v, %v; want none", ids, err)
	}
	ids, err := db.RecoverTasks(ctx, time.Now().Add(time.Second))
	if err != nil || len(ids) != 1 || ids[0] != a.ID {
		t.Errorf("RecoverTasks(now) = %v, %v; want [%s]", ids, err, a.ID)
	}
	if got, _ := db.Task(ctx, a.ID); got.Status != callboard.TaskOpen {
		t.Errorf("status = %s, want open", got.Status)
	}
	db.ClaimTask(ctx)
	if err := db.ReleaseTask(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseTask(ctx, a.ID); callboard.ErrorKind(err) != callboard.Conflict {
		t.Errorf("ReleaseTask(open) kind = %v, want conflict", callboard.ErrorKind(err))
	}
}

func testTaskEventsSteps(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := mustCreateTask(t, db, "u", nil)
	var last int64
	for i, msg := range []string{`{"message":"one"}`, `{"message":"two"}`, `{"message":"three"}`} {
		ev, err := db.AppendEvent(ctx, a.ID, "log", json.RawMessage(msg))
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID <= last {
			t.Errorf("event %d ID = %d, not above %d", i, ev.ID, last)
		}
		if i == 0 {
			last = ev.ID
		}
	}
	evs, err := db.TaskEvents(ctx, a.ID, last)
	if err != nil || len(evs) != 2 || string(evs[0].Body) != `{"message":"two"}` || evs[1].Type != "log" {
		t.Errorf("TaskEvents(after first) = %+v, %v", evs, err)
	}
	if _, err := db.AppendEvent(ctx, "nope", "log", json.RawMessage(`{}`)); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("AppendEvent(unknown task) kind = %v, want not_found", callboard.ErrorKind(err))
	}
	put := func(s callboard.TaskStep) {
		t.Helper()
		s.TaskID = a.ID
		if err := db.PutTaskStep(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	put(callboard.TaskStep{StepID: "fetch", Status: "processing"})
	put(callboard.TaskStep{StepID: "publish", Status: "processing"})
	put(callboard.TaskStep{StepID: "fetch", Status: "completed", Output: json.RawMessage(`{"x":1}`), Undo: json.RawMessage(`[{"ref":"r"}]`)})
	steps, err := db.TaskSteps(ctx, a.ID)
	if err != nil || len(steps) != 2 {
		t.Fatalf("TaskSteps = %+v, %v", steps, err)
	}
	if s := steps[0]; s.StepID != "fetch" || s.Status != "completed" || string(s.Output) != `{"x":1}` || string(s.Undo) != `[{"ref":"r"}]` {
		t.Errorf("step 0 = %+v", s)
	}
	if s := steps[1]; s.StepID != "publish" || string(s.Output) != `{}` || s.Undo != nil {
		t.Errorf("step 1 = %+v", s)
	}
}
