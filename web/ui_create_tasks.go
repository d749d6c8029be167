package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"callboard"
)

const tasksPageSize = 50

type taskRow struct {
	ID, Short, URL, Status, CreatedBy string
	Creator                           refLink // CreatedBy by display name
	CreatedAt                         time.Time
	Template                          refLink
}

type taskListView struct {
	Mine      bool
	Subject   string // the signed-in principal; "" when there is no sign-in
	Rows      []taskRow
	Total     int
	Page      int
	PrevURL   string
	NextURL   string
	MineURL   string
	AllURL    string
	Anonymous bool
}

// handleTasksPage lists scaffolder tasks, newest first: the caller's own
// (owned=mine) or everyone's.
func (s *Server) handleTasksPage(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scaffolder()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := taskListView{Page: 1, Subject: s.taskSubject(r), MineURL: "/create/tasks?owned=mine", AllURL: "/create/tasks"}
	v.Anonymous = v.Subject == ""
	v.Mine = q.Get("owned") == "mine" && !v.Anonymous
	if raw := q.Get("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100_000 {
			return callboard.Errorf(callboard.Invalid, "page must be a whole number of at least 1, not %q", raw)
		}
		v.Page = n
	}
	f := callboard.TaskFilter{Limit: tasksPageSize, Offset: (v.Page - 1) * tasksPageSize}
	if v.Mine {
		f.CreatedBy = []string{v.Subject}
	}
	tasks, total, err := s.pageTasks(r, sc, f)
	if err != nil {
		return err
	}
	// Newest first whatever order the store keeps.
	slices.SortStableFunc(tasks, func(a, b callboard.Task) int { return b.CreatedAt.Compare(a.CreatedAt) })
	v.Total = total
	for _, t := range tasks {
		row := taskRow{ID: t.ID, Short: shortID(t.ID), URL: "/create/tasks/" + url.PathEscape(t.ID), Status: string(t.Status), CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt}
		row.Creator = s.personLink(r.Context(), t.CreatedBy)
		info := infoOf(t)
		if ref := info.TemplateInfo.EntityRef; ref != "" {
			row.Template = linkTo(ref, "template")
			if title := info.TemplateInfo.Entity.Metadata.Title; title != "" {
				row.Template.Short = title
			}
		}
		v.Rows = append(v.Rows, row)
	}
	at := func(p int) string {
		u := url.Values{}
		if v.Mine {
			u.Set("owned", "mine")
		}
		if p > 1 {
			u.Set("page", strconv.Itoa(p))
		}
		if e := u.Encode(); e != "" {
			return "/create/tasks?" + e
		}
		return "/create/tasks"
	}
	if v.Page > 1 {
		v.PrevURL = at(v.Page - 1)
	}
	if v.Page*tasksPageSize < v.Total {
		v.NextURL = at(v.Page + 1)
	}
	return s.render(w, r, http.StatusOK, "create_tasks", "", &page{
		Title: "Tasks", Nav: "create", Data: v,
		Subtitle: "Every run of a software template, newest first",
	})
}

// taskSubject is who "mine" means: the signed-in principal, or in dev mode
// Backstage's guest, whom the task API records as the creator there.
func (s *Server) taskSubject(r *http.Request) string {
	if p := callboard.PrincipalFrom(r.Context()); !p.Anonymous() {
		return p.Subject
	}
	if s.opts.Dev {
		return "user:development/guest"
	}
	return ""
}
