package scorecards

import (
	"fmt"
	"html/template"
	"strings"
)

// The trend chart: for each level, the share of entities reaching it (or
// a higher one) at the end of each day, as a line; drawn on the server as
// SVG, with its numbers in the title for screen readers.

const (
	chartW, chartH = 640, 180
	padL, padR     = 40, 12
	padT, padB     = 10, 24
)

// levelColour is a level's line: the metals for bronze, silver and gold.
func levelColour(level string, i int) string {
	switch level {
	case "bronze":
		return "#b0713a"
	case "silver":
		return "#7d8896"
	case "gold":
		return "#c99a06"
	}
	return []string{"#3b82f6", "#10b981", "#8b5cf6", "#ef4444"}[i%4]
}

// trendChart draws days for levels (lowest first).
func trendChart(title string, levels []string, days []Day) template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="trend-%s" style="max-width:%dpx;height:auto;font-size:11px">`,
		chartW, chartH, esc(slug(title)), chartW)
	fmt.Fprintf(&b, `<title id="trend-%s">%s</title>`, esc(slug(title)), esc(summary(title, levels, days)))
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	y := func(share float64) float64 { return float64(padT) + plotH*(1-share) }
	for _, g := range []float64{0, 0.5, 1} {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="currentColor" stroke-opacity="0.15"/>`, padL, chartW-padR, y(g), y(g))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="currentColor" fill-opacity="0.6">%d%%</text>`, padL-6, y(g)+4, int(g*100))
	}
	if len(days) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="currentColor" fill-opacity="0.6">No history yet: the first evaluation records today.</text></svg>`,
			padL+int(plotW/2), padT+int(plotH/2))
		return template.HTML(b.String()) //nolint:gosec // every value escaped
	}
	x := func(i int) float64 {
		if len(days) == 1 {
			return float64(padL) + plotW/2
		}
		return float64(padL) + plotW*float64(i)/float64(len(days)-1)
	}
	for li, level := range levels {
		var pts []string
		for i, d := range days {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(atLeast(levels, li, d))))
		}
		c := levelColour(level, li)
		if len(days) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, c, strings.Join(pts, " "))
		}
		last := days[len(days)-1]
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %d%% on %s</title></circle>`,
			x(len(days)-1), y(atLeast(levels, li, last)), c, esc(level), int(atLeast(levels, li, last)*100+0.5), esc(last.Day))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="currentColor" fill-opacity="0.6">%s</text>`, padL, chartH-6, esc(days[0].Day))
	if len(days) > 1 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="currentColor" fill-opacity="0.6">%s</text>`, chartW-padR, chartH-6, esc(days[len(days)-1].Day))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every value escaped
}

// legend is the chart's key.
func legend(levels []string) template.HTML {
	var b strings.Builder
	b.WriteString(`<p class="help trend-legend">`)
	for i, l := range levels {
		fmt.Fprintf(&b, `<span style="white-space:nowrap;margin-right:12px"><span aria-hidden="true" style="display:inline-block;width:12px;height:3px;vertical-align:middle;background:%s"></span> %s or better</span>`,
			levelColour(l, i), template.HTMLEscapeString(l))
	}
	b.WriteString(`</p>`)
	return template.HTML(b.String()) //nolint:gosec // escaped
}

// atLeast is the share of d's entities at level li or higher.
func atLeast(levels []string, li int, d Day) float64 {
	if d.Entities == 0 {
		return 0
	}
	n := 0
	for _, l := range levels[li:] {
		n += d.ByLevel[l]
	}
	return float64(n) / float64(d.Entities)
}

func summary(title string, levels []string, days []Day) string {
	if len(days) == 0 {
		return title + ": no history yet"
	}
	last := days[len(days)-1]
	parts := []string{fmt.Sprintf("%s on %s, %d entities", title, last.Day, last.Entities)}
	for i, l := range levels {
		parts = append(parts, fmt.Sprintf("%d%% %s or better", int(atLeast(levels, i, last)*100+0.5), l))
	}
	return strings.Join(parts, ", ")
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
