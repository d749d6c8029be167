// Package ui holds the portal's building blocks for plugin tabs and cards:
// a status with its dot, a key/value list, a table, a time ago, a link, an
// empty state and the unavailable panel. Each returns escaped HTML that
// uses the portal's own CSS classes, so a plugin looks native without CSS
// or templates of its own. Values given as template.HTML (another block)
// are kept as they are; everything else is escaped.
package ui

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

var blocks = template.Must(template.New("ui").Funcs(template.FuncMap{"icon": Icon}).Parse(`
{{define "status"}}<span class="status state-{{.Level}}"><span class="dot" aria-hidden="true"></span>{{.Text}}</span>{{end}}
{{define "kv"}}<table class="kv"><tbody>{{range .}}<tr><th scope="row">{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</tbody></table>{{end}}
{{define "table"}}<div class="table-wrap"><table class="entities"><thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead><tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody></table></div>{{end}}
{{define "time"}}<time datetime="{{.ISO}}" title="{{.Full}}">{{.Ago}}</time>{{end}}
{{define "link"}}<a href="{{.Href}}"{{if .External}} rel="noopener"{{end}}>{{.Text}}</a>{{end}}
{{define "empty"}}<div class="emptystate">{{icon "box"}}<h3>{{.Title}}</h3>{{if .Text}}<p>{{.Text}}</p>{{end}}</div>{{end}}
{{define "unavailable"}}<div class="banner bad inline-banner" role="alert">{{icon "alert"}} {{.Title}} is unavailable: {{.Reason}}</div>{{end}}
`))

func render(name string, data any) template.HTML {
	var b strings.Builder
	if err := blocks.ExecuteTemplate(&b, name, data); err != nil {
		// Only a bug in the templates above gets here.
		return template.HTML("<!-- ui." + template.HTMLEscapeString(name) + ": " + template.HTMLEscapeString(err.Error()) + " -->") //nolint:gosec // escaped
	}
	return template.HTML(b.String()) //nolint:gosec // rendered by html/template
}

// Level is the colour of a status, as the portal uses them.
type Level string

// The levels of a status.
const (
	OK    Level = "ok"    // green: healthy, passing, met
	Warn  Level = "warn"  // amber: degraded, at risk
	Bad   Level = "bad"   // red: failing, breached
	Muted Level = "muted" // grey: unknown, not applicable
)

// Status is text after a dot of the level's colour: "● Healthy".
func Status(l Level, text string) template.HTML {
	switch l {
	case OK, Warn, Bad, Muted:
	default:
		l = Muted
	}
	return render("status", struct {
		Level Level
		Text  string
	}{l, text})
}

// KV is a row of KeyValues; Value is escaped unless it is template.HTML.
type KV struct {
	Key   string
	Value any
}

// KeyValues is a two-column list of keys and values.
func KeyValues(rows ...KV) template.HTML { return render("kv", rows) }

// Table is a table with a header row; cells are escaped unless they are
// template.HTML (a Link, a Status).
func Table(head []string, rows [][]any) template.HTML {
	return render("table", struct {
		Head []string
		Rows [][]any
	}{head, rows})
}

// TimeAgo is t as "5 minutes ago" (or "in 5 minutes"), with the exact
// time in UTC as its tooltip.
func TimeAgo(t time.Time) template.HTML {
	return render("time", struct{ ISO, Full, Ago string }{
		t.UTC().Format(time.RFC3339), t.UTC().Format("2006-01-02 15:04 UTC"), ago(time.Since(t)),
	})
}

func ago(d time.Duration) string {
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, ""
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = count(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = count(int(d/time.Hour), "hour")
	default:
		s = count(int(d/(24*time.Hour)), "day")
	}
	if suffix == "" {
		return "in " + s
	}
	return s + suffix
}

func count(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Link is a link to href with text; a link to another site opens it with
// rel="noopener". An href that is not http, https, mailto or a path on
// the portal is replaced by "#ZgotmplZ" (html/template's rule), so a URL
// from an annotation cannot run script.
func Link(href, text string) template.HTML {
	return render("link", struct {
		Href, Text string
		External   bool
	}{href, text, strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")})
}

// Empty says there is nothing to show, and what would change that:
// Empty("No objectives", "Add slo.example.com/objectives to the entity.").
func Empty(title, text string) template.HTML {
	return render("empty", struct{ Title, Text string }{title, text})
}

// Unavailable is the panel of a plugin that failed: "<title> is
// unavailable: <reason>". Hosts show it for errors, timeouts and panics;
// a plugin may show it for a part of its own panel.
func Unavailable(title, reason string) template.HTML {
	return render("unavailable", struct{ Title, Reason string }{title, reason})
}

// Icon is a symbol of the portal's icon sprite ("alert", "check", "docs",
// "dashboard", "code", "link"...), sized to the text around it.
func Icon(name string) template.HTML {
	return template.HTML(`<svg class="i" aria-hidden="true" focusable="false"><use href="#i-` + //nolint:gosec // name is escaped
		template.HTMLEscapeString(name) + `"/></svg>`)
}

// Join puts blocks one after another.
func Join(parts ...template.HTML) template.HTML {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(string(p))
	}
	return template.HTML(b.String()) //nolint:gosec // the parts are HTML already
}

// Text is s escaped, for joining with blocks.
func Text(s string) template.HTML {
	return template.HTML(template.HTMLEscapeString(s)) //nolint:gosec // escaped
}
