package web

import (
	"callboard"
	"callboard/apidoc"
)

// maxDefinition bounds the definition text a page renders.
const maxDefinition = 2 << 20

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
	h, err := apidoc.Render(v.DefinitionType, def)
	if err != nil {
		s.log.Warn("render API definition", "entity", v.Ref, "err", err)
	}
	v.Definition = h
}
