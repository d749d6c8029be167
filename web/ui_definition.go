package web

import (
	"html/template"
	"net/http"
	"strings"
	"sync"

	"callboard"
	"callboard/apidoc"
)

// maxDefinition bounds the definition text a page renders.
const maxDefinition = 2 << 20

// apiDocs renders definitions with their descriptions as Markdown, through
// the portal's sanitized Markdown (markdown); headings in a description
// start at h4, under the page's and the definition's own.
var apiDocs = sync.OnceValue(func() *apidoc.Renderer {
	return apidoc.NewRenderer(apidoc.Options{Markdown: func(src string) template.HTML {
		return template.HTML(demoteHeadings.Replace(string(markdown(src)))) //nolint:gosec // sanitized by markdown
	}})
})

var demoteHeadings = strings.NewReplacer(
	"<h1", "<h4", "</h1>", "</h4>", "<h2", "<h5", "</h2>", "</h5>",
	"<h3", "<h6", "</h3>", "</h6>", "<h4", "<h6", "</h4>", "</h6>", "<h5", "<h6", "</h5>", "</h6>")

// loadDefinition fills the Definition tab of an API entity: OpenAPI and
// AsyncAPI as browsable operations and channels, other types highlighted.
// A definition that cannot be rendered is shown as text, never an error.
func (s *Server) loadDefinition(e *callboard.Entity, v *entityView) {
	def, _ := e.Spec["definition"].(string)
	if len(def) > maxDefinition {
		def = def[:maxDefinition]
	}
	v.DefinitionType = e.SpecString("type")
	v.DefinitionText = def
	v.DefinitionSummary = apidoc.Summary(v.DefinitionType, def)
	v.DefinitionRawURL = v.URL + "/definition/raw"
	h, err := apiDocs().Render(v.DefinitionType, def)
	if err != nil {
		s.log.Warn("render API definition", "entity", v.Ref, "err", err)
	}
	v.Definition = h
}

// handleDefinitionRaw serves an API's spec.definition as it is, as plain
// text (never as HTML, whatever it holds); ?download=1 makes it a file
// named after the entity.
func (s *Server) handleDefinitionRaw(w http.ResponseWriter, r *http.Request) error {
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	e, err := s.catalog.Entity(r.Context(), ref)
	if err != nil {
		return err
	}
	def, ok := e.Spec["definition"].(string)
	if !ok || def == "" {
		return callboard.Errorf(callboard.NotFound, "%s has no spec.definition", e.Ref())
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if r.URL.Query().Get("download") != "" {
		h.Set("Content-Disposition", `attachment; filename="`+e.Metadata.Name+definitionExt(e.SpecString("type"), def)+`"`)
	}
	_, _ = w.Write([]byte(def))
	return nil
}

// definitionExt is the file extension for a definition of type apiType.
func definitionExt(apiType, def string) string {
	switch strings.ToLower(apiType) {
	case "graphql":
		return ".graphql"
	case "grpc":
		return ".proto"
	case "openapi", "swagger", "asyncapi":
		if t := strings.TrimSpace(def); strings.HasPrefix(t, "{") {
			return ".json"
		}
		return ".yaml"
	}
	return ".txt"
}
