package scaffold_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"callboard"
	"callboard/scaffold"
	"callboard/store"
	"callboard/store/storetest"
)

// GateInput is test:gate's input.
type GateInput struct {
	Name string `json:"name"`
}

// gate is an action that, while block is set, signals reached and waits
// for its context to end, as a long step would.
type gate struct {
	block   bool
	reached chan struct{}
	calls   atomic.Int32
}

func (g *gate) run(sc callboard.StepContext, in GateInput) error {
	g.calls.Add(1)
	if !g.block {
		sc.Output("passed", in.Name)
		return nil
	}
	close(g.reached)
	<-sc.Context().Done()
	return sc.Context().Err()
}

// gateSpec writes a file, passes the gate, then lists the workspace: the
// file must still be there after a restart between the first two steps.
var gateSpec = map[string]any{"steps": []any{
	map[string]any{"id": "write", "action": "catalog:write", "input": map[string]any{
		"entity": map[string]any{"kind": "Component", "metadata": map[string]any{"name": "x"}}}},
	map[string]any{"id": "gate", "action": "test:gate", "input": map[string]any{"name": "g"}},
	map[string]any{"id": "list", "action": "debug:log", "input": map[string]any{"listWorkspace": true}},
}, "output": map[string]any{"passed": "${{ steps.gate.output.passed }}"}}

func gateEnv(t *testing.T, db *store.DB, g *gate, workDir string) (*scaffold.Service, func()) {
	t.Helper()
	actions := scaffold.NewActions()
	scaffold.AddBuiltins(actions, &scaffold.Builtins{})
	scaffold.Add(actions, "test:gate", g.run)
	runner := scaffold.NewRunner(db, actions, testRunnerOptions(workDir))
	svc := scaffold.NewService(db, actions, runner, nil, nil)
	return svc, startRunner(t, runner)
}

// TestResumeAfterRestart stops the runner while the second step runs,
// reopens the database, and starts a new runner: the task resumes at the
// second step, in the same workspace, and completes.
func TestResumeAfterRestart(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			driver, dsn := b.DSN(t)
			workDir := t.TempDir()
			db1, err := store.Open(t.Context(), driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			g1 := &gate{block: true, reached: make(chan struct{})}
			svc1, stop1 := gateEnv(t, db1, g1, workDir)
			e := &env{svc: svc1}
			id := createSpecTask(t, e, gateSpec, nil)
			<-g1.reached
			stop1()
			task, _ := svc1.Task(t.Context(), id)
			if task.Status != callboard.TaskOpen {
				t.Errorf("status after the runner stopped = %s, want open (released)", task.Status)
			}
			db1.Close()

			db2, err := store.Open(t.Context(), driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db2.Close() })
			g2 := &gate{}
			svc2, _ := gateEnv(t, db2, g2, workDir)
			task = waitTask(t, svc2, id)
			evs := eventsOf(t, svc2, id)
			log := logText(evs)
			if task.Status != callboard.TaskCompleted {
				t.Fatalf("status = %s, want completed; log:\n%s", task.Status, log)
			}
			if !strings.Contains(log, "Step write was completed by an earlier run") {
				t.Errorf("the completed step ran again; log:\n%s", log)
			}
			if !strings.Contains(log, "\nlog: catalog-info.yaml\n") {
				t.Errorf("the workspace did not survive the restart; log:\n%s", log)
			}
			if g2.calls.Load() != 1 {
				t.Errorf("gate ran %d times in the new runner, want 1", g2.calls.Load())
			}
			out, _ := evs[len(evs)-1]["output"].(map[string]any)
			if out["passed"] != "g" {
				t.Errorf("output = %v", out)
			}
		})
	}
}

// TestRecoverCrashedWorker leaves a task claimed by a worker that never
// beats again (a killed process): a runner takes it over once the
// heartbeat is stale, and reports it.
func TestRecoverCrashedWorker(t *testing.T) {
	db := storetest.Open(t)
	g := &gate{}
	actions := scaffold.NewActions()
	scaffold.AddBuiltins(actions, &scaffold.Builtins{})
	scaffold.Add(actions, "test:gate", g.run)
	svc := scaffold.NewService(db, actions, nil, nil, nil) // creates only
	id := createSpecTask(t, &env{svc: svc}, gateSpec, nil)
	if _, ok, err := db.ClaimTask(t.Context()); !ok || err != nil {
		t.Fatalf("ClaimTask = %v, %v", ok, err)
	}
	opts := testRunnerOptions(t.TempDir())
	runner := scaffold.NewRunner(db, actions, opts)
	startRunner(t, runner)
	task := waitTask(t, svc, id)
	log := logText(eventsOf(t, svc, id))
	if task.Status != callboard.TaskCompleted || !strings.Contains(log, "recovered: The worker running this task stopped") {
		t.Errorf("status = %s; log:\n%s", task.Status, log)
	}
}

// TestRecoveryNone fails an interrupted task whose template says
// EXPERIMENTAL_recovery: none, naming the step.
func TestRecoveryNone(t *testing.T) {
	db := storetest.Open(t)
	workDir := t.TempDir()
	g1 := &gate{block: true, reached: make(chan struct{})}
	svc1, stop1 := gateEnv(t, db, g1, workDir)
	spec := map[string]any{"steps": gateSpec["steps"], "EXPERIMENTAL_recovery": map[string]any{"EXPERIMENTAL_strategy": "none"}}
	id := createSpecTask(t, &env{svc: svc1}, spec, nil)
	<-g1.reached
	stop1()
	svc2, _ := gateEnv(t, db, &gate{}, workDir)
	task := waitTask(t, svc2, id)
	log := logText(eventsOf(t, svc2, id))
	if task.Status != callboard.TaskFailed || !strings.Contains(log, "interrupted while step gate ran") {
		t.Errorf("status = %s; log:\n%s", task.Status, log)
	}
}

// TestCancel cancels a running task: it stops, says so, and is cancelled.
func TestCancel(t *testing.T) {
	db := storetest.Open(t)
	g := &gate{block: true, reached: make(chan struct{})}
	svc, stop := gateEnv(t, db, g, t.TempDir())
	id := createSpecTask(t, &env{svc: svc}, gateSpec, nil)
	<-g.reached
	if _, err := svc.Cancel(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	task := waitTask(t, svc, id)
	evs := eventsOf(t, svc, id)
	if task.Status != callboard.TaskCancelled {
		t.Fatalf("status = %s, want cancelled; log:\n%s", task.Status, logText(evs))
	}
	if !strings.Contains(logText(evs), "cancelled: Task was cancelled") {
		t.Errorf("no cancelled event:\n%s", logText(evs))
	}
	// With no runner, an open task is cancelled at once.
	stop()
	id2 := createSpecTask(t, &env{svc: svc}, gateSpec, nil)
	if st, err := svc.Cancel(t.Context(), id2); err != nil || st != callboard.TaskCancelled {
		t.Errorf("Cancel(open) = %s, %v; want cancelled", st, err)
	}
	if !strings.Contains(logText(eventsOf(t, svc, id2)), "completion: Run completed with status: cancelled") {
		t.Errorf("no completion event for the cancelled open task")
	}
}

// TestSecretsSealed stores secrets encrypted when the service has a key: a
// new runner with the same key (another process) reads them; the database
// never holds them in clear.
func TestSecretsSealed(t *testing.T) {
	db := storetest.Open(t)
	box, err := scaffold.NewSecretBox("a key from the config")
	if err != nil {
		t.Fatal(err)
	}
	actions := scaffold.NewActions()
	scaffold.AddBuiltins(actions, &scaffold.Builtins{})
	creator := scaffold.NewService(db, actions, nil, nil, box) // no runner: another process runs it
	spec := map[string]any{"steps": []any{map[string]any{"id": "l", "action": "debug:log",
		"input": map[string]any{"message": "pw=${{ secrets.password }} len=${{ secrets.password | length }}"}}}}
	id := createSpecTask(t, &env{svc: creator}, spec, map[string]string{"password": "hunter2"})
	sealed, _ := db.TaskSecrets(t.Context(), id)
	if len(sealed) == 0 || strings.Contains(string(sealed), "hunter2") {
		t.Fatalf("stored secrets = %q; want them sealed", sealed)
	}
	opts := testRunnerOptions(t.TempDir())
	opts.Secrets = box
	startRunner(t, scaffold.NewRunner(db, actions, opts))
	task := waitTask(t, creator, id)
	log := logText(eventsOf(t, creator, id))
	if task.Status != callboard.TaskCompleted || !strings.Contains(log, "pw=*** len=7") || strings.Contains(log, "hunter2") {
		t.Errorf("status = %s; log:\n%s", task.Status, log)
	}
}

// TestEach runs a step once per item; its outputs are lists.
func TestEach(t *testing.T) {
	db := storetest.Open(t)
	g := &gate{}
	svc, _ := gateEnv(t, db, g, t.TempDir())
	spec := map[string]any{
		"steps": []any{map[string]any{"id": "g", "action": "test:gate", "each": []any{"a", "b", "c"},
			"input": map[string]any{"name": "${{ each.value }}${{ each.key }}"}}},
		"output": map[string]any{"all": "${{ steps.g.output.passed | join(',') }}"},
	}
	id := createSpecTask(t, &env{svc: svc}, spec, nil)
	waitTask(t, svc, id)
	evs := eventsOf(t, svc, id)
	out, _ := evs[len(evs)-1]["output"].(map[string]any)
	if out["all"] != "a0,b1,c2" {
		t.Errorf("output = %v, want a0,b1,c2; log:\n%s", out, logText(evs))
	}
}
