package scorecards

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// The Scorecards pages: /scorecards lists every scorecard with its levels
// and trend; /scorecards/{id} has the roll-ups by team and by system
// (sortable), the checks with how many entities fail each (linked to the
// catalog filtered by that failing check), and the trend.
func (b *board) pages() []plugin.Page {
	return []plugin.Page{
		{Path: "", Title: "Scorecards", Nav: "Scorecards", Icon: "gauge", Render: b.indexPage},
		{Path: "/{id}", Title: "Scorecard", Render: b.scorecardPage},
	}
}

var pageFuncs = template.FuncMap{
	"icon": ui.Icon, "levelClass": levelClass, "plural": plural, "pct": pct, "entityURL": entityURL, "short": short,
	"chart": trendChart, "legend": legend, "query": url.QueryEscape,
}

var indexTemplate = template.Must(template.New("index").Funcs(pageFuncs).Parse(`
{{if .Warnings}}<section class="card scorecard-warnings" role="status"><div class="card-head"><h2>{{icon "alert"}}{{len .Warnings}} {{plural (len .Warnings) "check does" "checks do"}} not compile</h2></div>
<p class="help">Each fails, with this reason, until its file is fixed; the other checks work.</p>
{{range .Warnings}}<pre class="mono">{{.}}</pre>{{end}}</section>{{end}}
<div class="grid">{{range .Cards}}
<section class="card span-6" data-scorecard="{{.ID}}">
  <div class="card-head"><h2>{{icon "gauge"}}<a href="/scorecards/{{.ID}}">{{.Title}}</a></h2><span class="muted">{{.Entities}} {{plural .Entities "entity" "entities"}} · {{pct .Passed}} of checks pass</span></div>
  {{if .Description}}<p class="help">{{.Description}}</p>{{end}}
  <p class="chips">{{$r := .}}{{range .Levels}}<a class="chip {{levelClass .}}" href="/catalog?level={{query $r.ID}}:{{query .}}">{{.}} · {{index $r.ByLevel .}}</a>{{end}}
  <a class="chip state-muted" href="/catalog?level={{query .ID}}:none">no level · {{index .ByLevel "none"}}</a></p>
  {{chart .Title .Levels .Trend}}{{legend .Levels}}
</section>{{else}}<section class="card span-12"><div class="emptystate">{{icon "box"}}<h3>No scorecards</h3><p>List scorecard files in scorecards.files of app-config.yaml.</p></div></section>{{end}}
</div>`))

func (b *board) indexPage(ctx context.Context, r *http.Request) (plugin.Content, error) {
	set := b.set()
	visible, err := b.visible(ctx)
	if err != nil {
		return plugin.Content{}, err
	}
	v := struct {
		Warnings []string
		Cards    []*Rollup
	}{Warnings: set.Warnings}
	for _, s := range set.Scorecards {
		ru, err := b.rollup(ctx, s, visible)
		if err != nil {
			return plugin.Content{}, err
		}
		v.Cards = append(v.Cards, ru)
	}
	body, err := execute(indexTemplate, v)
	return plugin.Content{Title: "Scorecards", Subtitle: "How complete and healthy the catalog's entities are, by scorecard, team and system", Body: body}, err
}

var scorecardTemplate = template.Must(template.New("scorecard").Funcs(pageFuncs).Parse(`
{{$r := .R}}
<section class="card" data-scorecard="{{$r.ID}}">
  <div class="card-head"><h2>{{icon "gauge"}}Levels</h2><span class="muted">{{$r.Entities}} {{plural $r.Entities "entity" "entities"}} · {{pct $r.Passed}} of checks pass</span></div>
  <p class="chips">{{range $r.Levels}}<a class="chip {{levelClass .}}" href="/catalog?level={{query $r.ID}}:{{query .}}">{{.}} · {{index $r.ByLevel .}}</a>{{end}}
  <a class="chip state-muted" href="/catalog?level={{query $r.ID}}:none">no level · {{index $r.ByLevel "none"}}</a></p>
  {{chart $r.Title $r.Levels $r.Trend}}{{legend $r.Levels}}
</section>
<section class="card">
  <div class="card-head"><h2>Checks</h2></div>
  <div class="table-wrap"><table class="entities checks"><thead><tr><th scope="col">Check</th><th scope="col">Level</th><th scope="col">Failing</th><th scope="col">Passing</th></tr></thead>
  <tbody>{{range $r.Checks}}<tr data-check="{{.ID}}"><td>{{.Title}}</td><td><span class="chip {{levelClass .Level}}">{{.Level}}</span></td>
  <td>{{if .Failing}}<a href="/catalog?failing={{query $r.ID}}:{{query .ID}}">{{.Failing}}</a>{{else}}0{{end}}</td><td>{{.Passing}}</td></tr>{{end}}</tbody></table></div>
</section>
{{range .Tables}}{{$t := .}}
<section class="card" id="{{.ID}}">
  <div class="card-head"><h2>{{.Title}}</h2></div>
  <div class="table-wrap"><table class="entities rollup" data-rollup="{{.ID}}"><thead><tr>
  {{range .Columns}}<th scope="col"{{if .Sorted}} aria-sort="{{.Sorted}}"{{end}}><a href="{{.URL}}">{{.Label}}<span class="sort" aria-hidden="true">{{if eq .Sorted "ascending"}}▲{{else if eq .Sorted "descending"}}▼{{end}}</span></a></th>{{end}}
  </tr></thead><tbody>{{range .Rows}}<tr>
  <td>{{if .Known}}<a class="reflink" href="{{entityURL .Ref}}" title="{{.Ref}}">{{short .Ref}}</a>{{else if .Ref}}<span title="{{.Ref}}">{{short .Ref}}</span> <span class="chip state-warn">not in the catalog</span>{{else}}<span class="none">{{$t.None}}</span>{{end}}</td>
  <td>{{.Entities}}</td>
  <td>{{index .ByLevel "none"}}</td>{{$g := .}}{{range $r.Levels}}<td>{{index $g.ByLevel .}}</td>{{end}}
  <td>{{pct .Passed}}</td></tr>{{else}}<tr><td colspan="9" class="none">No entities</td></tr>{{end}}</tbody></table></div>
</section>{{end}}`))

type rollupTable struct {
	ID, Title, None string
	Columns         []column
	Rows            []Group
}

type column struct {
	Label, URL, Sorted string
}

func (b *board) scorecardPage(ctx context.Context, r *http.Request) (plugin.Content, error) {
	s := b.set().Get(r.PathValue("id"))
	if s == nil {
		return plugin.Content{}, callboard.Errorf(callboard.NotFound, "no scorecard %q", r.PathValue("id"))
	}
	visible, err := b.visible(ctx)
	if err != nil {
		return plugin.Content{}, err
	}
	ru, err := b.rollup(ctx, s, visible)
	if err != nil {
		return plugin.Content{}, err
	}
	sortKey, desc := r.URL.Query().Get("sort"), r.URL.Query().Get("dir") == "desc"
	cols := append([]string{"name", "entities", NoLevel}, ru.Levels...)
	cols = append(cols, "passed")
	if !slices.Contains(cols, sortKey) {
		sortKey = "name"
	}
	var columns []column
	for _, c := range cols {
		label := map[string]string{"name": "Name", "entities": "Entities", NoLevel: "No level", "passed": "Checks passed"}[c]
		if label == "" {
			label = strings.ToUpper(c[:1]) + c[1:]
		}
		col := column{Label: label}
		dir := ""
		if c == sortKey {
			col.Sorted = "ascending"
			if desc {
				col.Sorted = "descending"
			} else {
				dir = "&dir=desc"
			}
		}
		col.URL = "?sort=" + url.QueryEscape(c) + dir
		columns = append(columns, col)
	}
	v := struct {
		R      *Rollup
		Tables []rollupTable
	}{R: ru, Tables: []rollupTable{
		{ID: "teams", Title: "By team", None: "No owner", Columns: columns, Rows: sortGroups(ru.Teams, sortKey, desc)},
		{ID: "systems", Title: "By system", None: "No system", Columns: columns, Rows: sortGroups(ru.Systems, sortKey, desc)},
	}}
	body, err := execute(scorecardTemplate, v)
	return plugin.Content{Title: s.Title, Subtitle: s.Description, Body: body}, err
}

// sortGroups sorts a copy of gs by key (name, entities, passed or a
// level's count), ties by name.
func sortGroups(gs []Group, key string, desc bool) []Group {
	out := slices.Clone(gs)
	slices.SortStableFunc(out, func(a, b Group) int {
		var c int
		switch key {
		case "name":
			c = strings.Compare(a.Ref, b.Ref)
		case "entities":
			c = cmp.Compare(a.Entities, b.Entities)
		case "passed":
			c = cmp.Compare(a.Passed, b.Passed)
		default:
			c = cmp.Compare(a.ByLevel[key], b.ByLevel[key])
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.Ref, b.Ref)
		}
		return c
	})
	return out
}

func execute(t *template.Template, v any) (template.HTML, error) {
	var sb strings.Builder
	if err := t.Execute(&sb, v); err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "render %s", t.Name())
	}
	return template.HTML(sb.String()), nil //nolint:gosec // rendered by html/template
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func pct(f float64) string { return fmt.Sprintf("%d%%", int(f*100+0.5)) }

// entityURL is the entity page of a canonical ref.
func entityURL(ref string) string {
	r, err := callboard.ParseRef(ref, "", callboard.DefaultNamespace)
	if err != nil {
		return ""
	}
	return "/catalog/" + url.PathEscape(r.Namespace) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(r.Name)
}

// short is a ref without its kind and default namespace: payments.
func short(ref string) string {
	_, rest, ok := strings.Cut(ref, ":")
	if !ok {
		rest = ref
	}
	return strings.TrimPrefix(rest, callboard.DefaultNamespace+"/")
}
