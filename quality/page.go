package quality

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// The pages: /quality (counts and every issue, each problem linked to its
// catalog filter), /quality/orphans (the dry-run list of source orphans
// with the confirmation form, for admins) and /quality/digest (each
// owning team's digest).
func (q *Quality) pages() []plugin.Page {
	return []plugin.Page{
		{Path: "", Title: "Data quality", Nav: "Data quality", Icon: "alert", Render: q.indexPage},
		{Path: "/orphans", Title: "Delete source orphans", Render: q.orphansPage},
		{Path: "/digest", Title: "Data quality digest", Render: q.digestPage},
	}
}

var funcs = template.FuncMap{"icon": ui.Icon, "label": func(p string) string { return Labels[p] }, "entityURL": entityURL,
	"query": url.QueryEscape}

var indexTemplate = template.Must(template.New("quality").Funcs(funcs).Parse(`
{{if .Deleted}}<section class="card" role="status"><p>{{icon "check"}}Deleted {{.Deleted}} source {{if eq .Deleted "1"}}orphan{{else}}orphans{{end}}{{if and .Skipped (ne .Skipped "0")}}; {{.Skipped}} skipped (no longer orphans, or the deletion failed: see the audit log){{end}}.</p></section>{{end}}
<p class="help">{{.Report.Entities}} entities checked · stale means not refreshed from its source for {{.StaleDays}} days (quality.staleAfter) · <a href="/quality/digest">Digest by team</a> · <a href="/api/quality/report">JSON</a></p>
<div class="grid">{{range .Problems}}
<section class="card span-12" data-problem="{{.}}" id="{{.}}">
  <div class="card-head"><h2>{{label .}}</h2><span class="muted"><a href="/catalog?kind=all&amp;only={{.}}" data-count>{{index $.Report.Counts .}}</a></span>
  {{if and (eq . "orphan") $.CanDelete (index $.Report.Counts .)}}<a class="btn" href="/quality/orphans">{{icon "trash"}}Review and delete…</a>{{end}}</div>
  {{with index $.Report.Issues .}}<div class="table-wrap"><table class="entities"><thead><tr><th scope="col">Entity and problem</th><th scope="col">Owner</th></tr></thead>
  <tbody>{{range .}}<tr><td><a href="{{entityURL .Entity}}">{{.Entity}}</a><div class="muted">{{.Message}}</div></td><td>{{if .Owner}}<a href="{{entityURL .Owner}}">{{.Owner}}</a>{{else}}—{{end}}</td></tr>{{end}}</tbody></table></div>
  {{else}}<p class="muted">{{icon "check"}}None.</p>{{end}}
</section>{{end}}
</div>`))

func (q *Quality) indexPage(ctx context.Context, r *http.Request) (plugin.Content, error) {
	rep, err := q.Report(ctx)
	if err != nil {
		return plugin.Content{}, err
	}
	can := plugin.Allowed(ctx, PermDeleteOrphans, nil)
	body, err := execute(indexTemplate, map[string]any{"Report": rep, "Problems": Problems, "StaleDays": int(q.maxAge.Hours() / 24),
		"CanDelete": can, "Deleted": r.URL.Query().Get("deleted"), "Skipped": r.URL.Query().Get("skipped")})
	return plugin.Content{Title: "Data quality", Subtitle: "Orphaned, stale, dangling and duplicate entities in the catalog", Body: body}, err
}

var orphansTemplate = template.Must(template.New("orphans").Funcs(funcs).Parse(`
{{if .Orphans}}<form method="post" action="/api/quality/orphans/delete" class="card">
  <div class="card-head"><h2>{{icon "trash"}}Dry run: {{len .Orphans}} source {{if eq (len .Orphans) 1}}orphan{{else}}orphans{{end}} would be deleted</h2></div>
  <p class="help">Their sources no longer emit them. Untick any to keep; deleting is recorded in the audit log, and an entity that is no longer an orphan when you confirm is skipped.</p>
  <div class="table-wrap"><table class="entities"><thead><tr><th scope="col">Delete</th><th scope="col">Entity</th><th scope="col">Why</th></tr></thead>
  <tbody>{{range .Orphans}}<tr><td><input type="checkbox" name="ref" value="{{.Entity}}" checked aria-label="Delete {{.Entity}}"></td><td><a href="{{entityURL .Entity}}">{{.Entity}}</a></td><td>{{.Message}}</td></tr>{{end}}</tbody></table></div>
  <div class="actions" style="margin-top:12px"><a class="btn" href="/quality">Cancel</a><button class="btn danger" type="submit" name="confirm" value="yes">{{icon "trash"}}Delete the ticked orphans</button></div>
</form>{{else}}<section class="card"><div class="emptystate">{{icon "check"}}<h3>No source orphans</h3><p>Every entity is still emitted by its source.</p></div></section>{{end}}`))

func (q *Quality) orphansPage(ctx context.Context, r *http.Request) (plugin.Content, error) {
	if !plugin.Allowed(ctx, PermDeleteOrphans, nil) {
		return plugin.Content{}, callboard.Errorf(callboard.Forbidden, "deleting source orphans is for admins (%s)", PermDeleteOrphans)
	}
	q.forget()
	rep, err := q.analyze(ctx)
	if err != nil {
		return plugin.Content{}, err
	}
	body, err := execute(orphansTemplate, map[string]any{"Orphans": rep.Issues[SourceOrphan]})
	return plugin.Content{Title: "Delete source orphans", Subtitle: "A dry run: review the list, then confirm", Body: body}, err
}

var digestTemplate = template.Must(template.New("digest").Funcs(funcs).Parse(`
<p class="help">What each owning team is sent every week (quality.digest) · <a href="/api/quality/digest">JSON</a></p>
{{range .Digests}}<section class="card" data-team="{{.Team}}">
  <div class="card-head"><h2>{{if .Team}}<a href="{{entityURL .Team}}">{{.Team}}</a>{{else}}No owner{{end}}</h2><span class="muted">{{len .Issues}} problems{{if .Email}} · {{.Email}}{{end}}</span></div>
  <ul>{{range .Issues}}<li><span class="chip">{{label .Problem}}</span> <a href="{{entityURL .Entity}}">{{.Entity}}</a>: {{.Message}}</li>{{end}}</ul>
</section>{{else}}<section class="card"><div class="emptystate">{{icon "check"}}<h3>Nothing to report</h3><p>No team owns an entity with a problem.</p></div></section>{{end}}`))

func (q *Quality) digestPage(ctx context.Context, r *http.Request) (plugin.Content, error) {
	rep, err := q.Report(ctx)
	if err != nil {
		return plugin.Content{}, err
	}
	ds := q.digests(ctx, rep)
	if team := r.URL.Query().Get("team"); team != "" {
		kept := ds[:0]
		for _, d := range ds {
			if strings.EqualFold(d.Team, team) {
				kept = append(kept, d)
			}
		}
		ds = kept
	}
	body, err := execute(digestTemplate, map[string]any{"Digests": ds})
	return plugin.Content{Title: "Data quality digest", Subtitle: "Each owning team's problems, as the weekly digest sends them", Body: body}, err
}

func execute(t *template.Template, v any) (template.HTML, error) {
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil //nolint:gosec // html/template escaped it
}

// entityURL is the entity page of a canonical ref.
func entityURL(ref string) string {
	r, err := callboard.ParseRef(ref, "component", "default")
	if err != nil {
		return "/catalog"
	}
	return "/catalog/" + url.PathEscape(r.Namespace) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(r.Name)
}
