package idp

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"callboard/plugin"
	"callboard/plugin/ui"
)

// The IDP metrics page, /idp: the figures now with their definitions,
// their trends from the daily snapshots, the templates, and exports.
func (m *IDP) pages() []plugin.Page {
	return []plugin.Page{{Path: "", Title: "IDP metrics", Nav: "IDP metrics", Icon: "gauge", Render: m.page}}
}

type tile struct {
	ID, Title, Value, Detail, Definition string
	Chart                                template.HTML
}

var pageTemplate = template.Must(template.New("idp").Funcs(template.FuncMap{"pct": pct, "icon": ui.Icon}).Parse(`
<p class="help">Computed {{.At}} · <a href="/api/idp/metrics?format=csv" download>Export CSV</a> · <a href="/api/idp/metrics">JSON</a> · <a href="/api/idp/snapshots?format=csv" download>Daily snapshots (CSV)</a></p>
<div class="grid">{{range .Tiles}}
<section class="card span-6" data-metric="{{.ID}}">
  <div class="card-head"><h2>{{.Title}}</h2><span class="muted" data-value>{{.Value}}</span></div>
  <p><strong class="metric-value">{{.Value}}</strong> <span class="muted">{{.Detail}}</span></p>
  <p class="help">{{.Definition}}</p>
  {{.Chart}}
</section>{{end}}
<section class="card span-12" data-metric="templates">
  <div class="card-head"><h2>Template usage and success rate</h2></div>
  <p class="help">{{.TemplatesDefinition}}</p>
  {{if .Templates}}<div class="table-wrap"><table class="entities"><thead><tr><th scope="col">Template</th><th scope="col">Tasks</th><th scope="col">Completed</th><th scope="col">Failed</th><th scope="col">Cancelled</th><th scope="col">Success rate</th></tr></thead>
  <tbody>{{range .Templates}}<tr><td class="mono">{{.Template}}</td><td>{{.Tasks}}</td><td>{{.Completed}}</td><td>{{.Failed}}</td><td>{{.Cancelled}}</td><td>{{pct .SuccessRate}}</td></tr>{{end}}</tbody></table></div>
  {{else}}<div class="emptystate">{{icon "box"}}<h3>No scaffolder tasks yet</h3><p>Templates appear here once someone runs one.</p></div>{{end}}
</section>
</div>`))

func (m *IDP) page(ctx context.Context, r *http.Request) (plugin.Content, error) {
	got, err := m.current(ctx)
	if err != nil {
		return plugin.Content{}, err
	}
	snaps, err := m.snapshots(r, m.trend)
	if err != nil {
		return plugin.Content{}, err
	}
	days := make([]string, len(snaps))
	series := map[string][]float64{}
	for i, s := range snaps {
		days[i] = s.Day
		series["completeness"] = append(series["completeness"], s.Metrics.ServiceCompleteness.Value)
		series["freshness"] = append(series["freshness"], s.Metrics.DocsFreshness.Value)
		series["mau"] = append(series["mau"], float64(s.Metrics.MonthlyActiveUsers.Value))
		series["lead"] = append(series["lead"], s.Metrics.NewServiceLeadTime.P50Seconds/3600)
	}
	lt := got.NewServiceLeadTime
	tiles := []tile{
		{ID: "serviceCompleteness", Title: "Service information completeness", Value: pct(got.ServiceCompleteness.Value),
			Detail:     fmt.Sprintf("%d of %d components", got.ServiceCompleteness.Numerator, got.ServiceCompleteness.Denominator),
			Definition: definitions["serviceCompleteness"], Chart: line("completeness", "Service information completeness", days, series["completeness"], true)},
		{ID: "docsFreshness", Title: "Documentation freshness", Value: pct(got.DocsFreshness.Value),
			Detail:     fmt.Sprintf("%d of %d docs updated in the last %d days", got.DocsFreshness.Numerator, got.DocsFreshness.Denominator, int(m.fresh.Hours()/24)),
			Definition: definitions["docsFreshness"], Chart: line("freshness", "Documentation freshness", days, series["freshness"], true)},
		{ID: "monthlyActiveUsers", Title: "Catalog monthly active users", Value: fmt.Sprint(got.MonthlyActiveUsers.Value),
			Detail:     "distinct signed-in users in " + got.MonthlyActiveUsers.Month,
			Definition: definitions["monthlyActiveUsers"], Chart: line("mau", "Monthly active users", days, series["mau"], false)},
		{ID: "newServiceLeadTime", Title: "New-service lead time", Value: "p50 " + duration(lt.P50Seconds),
			Detail:     fmt.Sprintf("p90 %s · %d services", duration(lt.P90Seconds), lt.Samples),
			Definition: definitions["newServiceLeadTime"], Chart: line("lead", "New-service lead time p50 (hours)", days, series["lead"], false)},
	}
	if lt.Samples == 0 {
		tiles[3].Value, tiles[3].Detail = "—", "no scaffolded service deployed yet"
	}
	var b strings.Builder
	err = pageTemplate.Execute(&b, map[string]any{"At": got.ComputedAt.Format(time.RFC3339), "Tiles": tiles, "Templates": got.Templates,
		"TemplatesDefinition": definitions["templates"]})
	return plugin.Content{Title: "IDP metrics", Subtitle: "What the portal is worth: completeness, freshness, use and speed, with daily trends",
		Body: template.HTML(b.String())}, err
}

func pct(f float64) string { return fmt.Sprintf("%d%%", int(f*100+0.5)) }

// duration writes seconds as days, hours or minutes.
func duration(secs float64) string {
	d := time.Duration(secs * float64(time.Second))
	switch {
	case d >= 48*time.Hour:
		return trim(d.Hours()/24) + " days"
	case d >= 2*time.Hour:
		return trim(d.Hours()) + " h"
	default:
		return trim(d.Minutes()) + " min"
	}
}
