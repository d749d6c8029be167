package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"callboard"
	"callboard/scaffold"
)

// The scaffolder's API, with the paths and shapes of Backstage's
// scaffolder-backend (openapi.yaml): templates' forms, actions, tasks and
// their events, dry runs.

func (s *Server) scaffolder() (*scaffold.Service, error) {
	if s.opts.Scaffolder == nil {
		return nil, callboard.Errorf(callboard.NotFound, "the scaffolder is not enabled on this server")
	}
	return s.opts.Scaffolder, nil
}

// handleTemplateParameterSchema serves a template's form, page by page.
func (s *Server) handleTemplateParameterSchema(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	// The catalog answers a template the caller may not read as missing.
	t, err := sc.Template(r.Context(), ref)
	if err != nil {
		return err
	}
	if err := s.authorize(r, callboard.PermTemplateParamRead, t.Entity, t.Entity.Ref().String()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t.ParameterSchema())
}

// handleActionList lists the registered actions with their schemas.
func (s *Server) handleActionList(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sc.Actions())
}

// validationBody is Backstage's 400 answer to invalid values: the usual
// error body plus the per-field errors.
type validationBody struct {
	errorBody
	Errors []scaffold.FieldError `json:"errors"`
}

// writeValidation writes a *scaffold.ValidationError with its field
// errors; other errors go back to the caller.
func writeValidation(w http.ResponseWriter, r *http.Request, err error) error {
	var ve *scaffold.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var body validationBody
	body.Error.Name, body.Error.Message = nameOf[callboard.Invalid], ve.Error()
	body.Request.Method, body.Request.URL = r.Method, r.URL.RequestURI()
	body.Response.StatusCode = http.StatusBadRequest
	body.Errors = ve.Fields
	return writeJSON(w, http.StatusBadRequest, body)
}

// handleTaskCreate starts a task: 201 {id}.
func (s *Server) handleTaskCreate(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	var req scaffold.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.TemplateRef == "" {
		return callboard.Errorf(callboard.Invalid, "templateRef is required")
	}
	if err := s.authorize(r, callboard.PermTaskCreate, nil, req.TemplateRef); err != nil {
		return err
	}
	id, err := sc.Create(r.Context(), req, s.taskActor(r))
	s.auditTask(r, callboard.PermTaskCreate, req.TemplateRef, err, map[string]any{"task": id})
	if err != nil {
		return writeValidation(w, r, err)
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// taskActor is who makes a scaffolder request: the principal the auth
// middleware found, or Backstage's guest in dev mode.
func (s *Server) taskActor(r *http.Request) callboard.Principal {
	if p := callboard.PrincipalFrom(r.Context()); !p.Anonymous() {
		return p
	}
	return callboard.Principal{Subject: "user:development/guest"}
}

// serializedTask is Backstage's SerializedTask.
type serializedTask struct {
	ID              string          `json:"id"`
	Spec            json.RawMessage `json:"spec"`
	Status          string          `json:"status"`
	CreatedAt       time.Time       `json:"createdAt"`
	LastHeartbeatAt *time.Time      `json:"lastHeartbeatAt,omitempty"`
	CreatedBy       string          `json:"createdBy"`
}

func serializeTask(t callboard.Task) serializedTask {
	st := serializedTask{ID: t.ID, Spec: t.Spec, Status: string(t.Status), CreatedAt: t.CreatedAt, CreatedBy: t.CreatedBy}
	if !t.LastHeartbeatAt.IsZero() {
		st.LastHeartbeatAt = &t.LastHeartbeatAt
	}
	return st
}

// readTask returns task id when the caller holds scaffolder.task.read on
// it: by default its creator and admins (Backstage's isTaskOwner). what
// names the thing read in a refusal.
func (s *Server) readTask(r *http.Request, sc *scaffold.Service, id, what string) (callboard.Task, error) {
	t, err := sc.Task(r.Context(), id)
	if err != nil {
		return t, err
	}
	return t, s.authorizeCreated(r, callboard.PermTaskRead, t.CreatedBy, what+"task "+id)
}

// taskReadFilter narrows f to the tasks the caller may read, in the query,
// so that a page of tasks has no holes and totalTasks counts only those.
// ok is false when the caller may read none that f selects; a caller who
// may read no task at all is refused.
func (s *Server) taskReadFilter(r *http.Request, f *callboard.TaskFilter) (ok bool, err error) {
	if s.opts.Authorizer == nil {
		return true, nil
	}
	p := callboard.PrincipalFrom(r.Context())
	own, others, err := s.opts.Authorizer.CreatorFilter(r.Context(), p, callboard.PermTaskRead)
	switch {
	case err != nil:
		return false, err
	case own && others:
		return true, nil
	case own:
		if len(f.CreatedBy) > 0 && !slices.Contains(f.CreatedBy, p.Subject) {
			return false, nil
		}
		f.CreatedBy = []string{p.Subject}
	case others:
		f.NotCreatedBy = append(f.NotCreatedBy, p.Subject)
	default:
		return false, s.refuse(r, callboard.PermTaskRead, "tasks", false, nil)
	}
	return true, nil
}

// handleTasks lists tasks: createdBy and status filters (repeatable),
// limit and offset; {tasks, totalTasks}.
func (s *Server) handleTasks(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := callboard.TaskFilter{CreatedBy: splitList(q["createdBy"])}
	for _, st := range splitList(q["status"]) {
		f.Status = append(f.Status, callboard.TaskStatus(st))
	}
	if f.Limit, err = queryInt(q.Get("limit"), "limit"); err != nil {
		return err
	}
	if f.Offset, err = queryInt(q.Get("offset"), "offset"); err != nil {
		return err
	}
	readable, err := s.taskReadFilter(r, &f)
	if err != nil {
		return err
	}
	tasks, total := []callboard.Task{}, 0
	if readable {
		if tasks, total, err = sc.Tasks(r.Context(), f); err != nil {
			return err
		}
	}
	out := make([]serializedTask, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, serializeTask(t))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tasks": out, "totalTasks": total})
}

// splitList reads repeated and comma-separated query values.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

func queryInt(v, name string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, callboard.Errorf(callboard.Invalid, "%s must be a non-negative integer, not %q", name, v)
	}
	return n, nil
}

// handleTaskGet serves one task.
func (s *Server) handleTaskGet(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	t, err := s.readTask(r, sc, r.PathValue("id"), "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, serializeTask(t))
}

// serializedEvent is Backstage's SerializedTaskEvent.
type serializedEvent struct {
	ID        int64           `json:"id"`
	TaskID    string          `json:"taskId"`
	Body      json.RawMessage `json:"body"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"createdAt"`
}

func serializeEvent(ev callboard.TaskEvent) serializedEvent {
	return serializedEvent{ID: ev.ID, TaskID: ev.TaskID, Body: ev.Body, Type: ev.Type, CreatedAt: ev.CreatedAt}
}

// afterParam reads the event ID to resume after: ?after= or, for
// EventSource reconnects, Last-Event-ID.
func afterParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		v = r.Header.Get("Last-Event-ID")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, callboard.Errorf(callboard.Invalid, "after must be an event id, not %q", v)
	}
	return n, nil
}

// handleTaskEvents lists a task's events after ?after=.
func (s *Server) handleTaskEvents(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	if _, err := s.readTask(r, sc, r.PathValue("id"), "the events of "); err != nil {
		return err
	}
	after, err := afterParam(r)
	if err != nil {
		return err
	}
	evs, err := sc.Events(r.Context(), r.PathValue("id"), after)
	if err != nil {
		return err
	}
	out := make([]serializedEvent, 0, len(evs))
	for _, ev := range evs {
		out = append(out, serializeEvent(ev))
	}
	return writeJSON(w, http.StatusOK, out)
}

// eventPoll is how often the event stream looks for new events.
const eventPoll = 250 * time.Millisecond

// handleTaskEventStream streams a task's events as server-sent events
// until the completion event or the client leaves.
func (s *Server) handleTaskEventStream(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	after, err := afterParam(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.readTask(r, sc, id, "the events of "); err != nil {
		return err
	}
	sse := newSSE(w)
	defer sse.keepAlive(r.Context())()
	tick := time.NewTicker(eventPoll)
	defer tick.Stop()
	for {
		evs, err := sc.Events(r.Context(), id, after)
		if err != nil {
			return nil // the status is sent; the client reconnects
		}
		for _, ev := range evs {
			if sse.JSON(ev.Type, strconv.FormatInt(ev.ID, 10), serializeEvent(ev)) != nil {
				return nil // the client left
			}
			after = ev.ID
			if ev.Type == "completion" {
				return nil
			}
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
	}
}

// handleTaskCancel cancels a task: {status}.
func (s *Server) handleTaskCancel(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	task, err := sc.Task(r.Context(), id)
	if err != nil {
		return err
	}
	// Decided per task, so a policy may use isTaskOwner for it too.
	if err := s.authorizeCreated(r, callboard.PermTaskCancel, task.CreatedBy, "task "+id); err != nil {
		return err
	}
	if err := s.authorizeTaskOwner(r, sc, id, "cancel"); err != nil {
		s.auditTask(r, callboard.PermTaskCancel, "task "+id, err, nil)
		return err
	}
	st, err := sc.Cancel(r.Context(), id)
	s.auditTask(r, callboard.PermTaskCancel, "task "+id, err, nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": string(st)})
}

// handleTaskRetry reopens a failed or cancelled task: 201 {id}.
func (s *Server) handleTaskRetry(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.authorize(r, callboard.PermTaskCreate, nil, "task "+id); err != nil {
		return err
	}
	if err := s.authorizeTaskOwner(r, sc, id, "retry"); err != nil {
		s.auditTask(r, "scaffolder.task.retry", "task "+id, err, nil)
		return err
	}
	err = sc.Retry(r.Context(), id)
	s.auditTask(r, "scaffolder.task.retry", "task "+id, err, nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// authorizeTaskOwner lets only the task's creator cancel or retry it (a
// retry runs again with the creator's stored secrets); dev mode lets anyone.
// Errors: NotFound for an unknown task, Forbidden for someone else's.
func (s *Server) authorizeTaskOwner(r *http.Request, sc *scaffold.Service, id, verb string) error {
	if s.opts.Dev {
		return nil
	}
	task, err := sc.Task(r.Context(), id)
	if err != nil {
		return err
	}
	if p := callboard.PrincipalFrom(r.Context()); p.Anonymous() || p.Subject != task.CreatedBy {
		who := p.Subject
		if who == "" {
			who = "an anonymous caller"
		}
		return callboard.Errorf(callboard.Forbidden, "%s may not %s task %s: only its creator %s may", who, verb, id, task.CreatedBy)
	}
	return nil
}

// dryRunRequest is POST /v2/dry-run's body.
type dryRunRequest struct {
	Template          *callboard.Entity     `json:"template"`
	Values            map[string]any        `json:"values"`
	Secrets           map[string]string     `json:"secrets"`
	DirectoryContents []scaffold.DryRunFile `json:"directoryContents"`
}

// handleDryRun runs a template without side effects and returns the files
// it would write and its log.
func (s *Server) handleDryRun(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	var req dryRunRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Template == nil {
		return callboard.Errorf(callboard.Invalid, "template is required: the Template entity to run")
	}
	if err := s.authorize(r, callboard.PermActionExecute, nil, "dry-run"); err != nil {
		return err
	}
	t, err := scaffold.ParseTemplate(req.Template)
	if err != nil {
		return err
	}
	// The caller wrote the entity, so its managed-by-location annotation
	// would let relative fetches read any server file: relative URLs
	// resolve only in directoryContents.
	t.BaseURL = ""
	p := s.taskActor(r)
	res, err := sc.DryRun(r.Context(), t, req.Values, req.Secrets, callboard.TaskUser{Ref: p.Subject}, req.DirectoryContents)
	if err != nil {
		return writeValidation(w, r, err)
	}
	return writeJSON(w, http.StatusOK, res)
}
