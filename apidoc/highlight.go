package apidoc

import (
	"html/template"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// classPrefix keeps chroma's short class names (k, nf, s...) from meeting
// the page's own.
const classPrefix = "hl-"

// The chroma styles for each colour scheme.
const (
	lightStyle = "github"
	darkStyle  = "github-dark"
)

var formatter = chromahtml.New(
	chromahtml.WithClasses(true),
	chromahtml.ClassPrefix(classPrefix),
	chromahtml.WithLineNumbers(true),
	chromahtml.TabWidth(4),
)

// lexerFor picks a lexer by API type, then by content, then plain text.
func lexerFor(apiType, src string) chroma.Lexer {
	name := map[string]string{
		"graphql": "graphql", "grpc": "protobuf", "protobuf": "protobuf", "proto": "protobuf",
		"trpc": "typescript", "openapi": "yaml", "asyncapi": "yaml", "swagger": "yaml",
		"json": "json", "yaml": "yaml", "wsdl": "xml", "soap": "xml", "xml": "xml",
		"raml": "yaml", "thrift": "thrift", "avro": "json", "jsonschema": "json",
	}[apiType]
	if name == "yaml" && strings.HasPrefix(strings.TrimSpace(src), "{") {
		name = "json"
	}
	l := lexers.Get(name)
	if l == nil && name == "" {
		l = lexers.Analyse(src)
	}
	if l == nil {
		l = lexers.Fallback
	}
	return chroma.Coalesce(l)
}

// highlight returns src as syntax-highlighted HTML. chroma escapes every
// token; if it fails, src is shown escaped and plain.
func highlight(apiType, src string) template.HTML {
	var b strings.Builder
	it, err := lexerFor(apiType, src).Tokenise(nil, src)
	if err == nil {
		err = formatter.Format(&b, styles.Get(lightStyle), it)
	}
	if err != nil {
		return template.HTML(`<pre class="` + classPrefix + `chroma">` + template.HTMLEscapeString(src) + `</pre>`) //nolint:gosec // escaped
	}
	return template.HTML(b.String()) //nolint:gosec // chroma escapes token text
}

var css = sync.OnceValue(func() string {
	var light, dark strings.Builder
	_ = formatter.WriteCSS(&light, styles.Get(lightStyle))
	_ = formatter.WriteCSS(&dark, styles.Get(darkStyle))
	return pageCSS + darkRules(pageDarkCSS) + light.String() + darkRules(dark.String())
})

// darkRules scopes rules to the dark theme: the system's, unless the
// portal's Settings chose light, and the one chosen there (data-theme on
// <html>). The rules are nested in the root selector (CSS nesting).
func darkRules(rules string) string {
	return "@media (prefers-color-scheme:dark){:root:not([data-theme=light]){\n" + rules + "}}\n" +
		":root[data-theme=dark]{\n" + rules + "}\n"
}

// CSS returns the stylesheet for Render's output, light and dark (by
// prefers-color-scheme): the layout of operations, channels and field
// tables, and the syntax-highlighting colours. Colours read the page's
// variables (--cb-surface, --cb-text, --cb-muted, --cb-border, --cb-accent,
// --cb-warn, --cb-bad...) first. Include it once per page.
func CSS() string { return css() }

// pageCSS styles the rendered documents. Method colours follow the
// convention of API tools (GET blue, POST green, DELETE red...).
const pageCSS = `.cb-apidoc{font-size:14px;line-height:1.5;color:var(--cb-text,#111827)}
.cb-apidoc code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:13px}
.cb-apidoc h2{font-size:22px;margin:0 0 8px}.cb-apidoc h3{font-size:16px;margin:24px 0 8px}
.cb-apidoc h4{font-size:14px;margin:16px 0 6px}.cb-apidoc h5,.cb-apidoc h6{font-size:13px;margin:12px 0 4px}
.cb-apidoc .chip{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:500;vertical-align:middle;background:var(--cb-grey-soft,#eef2f7);color:var(--cb-muted,#4b5563)}
.cb-apidoc .apidoc-desc{color:var(--cb-muted,#4b5563);margin:4px 0 8px}
.cb-apidoc .apidoc-servers ul{margin:0;padding-left:20px}
.cb-apidoc .apidoc-op{border:1px solid var(--cb-border,#e5e7eb);border-radius:6px;margin:8px 0;background:var(--cb-surface,#fff)}
.cb-apidoc .apidoc-op>summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.cb-apidoc .apidoc-op>summary:focus-visible{outline:2px solid var(--cb-accent,#2563eb);outline-offset:2px}
.cb-apidoc .apidoc-op[open]>summary{border-bottom:1px solid var(--cb-border,#e5e7eb)}
.cb-apidoc .op-body{padding:4px 16px 12px}
.cb-apidoc .op-summary{color:var(--cb-text,#111827)}
.cb-apidoc .path{font-weight:600;word-break:break-all}
.cb-apidoc .deprecated .path{text-decoration:line-through}
.cb-apidoc .method{display:inline-block;min-width:64px;text-align:center;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:700;color:#fff;background:#6b7280}
.cb-apidoc .method-get{background:#1d4ed8}.cb-apidoc .method-post{background:#15803d}.cb-apidoc .method-put{background:#b45309}
.cb-apidoc .method-patch{background:#0f766e}.cb-apidoc .method-delete{background:#b91c1c}
.cb-apidoc .method-send,.cb-apidoc .method-publish{background:#15803d}.cb-apidoc .method-receive,.cb-apidoc .method-subscribe{background:#1d4ed8}
.cb-apidoc table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0}
.cb-apidoc th{text-align:left;font-weight:600;color:var(--cb-muted,#4b5563);border-bottom:1px solid var(--cb-border,#e5e7eb);padding:4px 8px}
.cb-apidoc td{vertical-align:top;border-bottom:1px solid var(--cb-border,#f0f1f3);padding:4px 8px}
.cb-apidoc .type{color:var(--cb-accent,#6d28d9)}
.cb-apidoc .req{color:var(--cb-bad,#b91c1c);font-size:12px}
.cb-apidoc .notes{color:var(--cb-muted,#6b7280);font-size:12px}
.cb-apidoc .status{font-weight:700;font-family:ui-monospace,monospace}.cb-apidoc .status-2xx{color:#15803d}.cb-apidoc .status-4xx,.cb-apidoc .status-5xx{color:#b91c1c}.cb-apidoc .status-3xx{color:#b45309}
.cb-apidoc details.nested{margin:4px 0}.cb-apidoc details.nested>summary{cursor:pointer;color:var(--cb-accent,#2563eb);font-size:12px}
.cb-apidoc details.nested>table,.cb-apidoc .variants{border-left:2px solid var(--cb-border,#e5e7eb);margin-left:4px;padding-left:8px}
.cb-apidoc .variant-kind{font-size:12px;font-weight:600;color:var(--cb-muted,#6b7280);text-transform:uppercase}
.cb-apidoc .apidoc-media{margin:6px 0}.cb-apidoc .media-type{font-size:12px;color:var(--cb-muted,#6b7280)}
.cb-apidoc .apidoc-message{border-top:1px dashed var(--cb-border,#e5e7eb);margin-top:8px}
.cb-apidoc .apidoc-warning{border:1px solid var(--cb-warn,#b45309);background:var(--cb-warn-soft,#fffbeb);color:var(--cb-text,#111827);border-radius:6px;padding:8px 12px;margin:0 0 12px}
.cb-apidoc .hl-chroma{overflow-x:auto;padding:8px 12px;border-radius:6px;border:1px solid var(--cb-border,#e5e7eb);font-size:13px}
`

// pageDarkCSS is pageCSS's dark theme (darkRules).
const pageDarkCSS = `.cb-apidoc{color:var(--cb-text,#e5e7eb)}.cb-apidoc .op-summary{color:var(--cb-text,#e5e7eb)}
.cb-apidoc .chip{background:var(--cb-grey-soft,#273244);color:var(--cb-muted,#cbd5e1)}
.cb-apidoc .apidoc-desc,.cb-apidoc th{color:var(--cb-muted,#9ca3af)}
.cb-apidoc .apidoc-op{border-color:var(--cb-border,#374151);background:var(--cb-surface,#1f2937)}
.cb-apidoc .apidoc-op[open]>summary,.cb-apidoc th,.cb-apidoc td{border-color:var(--cb-border,#374151)}
.cb-apidoc .type{color:var(--cb-accent,#c4b5fd)}.cb-apidoc .req{color:var(--cb-bad,#f87171)}
.cb-apidoc .status-2xx{color:#4ade80}.cb-apidoc .status-4xx,.cb-apidoc .status-5xx{color:#f87171}.cb-apidoc .status-3xx{color:#fbbf24}
.cb-apidoc .apidoc-warning{background:var(--cb-warn-soft,#3b2a0a)}
.cb-apidoc .hl-chroma{border-color:var(--cb-border,#374151)}.cb-apidoc details.nested>summary{color:var(--cb-accent,#93c5fd)}
`
