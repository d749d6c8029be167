package web

import (
	"callboard"
)

// maxDefinition bounds the definition text a page embeds.
const maxDefinition = 2 << 20

// loadDefinition fills the Definition tab of an API entity: the raw text
// of spec.definition (shown as code when no renderer knows the type).
func (s *Server) loadDefinition(e *callboard.Entity, v *entityView) {
	def, _ := e.Spec["definition"].(string)
	if len(def) > maxDefinition {
		def = def[:maxDefinition]
	}
	v.DefinitionType = e.SpecString("type")
	v.DefinitionText = def
}
