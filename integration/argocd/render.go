package argocd

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// argoPlugin is the enabled plugin: a client per instance, in config
// order.
type argoPlugin struct {
	clients []*client
	byName  map[string]*client
	// single is a baseUrl without appLocatorMethods: there is no instance
	// to pin, so argocd/instance-name is ignored, as Roadie's frontend
	// plugin ignores it without the backend.
	single bool
}

// result is one application on one instance, or why it is missing.
type result struct {
	inst     *client
	name     string       // the application's name
	app      *Application // nil when missing or failed
	err      error        // the instance failed (not NotFound)
	notFound bool         // no instance asked has it
}

// lookup finds the entity's applications: every name of argocd/app-name
// (or every match of argocd/app-selector) on the pinned instance or on
// all of them, each call concurrently. An instance that fails gives a
// result with its error; when every call failed, lookup returns the first
// error, so the whole panel says why.
func (p *argoPlugin) lookup(ctx context.Context, e *callboard.Entity) ([]result, error) {
	clients := p.clients
	if pin := strings.TrimSpace(e.Annotation(AnnotationInstanceName)); pin != "" && !p.single {
		c := p.byName[pin]
		if c == nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s names the instance %q, which argocd.appLocatorMethods does not list", AnnotationInstanceName, pin)
		}
		clients = []*client{c}
	}
	var names []string
	seen := map[string]bool{}
	for _, n := range strings.Split(e.Annotation(AnnotationAppName), ",") {
		if n = strings.TrimSpace(n); n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	selector := strings.TrimSpace(e.Annotation(AnnotationAppSelector))
	if len(names) == 0 && selector == "" {
		return nil, nil
	}

	// One slot per call, filled concurrently, read in order.
	type call struct {
		name string
		c    *client
		apps []Application
		err  error
	}
	var calls []*call
	if len(names) > 0 {
		for _, n := range names {
			for _, c := range clients {
				calls = append(calls, &call{name: n, c: c})
			}
		}
	} else {
		for _, c := range clients {
			calls = append(calls, &call{c: c})
		}
	}
	var wg sync.WaitGroup
	for _, cl := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if cl.name != "" {
				a, err := cl.c.application(ctx, cl.name)
				if a != nil {
					cl.apps = []Application{*a}
				}
				cl.err = err
				return
			}
			cl.apps, cl.err = cl.c.applications(ctx, selector)
		}()
	}
	wg.Wait()

	var out []result
	var firstErr error
	failed := 0
	found := map[string]bool{}
	for _, cl := range calls {
		switch {
		case cl.err != nil && callboard.ErrorKind(cl.err) != callboard.NotFound:
			failed++
			if firstErr == nil {
				firstErr = cl.err
			}
			out = append(out, result{inst: cl.c, name: cl.name, err: cl.err})
		default:
			for i := range cl.apps {
				found[cl.name] = true
				out = append(out, result{inst: cl.c, name: cl.apps[i].Metadata.Name, app: &cl.apps[i]})
			}
		}
	}
	if failed == len(calls) {
		return nil, firstErr
	}
	for _, n := range names {
		if !found[n] && !failedFor(out, n) {
			out = append(out, result{name: n, notFound: true})
		}
	}
	return out, nil
}

func failedFor(rs []result, name string) bool {
	for _, r := range rs {
		if r.err != nil && r.name == name {
			return true
		}
	}
	return false
}

// card shows each application: sync, health, revision, last sync.
func (p *argoPlugin) card(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	rs, err := p.lookup(ctx, e)
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return ui.Empty("No applications", "No Argo CD application matches "+AnnotationAppSelector+" "+e.Annotation(AnnotationAppSelector)+"."), nil
	}
	var parts []template.HTML
	for _, r := range rs {
		switch {
		case r.err != nil:
			parts = append(parts, ui.Unavailable(p.label("Argo CD", r.inst, r.name), callboard.ErrorMessage(r.err)))
		case r.notFound:
			parts = append(parts, ui.KeyValues(
				ui.KV{Key: "Application", Value: r.name},
				ui.KV{Key: "Status", Value: ui.Status(ui.Muted, "not found in Argo CD")},
			))
		default:
			parts = append(parts, p.appCard(r))
		}
	}
	return ui.Join(parts...), nil
}

// label names an application, with its instance when there are several.
func (p *argoPlugin) label(what string, c *client, name string) string {
	s := what
	if name != "" {
		s = name
	}
	if c != nil && len(p.clients) > 1 {
		s += " (" + c.name + ")"
	}
	return s
}

func (p *argoPlugin) appCard(r result) template.HTML {
	a := r.app
	rows := []ui.KV{
		{Key: "Application", Value: ui.Link(appURL(r.inst, a), p.label("", r.inst, a.Metadata.Name))},
		{Key: "Sync", Value: ui.Status(syncLevel(a.Status.Sync.Status), orUnknown(a.Status.Sync.Status))},
		{Key: "Health", Value: ui.Status(healthLevel(a.Status.Health.Status), orUnknown(a.Status.Health.Status))},
		{Key: "Revision", Value: revision(a, a.Status.Sync.Revision)},
	}
	if op := a.Status.OperationState; op != nil {
		at := op.StartedAt
		if op.FinishedAt != nil {
			at = *op.FinishedAt
		}
		rows = append(rows, ui.KV{Key: "Last sync", Value: ui.Join(ui.Status(phaseLevel(op.Phase), orUnknown(op.Phase)), ui.Text(" "), ui.TimeAgo(at))})
		if op.Phase != "Succeeded" && op.Message != "" {
			rows = append(rows, ui.KV{Key: "Message", Value: op.Message})
		}
	} else {
		rows = append(rows, ui.KV{Key: "Last sync", Value: ui.Status(ui.Muted, "never")})
	}
	return ui.KeyValues(rows...)
}

// tab is the deployment history of every application, newest first.
func (p *argoPlugin) tab(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	rs, err := p.lookup(ctx, e)
	if err != nil {
		return "", err
	}
	var parts []template.HTML
	type row struct {
		at    time.Time
		id    int64
		cells []any
	}
	var rows []row
	apps := 0
	for _, r := range rs {
		if r.err != nil {
			parts = append(parts, ui.Unavailable(p.label("Argo CD", r.inst, r.name), callboard.ErrorMessage(r.err)))
			continue
		}
		if r.app == nil {
			continue
		}
		apps++
		for _, h := range history(r.app) {
			rows = append(rows, row{h.DeployedAt, h.ID, []any{
				revision(r.app, h.Revision), ui.TimeAgo(h.DeployedAt), h.By,
				ui.Link(appURL(r.inst, r.app), p.label("", r.inst, r.app.Metadata.Name)),
			}})
		}
	}
	if len(rows) == 0 {
		return ui.Join(append(parts, ui.Empty("No deployments yet", "Argo CD has no sync history for this entity's applications."))...), nil
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].at.Equal(rows[j].at) {
			return rows[i].at.After(rows[j].at)
		}
		return rows[i].id > rows[j].id
	})
	head := []string{"Revision", "Deployed", "Triggered by", "Application"}
	cells := make([][]any, len(rows))
	for i, r := range rows {
		cells[i] = r.cells
		if apps == 1 {
			cells[i] = r.cells[:3]
		}
	}
	if apps == 1 {
		head = head[:3]
	}
	return ui.Join(append(parts, ui.Table(head, cells))...), nil
}

// deployment is an entry of an application's history.
type deployment struct {
	ID         int64     `json:"id"`
	Revision   string    `json:"revision"`
	DeployedAt time.Time `json:"deployedAt"`
	By         string    `json:"triggeredBy,omitempty"`
}

// history is the application's deployments with who started each, when
// Argo CD says: the entry's initiatedBy (Argo CD 2.10 and later), or for
// the latest entry the last operation's, when it synced that revision.
func history(a *Application) []deployment {
	var out []deployment
	var latest int64 = -1
	for _, h := range a.Status.History {
		latest = max(latest, h.ID)
	}
	for _, h := range a.Status.History {
		d := deployment{ID: h.ID, Revision: h.Revision, DeployedAt: h.DeployedAt, By: who(h.InitiatedBy)}
		if op := a.Status.OperationState; d.By == "" && h.ID == latest && op != nil && op.SyncResult != nil && op.SyncResult.Revision == h.Revision {
			d.By = who(&op.Operation.InitiatedBy)
		}
		out = append(out, d)
	}
	return out
}

func who(i *initiatedBy) string {
	switch {
	case i == nil:
		return ""
	case i.Automated:
		return "automated sync"
	default:
		return i.Username
	}
}

// appURL is the application in Argo CD's web UI.
func appURL(c *client, a *Application) string {
	if ns := a.Metadata.Namespace; ns != "" && ns != "argocd" {
		return c.base + "/applications/" + url.PathEscape(ns) + "/" + url.PathEscape(a.Metadata.Name)
	}
	return c.base + "/applications/" + url.PathEscape(a.Metadata.Name)
}

var sha = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// revision is a commit as its short sha linked to the commit in the
// repository, or the revision as text (a chart version, a branch).
func revision(a *Application, rev string) template.HTML {
	if rev == "" {
		return ui.Status(ui.Muted, "unknown")
	}
	if !sha.MatchString(rev) {
		return ui.Text(rev)
	}
	short := rev[:7]
	if a.Spec.Source == nil {
		return ui.Text(short)
	}
	if web := repoWebURL(a.Spec.Source.RepoURL); web != "" {
		path := "/commit/"
		if strings.Contains(web, "bitbucket.org/") {
			path = "/commits/"
		}
		return ui.Link(web+path+rev, short)
	}
	return ui.Text(short)
}

// repoWebURL turns a git remote (https, ssh or scp-like) into the
// repository's web address; "" when it is not one.
func repoWebURL(repo string) string {
	repo = strings.TrimSuffix(strings.TrimSuffix(repo, "/"), ".git")
	if rest, ok := strings.CutPrefix(repo, "git@"); ok && !strings.Contains(rest, "://") {
		host, path, ok := strings.Cut(rest, ":")
		if !ok {
			return ""
		}
		return "https://" + host + "/" + strings.TrimPrefix(path, "/")
	}
	u, err := url.Parse(repo)
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "https", "http", "ssh":
	default:
		return ""
	}
	return "https://" + u.Hostname() + u.Path
}

func syncLevel(s string) ui.Level {
	switch s {
	case "Synced":
		return ui.OK
	case "OutOfSync":
		return ui.Warn
	}
	return ui.Muted
}

func healthLevel(s string) ui.Level {
	switch s {
	case "Healthy":
		return ui.OK
	case "Progressing", "Suspended":
		return ui.Warn
	case "Degraded", "Missing":
		return ui.Bad
	}
	return ui.Muted
}

func phaseLevel(s string) ui.Level {
	switch s {
	case "Succeeded":
		return ui.OK
	case "Running", "Terminating":
		return ui.Warn
	case "Failed", "Error":
		return ui.Bad
	}
	return ui.Muted
}

func orUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}

// appJSON is an application as the route answers it.
type appJSON struct {
	Instance string       `json:"instance,omitempty"`
	Name     string       `json:"name"`
	URL      string       `json:"url,omitempty"`
	Sync     string       `json:"sync,omitempty"`
	Health   string       `json:"health,omitempty"`
	Revision string       `json:"revision,omitempty"`
	RepoURL  string       `json:"repoURL,omitempty"`
	LastSync *lastSync    `json:"lastSync,omitempty"`
	History  []deployment `json:"history,omitempty"`
	Error    string       `json:"error,omitempty"` // the instance failed
	NotFound bool         `json:"notFound,omitempty"`
}

type lastSync struct {
	Phase      string     `json:"phase"`
	Message    string     `json:"message,omitempty"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

// handleApplications serves GET /api/argocd/applications/{kind}/{namespace}/{name}:
// the entity's applications with their history, newest first. The
// portal has checked PermRead on the entity.
func (p *argoPlugin) handleApplications(w http.ResponseWriter, r *http.Request) error {
	e := plugin.RouteEntity(r)
	if !applies(e) {
		return callboard.Errorf(callboard.NotFound, "%s has no %s or %s annotation", e.Ref(), AnnotationAppName, AnnotationAppSelector)
	}
	rs, err := p.lookup(r.Context(), e)
	if err != nil {
		return err
	}
	out := []appJSON{}
	for _, res := range rs {
		j := appJSON{Name: res.name, NotFound: res.notFound}
		if res.inst != nil {
			j.Instance = res.inst.name
		}
		if res.err != nil {
			j.Error = callboard.ErrorMessage(res.err)
		}
		if a := res.app; a != nil {
			j.URL, j.Sync, j.Health, j.Revision = appURL(res.inst, a), a.Status.Sync.Status, a.Status.Health.Status, a.Status.Sync.Revision
			if a.Spec.Source != nil {
				j.RepoURL = a.Spec.Source.RepoURL
			}
			if op := a.Status.OperationState; op != nil {
				j.LastSync = &lastSync{Phase: op.Phase, Message: op.Message, StartedAt: op.StartedAt, FinishedAt: op.FinishedAt}
			}
			j.History = history(a)
			sort.SliceStable(j.History, func(x, y int) bool { return j.History[x].DeployedAt.After(j.History[y].DeployedAt) })
		}
		out = append(out, j)
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(out)
}
