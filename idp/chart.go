package idp

import (
	"fmt"
	"html/template"
	"strings"
)

// line draws one series over days as an SVG line chart on the server;
// ratio series run from 0 to 100%, others from 0 to their maximum. The
// numbers are in the title, for screen readers.
func line(id, title string, days []string, values []float64, isRatio bool) template.HTML {
	const w, h, padL, padR, padT, padB = 560, 150, 44, 10, 10, 22
	esc := template.HTMLEscapeString
	top := 1.0
	if !isRatio {
		top = 0
		for _, v := range values {
			top = max(top, v)
		}
		if top == 0 {
			top = 1
		}
	}
	label := func(v float64) string {
		if isRatio {
			return fmt.Sprintf("%d%%", int(v*100+0.5))
		}
		return trim(v)
	}
	var sum strings.Builder
	fmt.Fprintf(&sum, "%s by day:", title)
	for i, d := range days {
		fmt.Fprintf(&sum, " %s %s;", d, label(values[i]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" data-chart="%s" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="chart-%s" style="max-width:%dpx;height:auto;font-size:11px">`,
		esc(id), w, h, esc(id), w)
	fmt.Fprintf(&b, `<title id="chart-%s">%s</title>`, esc(id), esc(sum.String()))
	pw, ph := float64(w-padL-padR), float64(h-padT-padB)
	y := func(v float64) float64 { return padT + ph*(1-v/top) }
	for _, g := range []float64{0, 0.5, 1} {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="currentColor" stroke-opacity="0.15"/>`, padL, w-padR, y(g*top), y(g*top))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="currentColor" fill-opacity="0.7">%s</text>`, padL-4, y(g*top)+4, esc(label(g*top)))
	}
	if len(days) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="currentColor" fill-opacity="0.7">No snapshots yet: the first is taken when the server starts.</text>`, w/2, h/2)
	} else {
		x := func(i int) float64 {
			if len(days) == 1 {
				return padL + pw/2
			}
			return padL + pw*float64(i)/float64(len(days)-1)
		}
		var pts []string
		for i, v := range values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#3b82f6" stroke-width="2" points="%s"/>`, strings.Join(pts, " "))
		for i, v := range values {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#3b82f6"><title>%s %s</title></circle>`, x(i), y(v), esc(days[i]), esc(label(v)))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="currentColor" fill-opacity="0.7">%s</text>`, padL, h-6, esc(days[0]))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="currentColor" fill-opacity="0.7">%s</text>`, w-padR, h-6, esc(days[len(days)-1]))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// trim formats v without trailing zeros, one decimal at most.
func trim(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}
