package prometheus

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"callboard"
	"callboard/plugin/ui"
)

// cardTmpl draws the brief's card: availability against the objective,
// the error budget left with its bar, the status chip, and the burn rate
// over the window. Colours are the portal's variables; the brief's
// primary / secondary / error become accent / warn / bad.
var cardTmpl = template.Must(template.New("card").Parse(`
{{define "avail"}}<strong style="font-size:22px;color:var({{if .Met}}--cb-accent{{else}}--cb-bad{{end}})">{{.Text}}</strong> <span class="muted">objective {{.Objective}}</span>{{end}}
{{define "budget"}}<strong style="font-size:22px">{{.Text}}</strong>
<svg role="img" aria-label="Error budget remaining: {{.Text}}" viewBox="0 0 100 6" preserveAspectRatio="none" style="display:block;width:100%;max-width:240px;height:6px;margin-top:4px;border-radius:3px;background:var(--cb-grey-soft)"><rect class="budget-bar" data-colour="{{.Colour}}" x="0" y="0" width="{{.Width}}" height="6" style="fill:var({{if eq .Colour "primary"}}--cb-accent{{else if eq .Colour "secondary"}}--cb-warn{{else}}--cb-bad{{end}})"/></svg>{{end}}
{{define "chip"}}<span class="chip state-{{.Level}}">{{.Label}}</span>{{end}}
{{define "spark"}}<svg role="img" aria-label="Burn rate over {{.Window}}" viewBox="0 0 {{.W}} {{.H}}" style="display:block;width:100%;max-width:240px;height:{{.H}}px;color:var(--cb-accent)"><line x1="0" x2="{{.W}}" y1="{{.One}}" y2="{{.One}}" stroke="var(--cb-muted)" stroke-dasharray="3 3" stroke-width="1" style="stroke:var(--cb-muted)"/>{{if .Points}}<polyline class="burn" fill="none" stroke="currentColor" stroke-width="1.5" points="{{.Points}}"/>{{end}}</svg><span class="muted">now {{.Now}}, peak {{.Peak}}; dashed: 1×, spends the budget by the window's end</span>{{end}}
`))

func draw(name string, data any) template.HTML {
	var b strings.Builder
	if err := cardTmpl.ExecuteTemplate(&b, name, data); err != nil {
		return ui.Text(err.Error())
	}
	return template.HTML(b.String()) //nolint:gosec // rendered by html/template
}

// card renders e's SLO.
func (s *slo) card(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	st, err := s.status(ctx, e)
	if callboard.ErrorKind(err) == callboard.NotFound {
		return ui.Empty("No requests yet", err.Error()), nil
	}
	if err != nil {
		return "", err
	}
	return renderCard(st), nil
}

func renderCard(st *Status) template.HTML {
	objective := strconv.FormatFloat(st.Objective, 'f', -1, 64) + "%"
	colour := "error"
	switch {
	case st.ErrorBudget > 50:
		colour = "primary"
	case st.ErrorBudget > 20:
		colour = "secondary"
	}
	chip := map[string]struct{ Level, Label string }{
		"ok": {"ok", "OK"}, "warning": {"warn", "Warning"}, "error": {"bad", "Violated"},
	}[st.Status]
	return ui.Join(
		ui.KeyValues(
			ui.KV{Key: "Availability", Value: draw("avail", map[string]any{
				"Met": st.Availability >= st.Objective, "Text": fmt.Sprintf("%.3f%%", st.Availability), "Objective": objective,
			})},
			ui.KV{Key: "Error budget remaining", Value: draw("budget", map[string]any{
				"Text": fmt.Sprintf("%.1f%%", st.ErrorBudget), "Colour": colour,
				"Width": strconv.FormatFloat(min(max(st.ErrorBudget, 0), 100), 'f', 1, 64),
			})},
			ui.KV{Key: "Status", Value: draw("chip", chip)},
			ui.KV{Key: "Burn rate", Value: sparkline(st)},
			ui.KV{Key: "Requests", Value: ui.Text(fmt.Sprintf("http_requests_total{%s} over %s on %s", st.Selector, st.Window, st.Instance))},
		),
	)
}

// sparkline draws the burn rate as an SVG polyline, with a dashed line at
// 1×.
func sparkline(st *Status) template.HTML {
	const w, h = 240.0, 40.0
	peak, last := 0.0, 0.0
	for _, p := range st.BurnRate {
		peak = max(peak, p.Value)
		last = p.Value
	}
	top := max(peak, 1) * 1.1
	y := func(v float64) float64 { return h - v/top*(h-2) - 1 }
	var pts []string
	n := len(st.BurnRate)
	for i, p := range st.BurnRate {
		x := 0.0
		if n > 1 {
			x = float64(i) / float64(n-1) * w
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y(p.Value)))
	}
	return draw("spark", map[string]any{
		"W": w, "H": h, "One": fmt.Sprintf("%.1f", y(1)), "Points": strings.Join(pts, " "),
		"Window": st.Window, "Now": fmt.Sprintf("%.2f×", last), "Peak": fmt.Sprintf("%.2f×", peak),
	})
}
