package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"callboard"
	"callboard/scaffold"
	"callboard/techdocs"
)

// taskInfo is what the pages show of a task's spec (Backstage's TaskSpec).
type taskInfo struct {
	TemplateInfo struct {
		EntityRef string `json:"entityRef"`
		Entity    struct {
			Metadata struct {
				Name  string `json:"name"`
				Title string `json:"title"`
			} `json:"metadata"`
		} `json:"entity"`
	} `json:"templateInfo"`
	Steps []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Action string `json:"action"`
	} `json:"steps"`
}

// infoOf reads a stored spec; one that does not decode shows as empty.
func infoOf(t callboard.Task) taskInfo {
	var info taskInfo
	_ = json.Unmarshal(t.Spec, &info)
	return info
}

// eventBody is what the pages show of a task event's body.
type eventBody struct {
	Message string          `json:"message"`
	StepID  string          `json:"stepId"`
	Status  string          `json:"status"`
	Output  json.RawMessage `json:"output"`
	Error   json.RawMessage `json:"error"`
}

// pageTask reads task id for a page, with the checks of
// GET /api/scaffolder/v2/tasks/{id} (api_scaffolder.go).
func (s *Server) pageTask(r *http.Request, sc *scaffold.Service, id string) (callboard.Task, error) {
	return s.readTask(r, sc, id, "")
}

// pageTasks lists tasks for a page, with the checks of
// GET /api/scaffolder/v2/tasks (api_scaffolder.go).
func (s *Server) pageTasks(r *http.Request, sc *scaffold.Service, f callboard.TaskFilter) ([]callboard.Task, int, error) {
	ok, err := s.taskReadFilter(r, &f)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, nil
	}
	return sc.Tasks(r.Context(), f)
}

type taskView struct {
	ID, Short, Status, CreatedBy string
	Creator                      refLink // CreatedBy by display name
	CreatedAt                    time.Time
	Template                     refLink // the template's form
	TemplateTitle                string
	Steps                        []stepView
	Log                          []string // lines outside any step (start, rollback)
	Links                        []outputLink
	Texts                        []outputText
	Error                        string
	Last                         int64 // the last event's id, where the stream resumes
	Done                         bool
	Duration                     string
	StreamURL, TemplateURL       string
	APIURL                       string // the task in the API, for cancel and retry
	Writable                     bool
}

type stepView struct {
	ID, Name, Action, Status string
	Duration                 string
	Started, Ended           time.Time
	Logs                     []string
}

type outputLink struct {
	Title, URL, Icon string
	Entity           bool
}

type outputText struct {
	Title string
	HTML  template.HTML
}

// handleTaskPage shows one task: its steps with status and duration, each
// step's log, and when it is done its output links and text or its error.
// create.js follows the event stream from Last on.
func (s *Server) handleTaskPage(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	t, err := s.pageTask(r, sc, id)
	if err != nil {
		return err
	}
	events, err := sc.Events(r.Context(), id, 0)
	if err != nil {
		return err
	}
	base := "/api/scaffolder/v2/tasks/" + url.PathEscape(id)
	v := taskViewOf(t, events)
	v.StreamURL, v.APIURL = base+"/eventstream", base
	v.Writable = s.opts.Dev
	if v.Template.Ref != "" && v.TemplateTitle == "" {
		if ref, err := callboard.ParseRef(v.Template.Ref, "template", ""); err == nil {
			if e, err := s.catalog.Entity(r.Context(), ref); err == nil {
				v.TemplateTitle = e.Metadata.Title
			}
		}
	}
	if v.TemplateTitle == "" {
		v.TemplateTitle = v.Template.Short
	}
	v.Creator = s.personLink(r.Context(), v.CreatedBy)
	return s.render(w, r, http.StatusOK, "create_task", "", &page{
		Title: "Task " + v.Short, Nav: "create", Data: v,
		Subtitle: "Running " + orDash(v.TemplateTitle) + ": each step, its log, and what it made",
	})
}

// taskViewOf folds the events into the steps of the task's spec.
func taskViewOf(t callboard.Task, events []callboard.TaskEvent) taskView {
	info := infoOf(t)
	v := taskView{ID: t.ID, Short: shortID(t.ID), Status: string(t.Status), CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt,
		TemplateTitle: info.TemplateInfo.Entity.Metadata.Title}
	if ref := info.TemplateInfo.EntityRef; ref != "" {
		v.Template = linkTo(ref, "template")
		if r, err := callboard.ParseRef(ref, "template", ""); err == nil {
			v.TemplateURL = "/create/templates/" + url.PathEscape(strings.ToLower(r.Namespace)) + "/" + url.PathEscape(r.Name)
		}
	}
	steps := map[string]int{}
	for _, st := range info.Steps {
		steps[st.ID] = len(v.Steps)
		name := st.Name
		if name == "" {
			name = st.ID
		}
		v.Steps = append(v.Steps, stepView{ID: st.ID, Name: name, Action: st.Action, Status: "open"})
	}
	var end time.Time
	for _, e := range events {
		v.Last = max(v.Last, e.ID)
		var b eventBody
		_ = json.Unmarshal(e.Body, &b)
		switch e.Type {
		case "completion", "cancelled":
			end = e.CreatedAt
			v.Done = true
			if msg := errorMessage(b.Error); msg != "" {
				v.Error = msg
			}
			v.Links, v.Texts = outputOf(b.Output)
			if b.Message != "" {
				v.Log = append(v.Log, b.Message)
			}
			continue
		}
		i, ok := steps[b.StepID]
		if !ok {
			if b.Message != "" {
				v.Log = append(v.Log, b.Message)
			}
			continue
		}
		st := &v.Steps[i]
		if b.Status == "" && strings.HasPrefix(b.Message, "Undid step ") {
			// The runner reports a rollback as a log line of the step.
			b.Status = "rolledback"
		}
		if b.Status != "" {
			st.Status = b.Status
			switch b.Status {
			case "processing":
				st.Started = e.CreatedAt
			case "rolledback":
			default:
				st.Ended = e.CreatedAt
			}
		}
		if b.Message != "" {
			st.Logs = append(st.Logs, b.Message)
		}
	}
	for i := range v.Steps {
		st := &v.Steps[i]
		if !st.Started.IsZero() && !st.Ended.IsZero() {
			st.Duration = duration(st.Ended.Sub(st.Started))
		}
	}
	if t.Status.Done() {
		v.Done = true
	}
	if !end.IsZero() && !t.CreatedAt.IsZero() {
		v.Duration = duration(end.Sub(t.CreatedAt))
	}
	return v
}

// errorMessage reads a serialized error ({name, message}) or a string.
func errorMessage(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var e struct{ Name, Message string }
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		return e.Message
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// outputOf reads a completed task's output.links and output.text.
func outputOf(raw json.RawMessage) ([]outputLink, []outputText) {
	var out struct {
		Links []struct {
			Title, URL, Icon, EntityRef string
		} `json:"links"`
		Text []struct {
			Title, Content string
		} `json:"text"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &out) != nil {
		return nil, nil
	}
	var links []outputLink
	for _, l := range out.Links {
		ol := outputLink{Title: l.Title, Icon: linkIcon(l.Icon)}
		if strings.EqualFold(l.Icon, "catalog") {
			ol.Icon = "catalog"
		}
		switch {
		case l.EntityRef != "":
			if _, err := callboard.ParseRef(l.EntityRef, "component", ""); err != nil {
				continue
			}
			ol.URL, ol.Entity = entityURL(l.EntityRef), true
			if ol.Title == "" {
				ol.Title = shortRef(l.EntityRef, "")
			}
		case safeURL(l.URL):
			ol.URL = l.URL
		default:
			continue
		}
		if ol.Title == "" {
			ol.Title = ol.URL
		}
		links = append(links, ol)
	}
	var texts []outputText
	for _, t := range out.Text {
		texts = append(texts, outputText{Title: t.Title, HTML: markdown(t.Content)})
	}
	return links, texts
}

// safeURL admits http(s) links and paths on this site, never javascript:.
// A path may not start with // or /\: browsers read both as another host.
func safeURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return false
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return true
	}
	return u.Scheme == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, "/\\")
}

var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// markdown renders a template's output text: goldmark without raw HTML,
// then the TechDocs sanitizer, so a template cannot put script on the page.
func markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src)) //nolint:gosec // escaped
	}
	return template.HTML(techdocs.Sanitize(buf.Bytes())) //nolint:gosec // sanitized
}

func duration(d time.Duration) string {
	switch {
	case d < 0:
		return ""
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func orDash(s string) string {
	if s == "" {
		return "a template"
	}
	return s
}
