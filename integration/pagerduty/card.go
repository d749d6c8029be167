package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// plug is the enabled plugin: its client, and the incidents triggered
// from this portal lately, which the card confirms.
type plug struct {
	client  *client
	baseURL string

	mu        sync.Mutex
	triggered map[string]triggered // entity ref -> the last trigger
}

type triggered struct {
	Title, By string
	At        time.Time
}

// triggeredShown is how long the card shows an incident triggered from it.
const triggeredShown = 15 * time.Minute

// section is one part of the card: its body, or why it is unavailable.
type section struct {
	title string
	body  template.HTML
	err   error
}

func (s section) html() template.HTML {
	head := template.HTML("<h3>" + template.HTMLEscapeString(s.title) + "</h3>") //nolint:gosec // escaped
	if s.err != nil {
		return ui.Join(head, ui.Unavailable(s.title, callboard.ErrorMessage(s.err)))
	}
	return ui.Join(head, s.body)
}

// card renders on-call, open incidents and change events, asked
// concurrently, each in its own section: one that fails says so and the
// others show. An entity with only an integration key gets the trigger
// form alone.
func (p *plug) card(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	var parts []template.HTML
	if t, ok := p.lastTrigger(e); ok {
		parts = append(parts, ui.Status(ui.Warn, "Incident triggered by "+t.By+": "+t.Title+" ("), ui.TimeAgo(t.At), ui.Text(")"))
	}
	id := e.Annotation(AnnotationServiceID)
	switch {
	case id != "" && p.client.token == "":
		parts = append(parts, ui.Empty("No PagerDuty API token", "Set pagerDuty.apiToken to see who is on call, open incidents and changes."))
	case id != "":
		sections := make([]section, 3)
		var wg sync.WaitGroup
		wg.Go(func() { sections[0] = p.onCallSection(ctx, id) })
		wg.Go(func() { sections[1] = p.incidentsSection(ctx, id) })
		wg.Go(func() { sections[2] = p.changesSection(ctx, id) })
		wg.Wait()
		for _, s := range sections {
			parts = append(parts, s.html())
		}
	}
	switch {
	case e.Annotation(AnnotationIntegrationKey) == "":
	case plugin.Allowed(ctx, PermCreate, e):
		parts = append(parts, triggerForm(e))
	case id == "":
		parts = append(parts, ui.Empty("Trigger incident", "Triggering an incident for this entity needs the permission "+PermCreate+"."))
	}
	if len(parts) == 0 {
		parts = append(parts, ui.Empty("Nothing to show", "Add "+AnnotationServiceID+" to the entity to see on-call and incidents."))
	}
	return ui.Join(parts...), nil
}

func (p *plug) onCallSection(ctx context.Context, id string) section {
	s := section{title: "On call now"}
	svc, err := p.client.service(ctx, id)
	if err != nil {
		s.err = err
		return s
	}
	calls, err := p.client.oncalls(ctx, svc.EscalationPolicy.ID)
	if err != nil {
		s.err = err
		return s
	}
	slices.SortStableFunc(calls, func(a, b OnCall) int { return a.EscalationLevel - b.EscalationLevel })
	var rows [][]any
	seen := map[string]bool{}
	for _, c := range calls {
		// A user on call through several schedules of one level shows once.
		key := fmt.Sprint(c.EscalationLevel, c.User.ID)
		if seen[key] {
			continue
		}
		seen[key] = true
		rows = append(rows, []any{fmt.Sprintf("Level %d", c.EscalationLevel), link(c.User.HTMLURL, c.User.Summary)})
	}
	policy := ui.KeyValues(
		ui.KV{Key: "Service", Value: link(svc.HTMLURL, svc.Name)},
		ui.KV{Key: "Escalation policy", Value: link(svc.EscalationPolicy.HTMLURL, svc.EscalationPolicy.Summary)},
	)
	if len(rows) == 0 {
		s.body = ui.Join(policy, ui.Empty("Nobody is on call", "The escalation policy has no one on call now."))
		return s
	}
	s.body = ui.Join(policy, ui.Table([]string{"Escalation level", "User"}, rows))
	return s
}

func (p *plug) incidentsSection(ctx context.Context, id string) section {
	s := section{title: "Open incidents"}
	incs, err := p.client.incidents(ctx, id)
	if err != nil {
		s.err = err
		return s
	}
	if len(incs) == 0 {
		s.body = ui.Empty("No open incidents", "Nothing is triggered or acknowledged.")
		return s
	}
	rows := make([][]any, 0, len(incs))
	for _, in := range incs {
		urgency := ui.Status(ui.Warn, in.Urgency)
		if in.Urgency == "high" {
			urgency = ui.Status(ui.Bad, in.Urgency)
		}
		status := ui.Status(ui.Bad, in.Status)
		if in.Status == "acknowledged" {
			status = ui.Status(ui.Warn, in.Status)
		}
		var who []template.HTML
		for i, a := range in.Assignments {
			if i > 0 {
				who = append(who, ui.Text(", "))
			}
			who = append(who, link(a.Assignee.HTMLURL, a.Assignee.Summary))
		}
		rows = append(rows, []any{link(in.HTMLURL, in.Title), urgency, status, ui.TimeAgo(in.CreatedAt), ui.Join(who...)})
	}
	s.body = ui.Table([]string{"Incident", "Urgency", "Status", "Age", "Assignee"}, rows)
	return s
}

// maxChanges is how many recent change events the card lists.
const maxChanges = 5

func (p *plug) changesSection(ctx context.Context, id string) section {
	s := section{title: "Recent changes"}
	evs, err := p.client.changeEvents(ctx, id)
	if err != nil {
		s.err = err
		return s
	}
	if len(evs) == 0 {
		s.body = ui.Empty("No recent changes", "PagerDuty has no change events for this service.")
		return s
	}
	slices.SortStableFunc(evs, func(a, b ChangeEvent) int { return b.Timestamp.Compare(a.Timestamp) })
	var rows [][]any
	for _, ev := range evs[:min(len(evs), maxChanges)] {
		summary := ui.Text(ev.Summary)
		if len(ev.Links) > 0 {
			summary = link(ev.Links[0].Href, ev.Summary)
		}
		rows = append(rows, []any{summary, ev.Source, ui.TimeAgo(ev.Timestamp)})
	}
	s.body = ui.Table([]string{"Change", "Source", "When"}, rows)
	return s
}

// link is a link, or the text alone when PagerDuty gave no URL.
func link(href, text string) template.HTML {
	if href == "" {
		return ui.Text(text)
	}
	return ui.Link(href, text)
}

var formTmpl = template.Must(template.New("form").Parse(`<details class="pagerduty-trigger"><summary class="btn danger">Trigger incident</summary>` +
	`<form method="post" action="{{.Action}}" class="team-form">` +
	`<div class="field"><label for="pd-title">Title</label><input id="pd-title" name="title" required maxlength="1024" placeholder="What is wrong?"></div>` +
	`<div class="field"><label for="pd-description">Description</label><input id="pd-description" name="description" maxlength="8192" placeholder="What you see, since when"></div>` +
	`<p class="muted">This pages the on-call responders of the service; your name is recorded with it.</p>` +
	`<button class="btn danger" type="submit">Trigger incident</button></form></details>`))

// triggerForm is a plain HTML form posting to the trigger route; no
// script is needed. The integration key stays on the server.
func triggerForm(e *callboard.Entity) template.HTML {
	var b strings.Builder
	if err := formTmpl.Execute(&b, struct{ Action string }{"/api/pagerduty/incidents/" + entityPath(e)}); err != nil {
		return ui.Unavailable("Trigger incident", err.Error())
	}
	return template.HTML(b.String()) //nolint:gosec // rendered by html/template
}

// entityPath is "{kind}/{namespace}/{name}", escaped, lower-case as the
// portal's own URLs.
func entityPath(e *callboard.Entity) string {
	r := e.Ref()
	return url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(strings.ToLower(r.Namespace)) + "/" + url.PathEscape(r.Name)
}

func (p *plug) lastTrigger(e *callboard.Entity) (triggered, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.triggered[e.Ref().String()]
	return t, ok && time.Since(t.At) < triggeredShown
}

// maxTitle is PagerDuty's limit for an event's summary.
const maxTitle = 1024

// handleTrigger serves POST /api/pagerduty/incidents/{kind}/{namespace}/{name}
// with a title and a description, as a form (the card's) or as JSON
// ({"title", "description"}). The portal has checked PermCreate on the
// entity and records the call, with its caller, in the audit log. A form
// is answered with a redirect back to the entity's page, JSON with
// {"status": "success", "dedupKey": ...}.
func (p *plug) handleTrigger(w http.ResponseWriter, r *http.Request) error {
	e := plugin.RouteEntity(r)
	key := e.Annotation(AnnotationIntegrationKey)
	if key == "" {
		return callboard.Errorf(callboard.NotFound, "%s has no %s annotation, so no incident can be triggered for it", e.Ref(), AnnotationIntegrationKey)
	}
	var in struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	form := mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
	if form {
		if err := r.ParseForm(); err != nil {
			return callboard.Wrap(callboard.Invalid, err, "malformed form")
		}
		in.Title, in.Description = r.PostFormValue("title"), r.PostFormValue("description")
	} else if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return callboard.Wrap(callboard.Invalid, err, "the body must be JSON {\"title\", \"description\"} or a form")
	}
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.Title == "":
		return callboard.Errorf(callboard.Invalid, "an incident needs a title")
	case len(in.Title) > maxTitle:
		return callboard.Errorf(callboard.Invalid, "the title is longer than PagerDuty's %d characters", maxTitle)
	case len(in.Description) > 8192:
		return callboard.Errorf(callboard.Invalid, "the description is longer than 8192 characters")
	}
	by := callboard.PrincipalFrom(r.Context()).Subject
	if by == "" {
		by = "an anonymous user (dev mode)"
	}
	page := "/catalog/" + pathNS(e)
	dedup, err := p.client.trigger(r.Context(), key, Trigger{Title: in.Title, Description: in.Description, By: by,
		Entity: e.Ref().String(), EntityURL: p.baseURL + page})
	if err != nil {
		return err
	}
	p.mu.Lock()
	for ref, t := range p.triggered { // only recent ones are shown
		if time.Since(t.At) >= triggeredShown {
			delete(p.triggered, ref)
		}
	}
	p.triggered[e.Ref().String()] = triggered{Title: in.Title, By: by, At: time.Now()}
	p.mu.Unlock()
	if form {
		http.Redirect(w, r, page, http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	return json.NewEncoder(w).Encode(map[string]string{"status": "success", "dedupKey": dedup})
}

// pathNS is the entity page's path below /catalog/: namespace, kind, name.
func pathNS(e *callboard.Entity) string {
	r := e.Ref()
	return url.PathEscape(strings.ToLower(r.Namespace)) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(r.Name)
}
