// Package params reads a Backstage template's spec.parameters: one JSON
// Schema object per form page, with react-jsonschema-form's `ui:*` options
// inlined. Parse splits the two (schemas for validation, ui options for the
// form, compiled into Fields with their widgets), Validate checks submitted
// values server-side with per-field errors, and Defaults fills `default`s
// the way the form does.
package params

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"callboard"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Form is a template's parameters, ready for a form and for validation.
type Form struct {
	// Pages are the wizard pages in template order.
	Pages []Page
	// Schema is every page merged into one JSON Schema object: properties and
	// required lists united, pages with conditional keywords (dependencies,
	// oneOf, allOf, if) added under allOf. ui:* keys are removed.
	Schema map[string]any

	compiled []*jsonschema.Schema // one per page
}

// Page is one wizard page.
type Page struct {
	Title, Description string
	// Schema is the page's JSON Schema with ui:* keys removed.
	Schema map[string]any
	// Required lists the page's required top-level properties.
	Required []string
	// Order lists the page's top-level properties: ui:order when the page
	// sets it, else the required ones as listed, then the rest sorted
	// (decoded YAML maps do not keep declaration order).
	Order []string
	// UI is the page's uiSchema in react-jsonschema-form's shape: for each
	// property that has ui:* options, UI[name] holds them ("ui:field",
	// "ui:widget", "ui:options", "ui:autofocus", "ui:help", ...), nested
	// objects and array items likewise; page-level ui:* keys sit at the top.
	UI map[string]any
	// Raw is the page as written, ui:* keys included (the shape Backstage's
	// parameter-schema endpoint returns).
	Raw map[string]any
	// Fields are the page's properties as a form draws them, in Order,
	// then the ones its dependencies add.
	Fields []Field
}

// Parse reads spec.parameters (one schema object or a list of them, as
// decoded from YAML or JSON). Each page must be a JSON Schema object; an
// invalid schema is an Invalid error naming the page and the keyword.
func Parse(parameters any) (*Form, error) {
	var raws []map[string]any
	switch p := parameters.(type) {
	case nil:
	case map[string]any:
		raws = append(raws, p)
	case []any:
		for i, x := range p {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, callboard.Errorf(callboard.Invalid, "spec.parameters[%d]: want a JSON Schema object, got %T", i, x)
			}
			raws = append(raws, m)
		}
	default:
		return nil, callboard.Errorf(callboard.Invalid, "spec.parameters: want an object or a list of objects, got %T", parameters)
	}
	f := &Form{}
	for i, raw := range raws {
		where := "spec.parameters"
		if _, isList := parameters.([]any); isList {
			where += "[" + strconv.Itoa(i) + "]"
		}
		schema, ui := split(raw)
		sm := schema.(map[string]any)
		p := Page{Schema: sm, UI: ui, Raw: raw, Required: stringList(sm["required"])}
		p.Title, _ = raw["title"].(string)
		p.Description, _ = raw["description"].(string)
		p.Order = order(sm, ui, p.Required)
		p.Fields = fields(sm, ui, "")
		c, err := compile(normalize(sm), where)
		if err != nil {
			return nil, err
		}
		f.Pages = append(f.Pages, p)
		f.compiled = append(f.compiled, c)
	}
	f.Schema = merge(f.Pages)
	return f, nil
}

// split separates ui:* keys from a schema. It returns the schema without them
// and the uiSchema for it.
func split(v any) (any, map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		schema := map[string]any{}
		ui := map[string]any{}
		for k, x := range t {
			if strings.HasPrefix(k, "ui:") {
				ui[k] = x
				continue
			}
			switch k {
			case "properties":
				props, ok := x.(map[string]any)
				if !ok {
					schema[k] = x
					continue
				}
				out := map[string]any{}
				for name, p := range props {
					s, u := split(p)
					out[name] = s
					if len(u) > 0 {
						ui[name] = u
					}
				}
				schema[k] = out
			case "items":
				s, u := split(x)
				schema[k] = s
				if len(u) > 0 {
					ui["items"] = u
				}
			case "dependencies", "definitions", "$defs", "patternProperties":
				// Conditional fields: their ui options join the parent's,
				// where react-jsonschema-form looks for them.
				m, ok := x.(map[string]any)
				if !ok {
					schema[k] = x
					continue
				}
				out := map[string]any{}
				for name, d := range m {
					s, u := split(d)
					out[name] = s
					mergeUI(ui, u)
				}
				schema[k] = out
			case "oneOf", "anyOf", "allOf":
				list, ok := x.([]any)
				if !ok {
					schema[k] = x
					continue
				}
				out := make([]any, len(list))
				for i, d := range list {
					s, u := split(d)
					out[i] = s
					mergeUI(ui, u)
				}
				schema[k] = out
			case "if", "then", "else", "not", "additionalProperties":
				s, u := split(x)
				schema[k] = s
				mergeUI(ui, u)
			default:
				schema[k] = x
			}
		}
		return schema, ui
	}
	return v, nil
}

// mergeUI adds src's entries to dst, merging nested option maps.
func mergeUI(dst, src map[string]any) {
	for k, v := range src {
		if a, ok := dst[k].(map[string]any); ok {
			if b, ok := v.(map[string]any); ok {
				mergeUI(a, b)
				continue
			}
		}
		if _, exists := dst[k]; !exists {
			dst[k] = v
		}
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// order lists a page's properties for display: ui:order if set ("*"
// standing for the others), else the required ones in their listed order
// (which is usually declaration order), then the rest sorted.
func order(schema, ui map[string]any, required []string) []string {
	props, _ := schema["properties"].(map[string]any)
	names := slices.Sorted(maps.Keys(props))
	var first []string
	if uo := stringList(ui["ui:order"]); len(uo) > 0 {
		star := -1
		for _, n := range uo {
			switch {
			case n == "*":
				star = len(first)
			case slices.Contains(names, n) && !slices.Contains(first, n):
				first = append(first, n)
			}
		}
		rest := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(first, n) })
		if star < 0 {
			return append(first, rest...)
		}
		return slices.Insert(first, star, rest...)
	}
	for _, r := range required {
		if slices.Contains(names, r) && !slices.Contains(first, r) {
			first = append(first, r)
		}
	}
	for _, n := range names {
		if !slices.Contains(first, n) {
			first = append(first, n)
		}
	}
	return first
}

// merge builds Form.Schema.
func merge(pages []Page) map[string]any {
	props := map[string]any{}
	var required []any
	var conditional []any
	for _, p := range pages {
		if ps, ok := p.Schema["properties"].(map[string]any); ok {
			maps.Copy(props, ps)
		}
		for _, r := range p.Required {
			if !slices.Contains(required, any(r)) {
				required = append(required, r)
			}
		}
		for _, k := range []string{"dependencies", "oneOf", "anyOf", "allOf", "if", "not", "dependentRequired", "dependentSchemas"} {
			if _, ok := p.Schema[k]; ok {
				conditional = append(conditional, p.Schema)
				break
			}
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	if len(conditional) > 0 {
		out["allOf"] = conditional
	}
	return out
}
