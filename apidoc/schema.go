package apidoc

import (
	"slices"
	"strings"
)

// Schema expansion limits: a definition is shown in full up to here, and
// "…" past it, so a huge or deeply nested definition still renders fast.
const (
	maxDepth   = 12
	maxSchemas = 5000 // schema views per definition
	maxEnum    = 24
)

// schemaView is a JSON Schema (OpenAPI or AsyncAPI flavour) as shown: a
// type line, notes, and the fields of an object (or of an array's items).
type schemaView struct {
	Name        string // the referenced schema's name, if any
	Type        string // "object", "string (date-time)", "array of Money"
	Description string
	Notes       []string // enum, default, limits, nullable...
	Fields      []fieldView
	Variants    []*schemaView // oneOf / anyOf alternatives
	VariantKind string        // "one of" or "any of"
	Recursive   bool          // a reference to a schema being expanded
	Truncated   bool          // past a limit: not expanded
}

// Label is the short type shown in a field table: the schema's name when
// it has one, else its type.
func (s *schemaView) Label() string {
	if s == nil {
		return ""
	}
	// A named object or enum reads best by name; a named plain value
	// ("sentAt") by what it is ("string (date-time)").
	named := s.Expandable() || s.Recursive || len(s.Notes) > 0 && strings.HasPrefix(s.Notes[0], "one of:")
	if s.Name != "" && named && !strings.Contains(s.Type, s.Name) {
		return s.Name
	}
	return s.Type
}

// Expandable reports whether the view has something below its type line.
func (s *schemaView) Expandable() bool {
	return s != nil && !s.Recursive && (len(s.Fields) > 0 || len(s.Variants) > 0)
}

type fieldView struct {
	Name     string
	Required bool
	Schema   *schemaView
}

// schemas builds views with cycle and size protection.
type schemas struct {
	resolver
	budget int
}

func newSchemas(root *omap) *schemas {
	return &schemas{resolver: resolver{root}, budget: maxSchemas}
}

// view describes the schema v; stack holds the references being expanded.
func (b *schemas) view(v any, stack []string) *schemaView {
	if b.budget--; b.budget < 0 || len(stack) > maxDepth {
		return &schemaView{Type: "…", Truncated: true}
	}
	m, ref := b.deref(v)
	sv := &schemaView{}
	if ref != "" {
		sv.Name = refName(ref)
		if slices.Contains(stack, ref) {
			sv.Type, sv.Recursive = sv.Name, true
			return sv
		}
		stack = append(stack, ref)
	}
	if m == nil {
		sv.Type = "any"
		if ref != "" && !strings.HasPrefix(ref, "#") {
			sv.Type = ref // an external reference: say where it points
		}
		return sv
	}
	sv.Description = m.s("description")
	if sv.Description == "" {
		sv.Description = m.s("title")
	}
	types := strs(m.get("type"))
	typ := strings.Join(types, " | ")
	switch {
	case m.has("allOf"):
		b.allOf(sv, m, stack)
		typ = "object"
	case m.has("oneOf") || m.has("anyOf"):
		sv.VariantKind, typ = "one of", "one of"
		alts := m.l("oneOf")
		if !m.has("oneOf") {
			sv.VariantKind, typ, alts = "any of", "any of", m.l("anyOf")
		}
		for _, a := range alts {
			sv.Variants = append(sv.Variants, b.view(a, stack))
		}
		// Alternatives that are all plain types read best inline.
		if labels, ok := plainLabels(sv.Variants); ok {
			typ, sv.Variants = strings.Join(labels, " | "), nil
		}
	case slices.Contains(types, "array") || m.has("items"):
		items := b.view(m.get("items"), stack)
		typ = "array of " + items.Label()
		if !m.has("items") {
			typ = "array"
		}
		sv.Fields, sv.Variants, sv.VariantKind = items.Fields, items.Variants, items.VariantKind
		if items.Recursive {
			sv.Recursive = true
		}
	case m.has("properties") || typ == "object" || m.has("additionalProperties"):
		b.properties(sv, m, stack)
		typ = "object"
		if ap := asMap(m.get("additionalProperties")); ap != nil && !m.has("properties") {
			val := b.view(ap, stack)
			typ = "map of " + val.Label()
			sv.Fields, sv.Variants = val.Fields, val.Variants
		}
	case typ == "":
		typ = "any"
		if m.has("enum") {
			typ = "enum"
		}
	}
	if f := m.s("format"); f != "" {
		typ += " (" + f + ")"
	}
	sv.Type = typ
	sv.Notes = notes(m)
	return sv
}

// properties adds the fields of an object schema, in document order.
func (b *schemas) properties(sv *schemaView, m *omap, stack []string) {
	req := strs(m.get("required"))
	props := m.m("properties")
	if props == nil {
		return
	}
	for _, k := range props.ks() {
		sv.Fields = append(sv.Fields, fieldView{Name: k, Required: slices.Contains(req, k), Schema: b.view(props.get(k), stack)})
	}
}

// allOf merges the fields of every part; a later part overrides a field of
// the same name, and "required" anywhere counts.
func (b *schemas) allOf(sv *schemaView, m *omap, stack []string) {
	var parts []*schemaView
	for _, p := range m.l("allOf") {
		parts = append(parts, b.view(p, stack))
	}
	own := &schemaView{}
	b.properties(own, m, stack)
	parts = append(parts, own)
	req := strs(m.get("required"))
	for _, p := range parts {
		if sv.Description == "" {
			sv.Description = p.Description
		}
		sv.Variants = append(sv.Variants, p.Variants...)
		if len(p.Variants) > 0 {
			sv.VariantKind = p.VariantKind
		}
		for _, f := range p.Fields {
			f.Required = f.Required || slices.Contains(req, f.Name)
			if i := slices.IndexFunc(sv.Fields, func(g fieldView) bool { return g.Name == f.Name }); i >= 0 {
				f.Required = f.Required || sv.Fields[i].Required
				sv.Fields[i] = f
				continue
			}
			sv.Fields = append(sv.Fields, f)
		}
	}
}

func plainLabels(vs []*schemaView) ([]string, bool) {
	var out []string
	for _, v := range vs {
		if v.Expandable() || len(v.Notes) > 0 || v.Description != "" {
			return nil, false
		}
		out = append(out, v.Label())
	}
	return out, len(out) > 0
}

// notes lists a schema's constraints and hints in a fixed order.
func notes(m *omap) []string {
	var out []string
	if e := strs(m.get("enum")); len(e) > 0 {
		if len(e) > maxEnum {
			e = append(e[:maxEnum:maxEnum], "…")
		}
		out = append(out, "one of: "+strings.Join(e, ", "))
	}
	for _, k := range []struct{ key, label string }{
		{"const", "always"}, {"default", "default"}, {"minimum", "min"}, {"exclusiveMinimum", "greater than"},
		{"maximum", "max"}, {"exclusiveMaximum", "less than"}, {"minLength", "min length"},
		{"maxLength", "max length"}, {"minItems", "min items"}, {"maxItems", "max items"},
		{"pattern", "pattern"}, {"example", "example"},
	} {
		v := m.s(k.key)
		if v == "" || strings.HasPrefix(k.key, "exclusive") && (v == "true" || v == "false") {
			continue // OpenAPI 3.0's boolean exclusive bounds say nothing alone
		}
		out = append(out, k.label+": "+v)
	}
	for _, k := range []string{"nullable", "readOnly", "writeOnly", "deprecated", "uniqueItems"} {
		if m.truthy(k) {
			out = append(out, strings.ToLower(k[:1])+k[1:])
		}
	}
	if ex := strs(m.get("examples")); len(ex) > 0 && !m.has("example") {
		out = append(out, "example: "+ex[0])
	}
	return out
}
