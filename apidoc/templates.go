package apidoc

import (
	"html/template"
	"strings"
)

// base renders the views. html/template escapes every value in context;
// the only template.HTML it is given is chroma's output, which escapes
// token text itself, and Options.Markdown's. It is never executed itself:
// each Renderer executes a clone (html/template cannot clone a template
// once run).
var base = template.Must(template.New("apidoc").Funcs(template.FuncMap{
	"md": plainText,
	"lines": func(s string) []string {
		return strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n")
	},
	"upper": strings.ToUpper,
	"cls":   func(s string) string { return anchor(strings.ToLower(strings.ReplaceAll(s, " ", "-"))) },
	"statusClass": func(code string) string {
		if len(code) == 3 && code[0] >= '1' && code[0] <= '5' {
			return "status-" + code[:1] + "xx"
		}
		return "status-other"
	},
	"first": firstNonEmpty,
}).Parse(`
{{- define "text"}}{{range $i, $l := lines .}}{{if $i}}<br>{{end}}{{$l}}{{end}}{{end}}

{{- define "notes"}}{{with .}}<div class="notes">{{range $i, $n := .}}{{if $i}} · {{end}}{{$n}}{{end}}</div>{{end}}{{end}}

{{- define "doc"}}<div class="cb-apidoc">
{{with .Warning}}<div class="apidoc-warning" role="alert">{{.}}</div>
{{end}}{{with .Doc}}<header class="apidoc-info">
<h2>{{first .Title "Untitled API"}}{{with .Version}} <span class="chip">v{{.}}</span>{{end}}{{with .Spec}} <span class="chip">{{.}}</span>{{end}}</h2>
{{with .Description}}<div class="apidoc-desc">{{md .}}</div>
{{end}}{{if or .Contact .License}}<p class="notes">{{with .Contact}}Contact: {{.}}{{end}}{{if and .Contact .License}} · {{end}}{{with .License}}License: {{.}}{{end}}</p>
{{end}}{{with .Servers}}<div class="apidoc-servers"><h3>Servers</h3><ul>{{range .}}
<li><code>{{.URL}}</code>{{with .Protocol}} <span class="chip">{{.}}</span>{{end}}{{with .Description}} — {{.}}{{end}}</li>{{end}}
</ul></div>
{{end}}</header>
{{range .Groups}}<section class="apidoc-group">
<h3>{{.Name}}</h3>
{{with .Description}}<div class="apidoc-desc">{{md .}}</div>
{{end}}{{range .Ops}}{{template "op" .}}{{end}}</section>
{{end}}{{with .Channels}}<section class="apidoc-group">
<h3>Channels</h3>
{{range .}}{{template "channel" .}}{{end}}</section>
{{end}}{{end}}{{with .Source}}{{.}}{{end}}</div>{{end}}

{{- define "op"}}<details class="apidoc-op{{if .Deprecated}} deprecated{{end}}" id="{{.ID}}">
<summary><span class="method method-{{cls .Method}}">{{upper .Method}}</span> <code class="path">{{.Path}}</code> <span class="op-summary">{{.Summary}}</span>{{if .Deprecated}} <span class="chip">deprecated</span>{{end}}</summary>
<div class="op-body">
{{with .Description}}<div class="apidoc-desc">{{md .}}</div>
{{end}}{{with .Params}}<h4>Parameters</h4>
{{template "params" .}}{{end}}{{with .Body}}<h4>Request body{{if .Required}} <span class="req">required</span>{{end}}</h4>
{{with .Description}}<div class="apidoc-desc">{{md .}}</div>
{{end}}{{range .Media}}{{template "media" .}}{{end}}{{end}}{{with .Responses}}<h4>Responses</h4>
<table class="apidoc-responses"><thead><tr><th>Code</th><th>Description</th></tr></thead><tbody>
{{range .}}<tr><td><span class="status {{statusClass .Code}}">{{.Code}}</span></td><td>{{template "text" .Description}}{{range .Media}}{{template "media" .}}{{end}}</td></tr>
{{end}}</tbody></table>
{{end}}</div></details>
{{end}}

{{- define "params"}}<table class="apidoc-params"><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>
{{range .}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td><code class="type">{{.Type}}</code></td><td>{{if .Required}}<span class="req">required</span>{{end}}</td><td>{{template "text" .Description}}{{template "notes" .Notes}}</td></tr>
{{end}}</tbody></table>
{{end}}

{{- define "media"}}<div class="apidoc-media"><div class="media-type">{{.Type}}</div>{{with .Schema}}{{template "schema" .}}{{end}}</div>{{end}}

{{- define "schema"}}<div class="apidoc-schema"><code class="type">{{.Label}}</code>{{if ne .Label .Type}} <span class="notes">{{.Type}}</span>{{end}}{{if .Recursive}} <span class="notes">(recursive)</span>{{end}}
{{with .Description}}<div class="apidoc-desc">{{template "text" .}}</div>{{end}}{{template "notes" .Notes}}{{template "fields" .}}</div>
{{end}}

{{- define "fields"}}{{if .Fields}}<table class="apidoc-fields"><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>
{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td><code class="type">{{.Schema.Label}}</code></td><td>{{template "text" .Schema.Description}}{{template "notes" .Schema.Notes}}{{if .Schema.Expandable}}
<details class="nested"><summary>{{.Schema.Label}}</summary>{{template "fields" .Schema}}</details>{{else if .Schema.Recursive}}<span class="notes">recursive: see above</span>{{end}}</td></tr>
{{end}}</tbody></table>
{{end}}{{with .Variants}}<div class="variants"><div class="variant-kind">{{$.VariantKind}}</div>
{{range .}}{{template "schema" .}}{{end}}</div>
{{end}}{{end}}

{{- define "channel"}}<details class="apidoc-op apidoc-channel" id="{{.ID}}">
<summary>{{range .Ops}}{{with .Action}}<span class="method method-{{cls .}}">{{upper .}}</span> {{end}}{{end}}<code class="path">{{.Name}}</code>{{with .Address}} <code>{{.}}</code>{{end}}</summary>
<div class="op-body">
{{with .Description}}<div class="apidoc-desc">{{md .}}</div>
{{end}}{{with .Params}}<h4>Parameters</h4>
{{template "params" .}}{{end}}{{range .Ops}}<div class="apidoc-asyncop">
<h4>{{with .Action}}<span class="method method-{{cls .}}">{{upper .}}</span> {{end}}{{first .ID "Messages"}}</h4>
{{with .Summary}}<p>{{template "text" .}}</p>
{{end}}{{with .Description}}<div class="apidoc-desc">{{md .}}</div>
{{end}}{{range .Messages}}<div class="apidoc-message">
<h5>{{first .Title .Name "Message"}}{{if and .Title .Name}} <code>{{.Name}}</code>{{end}}{{with .ContentType}} <span class="chip">{{.}}</span>{{end}}</h5>
{{with .Summary}}<p>{{template "text" .}}</p>
{{end}}{{with .Description}}<div class="apidoc-desc">{{md .}}</div>
{{end}}{{with .Headers}}<h6>Headers</h6>
{{template "schema" .}}{{end}}{{with .Payload}}<h6>Payload</h6>
{{template "schema" .}}{{end}}</div>
{{end}}</div>
{{end}}</div></details>
{{end}}`))

// plainText shows a description without Markdown: escaped, its line
// breaks kept.
func plainText(s string) template.HTML {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		lines[i] = template.HTMLEscapeString(l)
	}
	return template.HTML(strings.Join(lines, "<br>")) //nolint:gosec // escaped
}
