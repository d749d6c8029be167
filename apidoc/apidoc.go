// Package apidoc renders the definition of an API entity (spec.definition)
// for its Definition tab. OpenAPI 2.0 (Swagger) and 3.x become a list of
// operations grouped by tag, with parameters, request bodies and responses
// whose schemas show as nested field tables; AsyncAPI 2.x and 3.x become a
// list of channels with their operations and message payloads; GraphQL,
// gRPC (protobuf), tRPC and anything else are shown syntax-highlighted.
//
// Output is safe by construction: views are built from the definition and
// rendered with html/template, and highlighted source comes from chroma,
// which escapes every token. Descriptions are Markdown in the specs: a
// Renderer with Options.Markdown renders them through the caller's
// sanitizing Markdown; without it they are escaped text with their line
// breaks.
//
// A definition that cannot be read is shown highlighted as text under a
// warning: the tab never fails. Style the output with CSS.
package apidoc

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// page is the root of what the "doc" template shows.
type page struct {
	Warning string
	Doc     *docView
	Source  template.HTML // highlighted source, when shown
}

// Options tune a Renderer.
type Options struct {
	// Markdown renders a description (CommonMark, as OpenAPI and AsyncAPI
	// define them) as HTML. Its output goes on the page as it is, so it
	// must be sanitized. Nil shows descriptions as plain text.
	Markdown func(src string) template.HTML
}

// Renderer renders definitions with its Options; it is safe for
// concurrent use.
type Renderer struct{ t *template.Template }

// NewRenderer returns a Renderer using opts.
func NewRenderer(opts Options) *Renderer {
	t := template.Must(base.Clone())
	if opts.Markdown != nil {
		t.Funcs(template.FuncMap{"md": opts.Markdown})
	}
	return &Renderer{t: t}
}

var plainRenderer = sync.OnceValue(func() *Renderer { return NewRenderer(Options{}) })

// Render renders with descriptions as plain text (Renderer.Render).
func Render(apiType, definition string) (template.HTML, error) {
	return plainRenderer().Render(apiType, definition)
}

// Render turns an API entity's spec.type and spec.definition into HTML.
// The type is matched case-insensitively (openapi, asyncapi, graphql, grpc,
// trpc...). A definition that does not parse gives its highlighted text
// under a warning, not an error. The error is non-nil only if rendering
// itself failed; the HTML is then the definition as escaped text.
func (r *Renderer) Render(apiType, definition string) (template.HTML, error) {
	t := strings.ToLower(strings.TrimSpace(apiType))
	p := page{}
	switch {
	case strings.TrimSpace(definition) == "":
		p.Warning = "This API has no definition."
	case t == "openapi" || t == "swagger":
		p.Doc, p.Warning = structured(t, definition, "OpenAPI", []string{"openapi", "swagger"}, openAPI)
	case t == "asyncapi":
		p.Doc, p.Warning = structured(t, definition, "AsyncAPI", []string{"asyncapi"}, asyncAPI)
	}
	if p.Doc == nil && strings.TrimSpace(definition) != "" {
		p.Source = highlight(t, definition)
	}
	var b bytes.Buffer
	if err := r.t.ExecuteTemplate(&b, "doc", p); err != nil {
		esc := template.HTMLEscapeString(definition)
		return template.HTML(`<div class="cb-apidoc"><pre>` + esc + `</pre></div>`), fmt.Errorf("render %s definition: %w", t, err) //nolint:gosec // escaped
	}
	return template.HTML(b.String()), nil //nolint:gosec // html/template output
}

// structured parses a definition meant to be OpenAPI or AsyncAPI and builds
// its view. It returns a nil view and a warning when the text cannot be
// read or is not of that format; it still builds the view, with a warning,
// when the version field alone is missing but operations or channels exist.
func structured(t, src, format string, versionKeys []string, build func(*omap) *docView) (*docView, string) {
	root, err := parse(src)
	if err != nil {
		return nil, fmt.Sprintf("This %s definition could not be read (%s); it is shown as text.", format, yamlError(err))
	}
	for _, k := range versionKeys {
		if root.s(k) != "" {
			return build(root), ""
		}
	}
	if root.has("paths") || root.has("channels") || root.has("webhooks") {
		return build(root), fmt.Sprintf("This definition has no %q field; it is shown as %s anyway.", versionKeys[0], format)
	}
	return nil, fmt.Sprintf("This definition is of type %q but has no %q field; it is shown as text.", t, versionKeys[0])
}

// yamlError shortens the YAML library's messages: "yaml: line 3: ..." →
// "line 3: ...".
func yamlError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// Summary returns a short count for the API card, such as "8 operations",
// "3 channels", "42 types" (GraphQL), "4 methods" (gRPC) or
// "2 procedures" (tRPC); "" when there is nothing to count or the
// definition cannot be read.
func Summary(apiType, definition string) string {
	switch strings.ToLower(strings.TrimSpace(apiType)) {
	case "openapi", "swagger":
		if root, err := parse(definition); err == nil {
			return count(operationCount(root), "operation")
		}
	case "asyncapi":
		if root, err := parse(definition); err == nil {
			return count(channelCount(root), "channel")
		}
	case "graphql":
		return count(len(graphqlTypes.FindAllStringIndex(stripGraphQLStrings(definition), -1)), "type")
	case "grpc", "protobuf", "proto":
		return count(len(protoRPC.FindAllStringIndex(definition, -1)), "method")
	case "trpc":
		return count(len(trpcProc.FindAllStringIndex(definition, -1)), "procedure")
	}
	return ""
}

var (
	graphqlTypes   = regexp.MustCompile(`(?m)^\s*(?:type|input|interface|enum|union|scalar)\s+[_A-Za-z]`)
	graphqlStrings = regexp.MustCompile(`(?s)"""(?:[^"\\]|\\.|"[^"]|""[^"])*"""`)
	protoRPC       = regexp.MustCompile(`(?m)^\s*rpc\s+\w+`)
	trpcProc       = regexp.MustCompile(`\.(?:query|mutation|subscription)\s*\(`)
)

// stripGraphQLStrings drops block strings (descriptions) so a line such as
// "type of film" inside one is not counted as a type.
func stripGraphQLStrings(s string) string { return graphqlStrings.ReplaceAllString(s, `""`) }

func count(n int, noun string) string {
	if n == 0 {
		return ""
	}
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
