package scorecards

import (
	"context"
	"fmt"
	"html/template"
	"path/filepath"
	"strings"

	"callboard"
	"callboard/plugin/ui"
)

// The Scorecard tab: each scorecard that applies, its level, and each
// check with its outcome, why it matters, how to fix it and, when the fix
// goes in catalog-info.yaml, a link to the line.

var tabTemplate = template.Must(template.New("tab").Funcs(template.FuncMap{"icon": ui.Icon, "levelClass": levelClass}).Parse(`
{{range .}}<section class="scorecard" data-scorecard="{{.ID}}">
  <div class="card-head"><h2>{{icon "gauge"}}{{.Title}}</h2>
    <span>{{if .Level}}<span class="chip {{levelClass .Level}}">{{.Level}}</span>{{else}}<span class="chip state-muted">no level</span>{{end}}
    <span class="muted">{{.Passed}} of {{.Total}} checks pass</span> · <a href="/scorecards/{{.ID}}">All entities</a></span></div>
  {{if .Description}}<p class="help">{{.Description}}</p>{{end}}
  <div class="table-wrap"><table class="entities checks">
  <thead><tr><th scope="col">Check</th><th scope="col">Result and how to fix</th></tr></thead>
  <tbody>{{range .Checks}}<tr data-check="{{.ID}}" data-passed="{{.Passed}}">
    <td><strong>{{.Title}}</strong> <span class="chip {{levelClass .Level}}">{{.Level}}</span>{{if .Why}}<p class="help">{{.Why}}</p>{{end}}</td>
    <td>{{if .Passed}}<span class="status state-ok"><span class="dot" aria-hidden="true"></span>Passed</span>{{else}}<span class="status state-bad"><span class="dot" aria-hidden="true"></span>Failed</span>{{if .Message}} <span class="help">{{.Message}}</span>{{end}}
      <p>{{.Fix}}{{if .LineURL}} <a href="{{.LineURL}}" rel="noopener">{{.LineText}}</a>{{else if .LineText}} <span class="mono muted">{{.LineText}}</span>{{end}}</p>{{end}}</td>
  </tr>{{end}}</tbody></table></div>
</section>{{end}}`))

type tabCard struct {
	ID, Title, Description, Level string
	Passed, Total                 int
	Checks                        []tabCheck
}

type tabCheck struct {
	callboard.CheckResult
	Why               string
	LineURL, LineText string
}

// tab renders the Scorecard tab of e.
func (b *board) tab(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	rs, set, gathered, err := b.live(ctx, e)
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return ui.Empty("No scorecard applies", "No scorecard's filter chooses this entity."), nil
	}
	var src *source
	lazySource := func() *source {
		if src == nil {
			src = b.sourceOf(ctx, e)
			if src == nil {
				src = &source{}
			}
		}
		return src
	}
	cards := make([]tabCard, 0, len(rs))
	for _, r := range rs {
		s := set.Get(r.Scorecard)
		c := tabCard{ID: s.ID, Title: s.Title, Description: s.Description, Level: r.Level, Passed: r.Passed, Total: r.Total}
		why := map[string]string{}
		for _, lc := range s.Checks() {
			why[lc.ID] = lc.Why
		}
		for _, cr := range r.Checks {
			tc := tabCheck{CheckResult: cr, Why: why[cr.ID]}
			if !cr.Passed && cr.Field != "" {
				tc.LineURL, tc.LineText = lazySource().link(e, cr.Field)
			}
			c.Checks = append(c.Checks, tc)
		}
		cards = append(cards, c)
	}
	var sb strings.Builder
	if err := tabTemplate.Execute(&sb, cards); err != nil {
		return "", err
	}
	note := ui.Text("Facts from plugins (docs, Argo CD, GitHub, Kubernetes) are not gathered yet for this entity.")
	if !gathered.IsZero() {
		note = ui.Join(ui.Text("Evaluated now; facts from plugins gathered "), ui.TimeAgo(gathered), ui.Text("."))
	}
	return ui.Join(template.HTML(sb.String()), template.HTML(`<p class="help">`)+note+template.HTML(`</p>`)), nil //nolint:gosec // rendered by html/template
}

// link returns the link to field's line in the source (its text too), or
// for a file location the text alone.
func (src *source) link(e *callboard.Entity, field string) (href, text string) {
	if src.data == nil {
		return "", ""
	}
	n := src.line(e, field)
	if n == 0 {
		return "", ""
	}
	if src.url != "" {
		name := src.url[strings.LastIndex(src.url, "/")+1:]
		if i := strings.IndexAny(name, "?#"); i >= 0 {
			name = name[:i]
		}
		base, _, _ := strings.Cut(src.url, "#")
		return fmt.Sprintf("%s#L%d", base, n), fmt.Sprintf("%s line %d", name, n)
	}
	return "", fmt.Sprintf("%s:%d", filepath.Base(src.path), n)
}

// levelClass is a level's chip class: bronze, silver and gold in their
// metals (app.css), any other level neutral.
func levelClass(level string) string {
	switch level {
	case "bronze", "silver", "gold":
		return "level-" + level
	}
	return "level-other"
}
