package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// The CI/CD tab: GitHub Actions workflow runs of the repository an entity
// names with github.com/project-slug, as Backstage's GitHub Actions plugin
// shows them, read with the integration's credentials (token or App) and
// through its client, so its rate-limit waits and ETag cache apply.

const (
	// AnnotationProjectSlug names an entity's repository, "owner/repo".
	AnnotationProjectSlug = "github.com/project-slug"
	// PermActionsRerun lets a user re-run the failed jobs of a run.
	PermActionsRerun = "github.actions.rerun"
	// ActionsTabID is the CI/CD tab's path segment.
	ActionsTabID = "ci-cd"

	actionsTitle = "CI/CD"
	runsPerPage  = 20
)

var actionsPermission = callboard.Permission{Name: PermActionsRerun, ResourceType: callboard.ResourceEntity, Action: "update"}

// slugPattern is GitHub's owner/repository name syntax.
var slugPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+$`)

// addActions adds the CI/CD tab, the re-run route and the CI facts to in.
func (g *integration) addActions(in *plugin.Instance) {
	in.Tabs = append(in.Tabs, plugin.Tab{ID: ActionsTabID, Title: actionsTitle, Applies: hasSlug, Render: g.renderActions})
	in.Facts = g.facts
	in.Routes = append(in.Routes, plugin.Route{Method: http.MethodPost,
		Path:       "/actions/{kind}/{namespace}/{name}/runs/{id}/rerun-failed-jobs",
		Permission: PermActionsRerun, Handler: g.handleRerun})
}

func hasSlug(e *callboard.Entity) bool { return e.Annotation(AnnotationProjectSlug) != "" }

// repoOf returns the client and owner/repository of e: the integration of
// the host of e's source location (or of its url: managed-by location),
// github.com when that host has none, as Backstage's plugin picks it.
func (g *integration) repoOf(e *callboard.Entity) (*Client, string, string, error) {
	slug := strings.TrimSpace(e.Annotation(AnnotationProjectSlug))
	// "." and ".." would climb out of /repos/{owner}/{repo}/ in the API
	// path; GitHub allows neither as a repository name.
	if !slugPattern.MatchString(slug) || strings.HasSuffix(slug, "/.") || strings.HasSuffix(slug, "/..") {
		return nil, "", "", callboard.Errorf(callboard.Invalid, "annotation %s is %q, not owner/repository", AnnotationProjectSlug, slug)
	}
	owner, repo, _ := strings.Cut(slug, "/")
	for _, a := range []string{callboard.AnnotationSourceLocation, callboard.AnnotationManagedByLocation} {
		target, ok := strings.CutPrefix(e.Annotation(a), "url:")
		if !ok {
			continue
		}
		if u, err := url.Parse(target); err == nil && g.clients[u.Host] != nil {
			return g.clients[u.Host], owner, repo, nil
		}
	}
	// Setup made github.com's client (anonymous without an entry), so
	// renders only read the map.
	c := g.clients["github.com"]
	if c == nil {
		return nil, "", "", callboard.Errorf(callboard.Upstream, "no %s entry for github.com", IntegrationsKey)
	}
	return c, owner, repo, nil
}

// actionsErr turns a GitHub answer into an error a user can act on: the
// repository missing is NotFound, everything else from GitHub Upstream
// (the portal's caller did nothing wrong when GitHub refuses the token).
func actionsErr(err error, c *Client, owner, repo, doing string) error {
	var er *gogithub.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		status, msg := er.Response.StatusCode, er.Message
		switch status {
		case http.StatusUnauthorized:
			return callboard.Errorf(callboard.Upstream, "GitHub (%s) refused the credentials of %s (401 %s); check its token or App", c.Host(), IntegrationsKey, msg)
		case http.StatusNotFound:
			return callboard.Errorf(callboard.NotFound, "GitHub (%s) answered 404 to %s of %s/%s: it does not exist or the credentials of %s cannot read it", c.Host(), doing, owner, repo, IntegrationsKey)
		case http.StatusForbidden:
			return callboard.Errorf(callboard.Upstream, "GitHub (%s) refused to %s of %s/%s (403 %s); the token or App needs the Actions permission", c.Host(), doing, owner, repo, msg)
		case http.StatusTooManyRequests:
			return callboard.Errorf(callboard.Upstream, "GitHub (%s) rate limit exceeded (429 %s)", c.Host(), msg)
		}
		return callboard.Errorf(callboard.Upstream, "GitHub (%s) answered %d to %s of %s/%s: %s", c.Host(), status, doing, owner, repo, msg)
	}
	if k := callboard.ErrorKind(err); k != callboard.Internal {
		return err // the transport's own: rate limit spent, context done
	}
	return callboard.Wrap(callboard.Upstream, err, "GitHub (%s) could not be reached to %s", c.Host(), doing)
}

// renderActions renders the runs list, or with ?run=ID one run's jobs.
func (g *integration) renderActions(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	c, owner, repo, err := g.repoOf(e)
	if err != nil {
		return "", err
	}
	q := plugin.Query(ctx)
	if s := q.Get("run"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return "", callboard.Errorf(callboard.Invalid, "run %q is not a workflow run ID", s)
		}
		return g.renderRun(ctx, e, c, owner, repo, id)
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	runs, _, err := c.gh.Actions.ListRepositoryWorkflowRuns(Context(ctx), owner, repo,
		&gogithub.ListWorkflowRunsOptions{ListOptions: gogithub.ListOptions{Page: page, PerPage: runsPerPage}})
	if err != nil {
		return "", actionsErr(err, c, owner, repo, "list the workflow runs")
	}
	total := runs.GetTotalCount()
	if len(runs.WorkflowRuns) == 0 {
		if page > 1 {
			return ui.Join(ui.Empty("No runs on this page", fmt.Sprintf("%s/%s has %d workflow runs.", owner, repo, total)),
				ui.Link(tabURL(e, ""), "First page")), nil
		}
		return ui.Empty("No workflow runs", fmt.Sprintf("GitHub Actions has not run in %s/%s yet.", owner, repo)), nil
	}
	rows := make([][]any, 0, len(runs.WorkflowRuns))
	for _, r := range runs.WorkflowRuns {
		rows = append(rows, []any{
			ui.Link(tabURL(e, "run="+strconv.FormatInt(r.GetID(), 10)), fmt.Sprintf("%s #%d", r.GetName(), r.GetRunNumber())),
			r.GetHeadBranch(),
			commitCell(r),
			runStatus(r.GetStatus(), r.GetConclusion()),
			startedCell(r.GetRunStartedAt()),
			duration(r.GetRunStartedAt(), r.GetUpdatedAt(), r.GetStatus()),
			r.GetActor().GetLogin(),
		})
	}
	table := ui.Table([]string{"Workflow", "Branch", "Commit", "Status", "Started", "Duration", "Actor"}, rows)
	return ui.Join(table, pager(e, page, total)), nil
}

// renderRun renders one run: its facts, the re-run form for permitted
// users, and each job with its steps.
func (g *integration) renderRun(ctx context.Context, e *callboard.Entity, c *Client, owner, repo string, id int64) (template.HTML, error) {
	run, _, err := c.gh.Actions.GetWorkflowRunByID(Context(ctx), owner, repo, id)
	if err != nil {
		return "", actionsErr(err, c, owner, repo, "read workflow run "+strconv.FormatInt(id, 10))
	}
	jobs, _, err := c.gh.Actions.ListWorkflowJobs(Context(ctx), owner, repo, id,
		&gogithub.ListWorkflowJobsOptions{ListOptions: gogithub.ListOptions{PerPage: 100}})
	if err != nil {
		return "", actionsErr(err, c, owner, repo, "list the jobs of workflow run "+strconv.FormatInt(id, 10))
	}
	parts := []template.HTML{
		ui.Link(tabURL(e, ""), "← All runs"),
		ui.KeyValues(
			ui.KV{Key: "Workflow", Value: fmt.Sprintf("%s #%d", run.GetName(), run.GetRunNumber())},
			ui.KV{Key: "Status", Value: runStatus(run.GetStatus(), run.GetConclusion())},
			ui.KV{Key: "Branch", Value: run.GetHeadBranch()},
			ui.KV{Key: "Commit", Value: commitCell(run)},
			ui.KV{Key: "Event", Value: run.GetEvent()},
			ui.KV{Key: "Actor", Value: run.GetActor().GetLogin()},
			ui.KV{Key: "Started", Value: startedCell(run.GetRunStartedAt())},
			ui.KV{Key: "Duration", Value: duration(run.GetRunStartedAt(), run.GetUpdatedAt(), run.GetStatus())},
			ui.KV{Key: "Attempt", Value: run.GetRunAttempt()},
			ui.KV{Key: "GitHub", Value: ui.Link(run.GetHTMLURL(), "View on GitHub")},
		),
	}
	if rerunnable(run) && plugin.Allowed(ctx, PermActionsRerun, e) {
		parts = append(parts, rerunForm(e, id))
	}
	for _, j := range jobs.Jobs {
		parts = append(parts, template.HTML("<h3>"), ui.Text(j.GetName()), template.HTML("</h3><p>"), //nolint:gosec // constant tags
			runStatus(j.GetStatus(), j.GetConclusion()), ui.Text(" · "), duration(j.GetStartedAt(), j.GetCompletedAt(), j.GetStatus()),
			template.HTML("</p>"))
		rows := make([][]any, 0, len(j.Steps))
		for _, st := range j.Steps {
			rows = append(rows, []any{st.GetNumber(), st.GetName(), runStatus(st.GetStatus(), st.GetConclusion()),
				duration(st.GetStartedAt(), st.GetCompletedAt(), st.GetStatus())})
		}
		if len(rows) > 0 {
			parts = append(parts, ui.Table([]string{"#", "Step", "Status", "Duration"}, rows))
		}
	}
	if len(jobs.Jobs) == 0 {
		parts = append(parts, ui.Empty("No jobs", "The run has no jobs yet."))
	}
	return ui.Join(parts...), nil
}

// rerunnable: GitHub re-runs failed jobs of completed runs only.
func rerunnable(r *gogithub.WorkflowRun) bool {
	switch r.GetConclusion() {
	case "failure", "cancelled", "timed_out", "startup_failure":
		return r.GetStatus() == "completed"
	}
	return false
}

var rerunTmpl = template.Must(template.New("rerun").Parse(
	`<form method="post" action="{{.}}"><p><button class="btn" type="submit">Re-run failed jobs</button></p></form>`))

// rerunForm is a plain form posting to the re-run route.
func rerunForm(e *callboard.Entity, id int64) template.HTML {
	var b strings.Builder
	if err := rerunTmpl.Execute(&b, "/api/github/actions/"+entityPath(e)+"/runs/"+strconv.FormatInt(id, 10)+"/rerun-failed-jobs"); err != nil {
		return ui.Unavailable("Re-run failed jobs", err.Error())
	}
	return template.HTML(b.String()) //nolint:gosec // rendered by html/template
}

// handleRerun serves POST /api/github/actions/{kind}/{namespace}/{name}/runs/{id}/rerun-failed-jobs:
// GitHub re-runs the run's failed jobs. The portal has checked
// PermActionsRerun on the entity and records the call in the audit log. A
// form (the tab's) is answered with a redirect to the run, anything else
// with 201 {"status": "queued", "runId": ID}.
func (g *integration) handleRerun(w http.ResponseWriter, r *http.Request) error {
	e := plugin.RouteEntity(r)
	if !hasSlug(e) {
		return callboard.Errorf(callboard.NotFound, "%s has no %s annotation", e.Ref(), AnnotationProjectSlug)
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return callboard.Errorf(callboard.Invalid, "run %q is not a workflow run ID", r.PathValue("id"))
	}
	c, owner, repo, err := g.repoOf(e)
	if err != nil {
		return err
	}
	if _, err := c.gh.Actions.RerunFailedJobsByID(Context(r.Context()), owner, repo, id); err != nil {
		return actionsErr(err, c, owner, repo, "re-run the failed jobs of workflow run "+strconv.FormatInt(id, 10))
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" {
		http.Redirect(w, r, tabURL(e, "run="+strconv.FormatInt(id, 10)), http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	return json.NewEncoder(w).Encode(map[string]any{"status": "queued", "runId": id})
}

// runStatus is a run's, job's or step's status with its colour: success
// green, failure red, queued and running amber, the rest grey.
func runStatus(status, conclusion string) template.HTML {
	if status != "completed" {
		switch status {
		case "queued", "in_progress", "waiting", "requested", "pending":
			return ui.Status(ui.Warn, strings.ReplaceAll(status, "_", " "))
		}
	}
	switch conclusion {
	case "success":
		return ui.Status(ui.OK, conclusion)
	case "failure", "timed_out", "startup_failure":
		return ui.Status(ui.Bad, strings.ReplaceAll(conclusion, "_", " "))
	case "":
		return ui.Status(ui.Muted, strings.ReplaceAll(status, "_", " "))
	}
	return ui.Status(ui.Muted, strings.ReplaceAll(conclusion, "_", " "))
}

// commitCell is the short SHA linked to the commit, with its message's
// first line.
func commitCell(r *gogithub.WorkflowRun) template.HTML {
	sha := r.GetHeadSHA()
	short := sha
	if len(short) > 7 {
		short = short[:7]
	}
	link := ui.Text(short)
	if repoURL := r.GetRepository().GetHTMLURL(); repoURL != "" && sha != "" {
		link = ui.Link(repoURL+"/commit/"+url.PathEscape(sha), short)
	}
	msg, _, _ := strings.Cut(r.GetDisplayTitle(), "\n")
	if msg == "" {
		return link
	}
	if len(msg) > 60 {
		msg = msg[:57] + "..."
	}
	return ui.Join(link, ui.Text(" "+msg))
}

func startedCell(t gogithub.Timestamp) template.HTML {
	if t.IsZero() {
		return ui.Text("—")
	}
	return ui.TimeAgo(t.Time)
}

// duration is from start to end, or to now while running: "3m 05s".
func duration(start, end gogithub.Timestamp, status string) template.HTML {
	if start.IsZero() {
		return ui.Text("—")
	}
	to := end.Time
	if status != "completed" || to.IsZero() {
		to = time.Now()
	}
	d := max(to.Sub(start.Time), 0).Round(time.Second)
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm %02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	default:
		s = fmt.Sprintf("%dh %02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return ui.Text(s)
}

// pager is "Page N of M" with links to the pages before and after.
func pager(e *callboard.Entity, page, total int) template.HTML {
	last := max((total+runsPerPage-1)/runsPerPage, 1)
	parts := []template.HTML{template.HTML(`<p class="muted">`)} //nolint:gosec // constant
	if page > 1 {
		parts = append(parts, ui.Link(tabURL(e, "page="+strconv.Itoa(page-1)), "← Newer"), ui.Text(" · "))
	}
	parts = append(parts, ui.Text(fmt.Sprintf("Page %d of %d (%d runs)", page, last, total)))
	if page < last {
		parts = append(parts, ui.Text(" · "), ui.Link(tabURL(e, "page="+strconv.Itoa(page+1)), "Older →"))
	}
	return ui.Join(append(parts, template.HTML("</p>"))...) //nolint:gosec // constant
}

// tabURL is the CI/CD tab of e's page with query (without "?").
func tabURL(e *callboard.Entity, query string) string {
	r := e.Ref()
	u := "/catalog/" + url.PathEscape(strings.ToLower(r.Namespace)) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" +
		url.PathEscape(r.Name) + "/" + ActionsTabID
	if query != "" {
		u += "?" + query
	}
	return u
}

// entityPath is "{kind}/{namespace}/{name}" for the plugin's routes.
func entityPath(e *callboard.Entity) string {
	r := e.Ref()
	return url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(strings.ToLower(r.Namespace)) + "/" + url.PathEscape(r.Name)
}
