package scaffold

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"callboard"
)

// errStopping is the cause of a task's context when its worker stops: the
// task goes back to open and resumes in the next process. errCancelled is
// the cause when a user cancels it.
var (
	errStopping  = errors.New("the worker is stopping")
	errCancelled = errors.New("the task was cancelled")
)

// RunnerOptions configures a Runner. Zero values pick the defaults.
type RunnerOptions struct {
	// Workers is how many tasks run at once; default 2.
	Workers int
	// WorkDir holds one workspace directory per running task
	// (WorkDir/<task id>); it should survive restarts so that an
	// interrupted task resumes. Default: callboard-tasks in the temp dir.
	WorkDir string
	// PollInterval is how often idle workers look for open tasks that
	// other processes created; default 1s. Tasks created here wake a
	// worker at once.
	PollInterval time.Duration
	// HeartbeatInterval is how often a running task's heartbeat is
	// written and its cancellation checked; default 5s.
	HeartbeatInterval time.Duration
	// StaleAfter is how old a processing task's heartbeat must be before
	// another worker takes it over; default 6 heartbeats.
	StaleAfter time.Duration
	// Secrets encrypts task secrets stored in the database; nil keeps
	// them in this process's memory only (as Backstage does), so a task
	// that needs them cannot resume in another process.
	Secrets *SecretBox
	// Logger receives the runner's own problems; nil discards them.
	Logger *slog.Logger
	// ObserveTask, when set, is told of each task that ends in this
	// process (not of those handed back when it stops): its template's
	// entity ref, final status, and how long it ran here. Metrics use it.
	ObserveTask func(template string, status callboard.TaskStatus, took time.Duration)
}

// Runner runs tasks from a TaskStore with a pool of workers. One Runner
// per process; several processes may share a database.
type Runner struct {
	store   callboard.TaskStore
	actions *Actions
	opts    RunnerOptions
	log     *slog.Logger
	wake    chan struct{}

	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
	secrets map[string]map[string]string // in-memory secrets by task ID
}

// NewRunner returns a runner of the actions over store.
func NewRunner(store callboard.TaskStore, actions *Actions, opts RunnerOptions) *Runner {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.WorkDir == "" {
		opts.WorkDir = filepath.Join(os.TempDir(), "callboard-tasks")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 5 * time.Second
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 6 * opts.HeartbeatInterval
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{store: store, actions: actions, opts: opts, log: log, wake: make(chan struct{}, 1),
		running: map[string]context.CancelCauseFunc{}, secrets: map[string]map[string]string{}}
}

// Run runs workers until ctx ends. Tasks running then go back to open and
// resume after their last completed step in the next Run.
func (r *Runner) Run(ctx context.Context) error {
	if err := os.MkdirAll(r.opts.WorkDir, 0o700); err != nil {
		return callboard.Wrap(callboard.Internal, err, "create the scaffolder's work directory")
	}
	r.recover(ctx)
	var wg sync.WaitGroup
	for range r.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx)
		}()
	}
	tick := time.NewTicker(r.opts.StaleAfter / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-tick.C:
			r.recover(ctx)
		}
	}
}

// Wake tells an idle worker to look for tasks now.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// recover reopens tasks whose worker stopped beating.
func (r *Runner) recover(ctx context.Context) {
	ids, err := r.store.RecoverTasks(ctx, time.Now().Add(-r.opts.StaleAfter))
	if err != nil {
		r.log.Error("scaffolder: recover tasks", "err", err)
		return
	}
	for _, id := range ids {
		appendEvent(ctx, r.store, id, "recovered", map[string]any{
			"message": "The worker running this task stopped without finishing it; it resumes after its last completed step"})
	}
	if len(ids) > 0 {
		r.Wake()
	}
}

func (r *Runner) work(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-timer.C:
		}
		for ctx.Err() == nil {
			t, ok, err := r.store.ClaimTask(ctx)
			if err != nil {
				if ctx.Err() == nil {
					r.log.Error("scaffolder: claim task", "err", err)
				}
				break
			}
			if !ok {
				break
			}
			r.execute(ctx, t)
		}
		timer.Reset(r.opts.PollInterval)
	}
}

// cancelLocal stops a task running in this process, if it is.
func (r *Runner) cancelLocal(id string) {
	r.mu.Lock()
	cancel := r.running[id]
	r.mu.Unlock()
	if cancel != nil {
		cancel(errCancelled)
	}
}

// keepSecrets holds a new task's secrets in memory for this process.
func (r *Runner) keepSecrets(id string, s map[string]string) {
	if len(s) == 0 {
		return
	}
	r.mu.Lock()
	r.secrets[id] = s
	r.mu.Unlock()
}

// taskSecrets returns a task's secrets and whether they are available.
func (r *Runner) taskSecrets(ctx context.Context, id string) (map[string]string, error) {
	r.mu.Lock()
	s, ok := r.secrets[id]
	r.mu.Unlock()
	if ok {
		return s, nil
	}
	sealed, err := r.store.TaskSecrets(ctx, id)
	if err != nil || sealed == nil {
		return nil, err
	}
	if r.opts.Secrets == nil {
		return nil, callboard.Errorf(callboard.Invalid, "the task's secrets were encrypted but this process has no scaffolder secrets key")
	}
	return r.opts.Secrets.Open(sealed)
}

// execute runs one claimed task to its end, or until the runner stops.
func (r *Runner) execute(runCtx context.Context, t callboard.Task) {
	// Which replica ran a task is in its logs only.
	r.log.Info("scaffolder: running task", "task", t.ID)
	start := time.Now()
	// Steps act for the task's creator: a location a step registers
	// records them as its creator (catalog.location.update).
	bg := callboard.WithPrincipal(context.WithoutCancel(runCtx), callboard.Principal{Subject: t.CreatedBy})
	ctx, cancel := context.WithCancelCause(bg)
	defer cancel(nil)
	stop := context.AfterFunc(runCtx, func() { cancel(errStopping) })
	defer stop()
	r.mu.Lock()
	r.running[t.ID] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.running, t.ID)
		r.mu.Unlock()
	}()
	go r.heartbeat(ctx, t.ID, cancel)

	rec := &storeRecorder{ctx: bg, store: r.store, taskID: t.ID}
	status, output, err := r.runTask(ctx, t, rec)
	if errors.Is(err, errStopping) {
		if rerr := r.store.ReleaseTask(bg, t.ID); rerr != nil {
			r.log.Error("scaffolder: release task", "task", t.ID, "err", rerr)
		}
		rec.log("", "", "The worker stopped; the task resumes after its last completed step when a worker is back")
		return
	}
	body := map[string]any{"message": "Run completed with status: " + string(status), "status": string(status)}
	if output != nil {
		body["output"] = output
	}
	if err != nil {
		body["error"] = map[string]any{"name": "Error", "message": err.Error()}
	}
	if status == callboard.TaskCancelled {
		appendEvent(bg, r.store, t.ID, "cancelled", map[string]any{"message": "Task was cancelled"})
	}
	completion, _ := json.Marshal(body)
	if ferr := r.store.FinishTask(bg, t.ID, status, completion); ferr != nil {
		r.log.Error("scaffolder: finish task", "task", t.ID, "err", ferr)
	}
	if r.opts.ObserveTask != nil {
		r.opts.ObserveTask(templateOf(t), status, time.Since(start))
	}
	r.mu.Lock()
	delete(r.secrets, t.ID)
	r.mu.Unlock()
}

// runTask executes the task's steps and rolls back on failure. It returns
// the final status, the rendered output, and the error that ended it.
func (r *Runner) runTask(ctx context.Context, t callboard.Task, rec *storeRecorder) (callboard.TaskStatus, map[string]any, error) {
	spec, err := decodeSpec(t.Spec)
	if err != nil {
		rec.log("", "failed", err.Error())
		return callboard.TaskFailed, nil, err
	}
	prior, err := r.store.TaskSteps(ctx, t.ID)
	if err != nil {
		return callboard.TaskFailed, nil, err
	}
	dir := filepath.Join(r.opts.WorkDir, t.ID)
	x := &execution{actions: r.actions, spec: spec, taskID: t.ID, rec: rec, prior: map[string]callboard.TaskStep{},
		dirs: []string{dir, r.opts.WorkDir}}
	resumed := false
	for _, p := range prior {
		x.prior[p.StepID] = p
		if p.Status == "completed" {
			resumed = true
		}
		if p.Status == "processing" && spec.Recovery != nil && spec.Recovery.Strategy == "none" {
			err := callboard.Errorf(callboard.Conflict, "the task was interrupted while step %s ran, and its template's EXPERIMENTAL_recovery strategy is none, so it is not resumed", p.StepID)
			rec.log(p.StepID, "failed", err.Error())
			return callboard.TaskFailed, nil, err
		}
	}
	// Task events name the workspace by the task, never by its path
	// on the server.
	// A task whose every step completed before its worker stopped (the
	// workspace is removed just before the task is marked finished) has
	// nothing left that needs the workspace.
	if _, statErr := os.Stat(dir); resumed && statErr != nil && !stepsDone(spec.Steps, x.prior) {
		err := callboard.Errorf(callboard.Internal, "the workspace of task %s is gone, so it cannot resume after its completed steps; retry it to start over", t.ID)
		rec.log("", "failed", err.Error())
		return callboard.TaskFailed, nil, err
	}
	if x.workspace, err = newWorkspace(dir); err != nil {
		r.log.Error("scaffolder: create workspace", "task", t.ID, "dir", dir, "err", err)
		err = callboard.Errorf(callboard.Internal, "the workspace of task %s cannot be created; the server's log says why", t.ID)
		rec.log("", "failed", err.Error())
		return callboard.TaskFailed, nil, err
	}
	if x.secrets, err = r.taskSecrets(ctx, t.ID); err != nil {
		rec.log("", "failed", err.Error())
		return callboard.TaskFailed, nil, err
	}
	output, err := x.run(ctx)
	if err != nil {
		err = &maskedError{err: err, msg: x.mask.apply(err.Error())}
	}
	cause := context.Cause(ctx)
	switch {
	case err == nil:
		_ = os.RemoveAll(dir)
		return callboard.TaskCompleted, output, nil
	case errors.Is(cause, errStopping):
		return "", nil, errStopping
	}
	status := callboard.TaskFailed
	if errors.Is(cause, errCancelled) {
		status = callboard.TaskCancelled
	}
	if spec.NoRollback {
		rec.log("", "", fmt.Sprintf("Not rolling back (noRollback): completed steps stay in effect and the workspace of task %s is kept", t.ID))
		return status, nil, err
	}
	x.rollback(ctx)
	_ = os.RemoveAll(dir)
	return status, nil, err
}

// stepsDone reports whether every step completed or was skipped in an
// earlier run.
func stepsDone(steps []Step, prior map[string]callboard.TaskStep) bool {
	for _, st := range steps {
		if p, ok := prior[st.ID]; !ok || (p.Status != "completed" && p.Status != "skipped") {
			return false
		}
	}
	return true
}

// maskedError is an error whose text has the task's secrets masked, for
// the completion event.
type maskedError struct {
	err error
	msg string
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// heartbeat writes the task's heartbeat until ctx ends and cancels the
// task when a cancellation was asked for, from any process.
func (r *Runner) heartbeat(ctx context.Context, id string, cancel context.CancelCauseFunc) {
	tick := time.NewTicker(r.opts.HeartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			c, err := r.store.Heartbeat(ctx, id)
			if err != nil && ctx.Err() == nil {
				r.log.Error("scaffolder: heartbeat", "task", id, "err", err)
			}
			if c {
				cancel(errCancelled)
			}
		}
	}
}

// storeRecorder writes an execution's log and steps to the store.
type storeRecorder struct {
	ctx    context.Context
	store  callboard.TaskStore
	taskID string
}

func (s *storeRecorder) log(stepID, status, message string) {
	body := map[string]any{"message": message}
	if stepID != "" {
		body["stepId"] = stepID
	}
	if status != "" {
		body["status"] = status
	}
	appendEvent(s.ctx, s.store, s.taskID, "log", body)
}

func (s *storeRecorder) putStep(st callboard.TaskStep) error {
	return s.store.PutTaskStep(s.ctx, st)
}

func (s *storeRecorder) stepInput(string, map[string]any) {}

func appendEvent(ctx context.Context, store callboard.TaskStore, id, typ string, body map[string]any) {
	b, _ := json.Marshal(body)
	_, _ = store.AppendEvent(ctx, id, typ, b)
}

// templateOf is the entity ref of the template a task runs, or "unknown".
func templateOf(t callboard.Task) string {
	if spec, err := decodeSpec(t.Spec); err == nil && spec.TemplateInfo.EntityRef != "" {
		return spec.TemplateInfo.EntityRef
	}
	return "unknown"
}
