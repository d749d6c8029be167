package params

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Widget is the control a form draws for a field, chosen from the
// property's type, enum, ui:widget and ui:field.
type Widget string

// The widgets, named as the portal's form names its controls.
const (
	WidgetText       Widget = "text"
	WidgetTextarea   Widget = "textarea" // ui:widget: textarea
	WidgetPassword   Widget = "password" // ui:widget: password
	WidgetNumber     Widget = "number"
	WidgetInteger    Widget = "integer"
	WidgetBoolean    Widget = "boolean"
	WidgetSelect     Widget = "select"     // an enum
	WidgetRadio      Widget = "radio"      // an enum with ui:widget: radio
	WidgetCheckboxes Widget = "checkboxes" // an array whose items have an enum
	WidgetTags       Widget = "tags"       // an array of free values
	WidgetJSON       Widget = "json"       // an object without declared properties
	WidgetObject     Widget = "object"     // an object with properties: Field.Fields
	WidgetOwner      Widget = "owner"      // ui:field: OwnerPicker or MyGroupsPicker
	WidgetEntity     Widget = "entity"     // ui:field: EntityPicker or OwnedEntityPicker
	WidgetEntityName Widget = "entityname" // ui:field: EntityNamePicker
	WidgetRepoURL    Widget = "repourl"    // ui:field: RepoUrlPicker: Field.Repo
	WidgetSecret     Widget = "secret"     // ui:field: Secret
)

// Field is one property of a page as a form draws it. Properties drawn
// with ui:widget: hidden are not fields; Defaults fills their values.
type Field struct {
	// Name is the property's name; Path joins the names from the page's
	// root with "/" ("db/engine"), as FieldError.Field does.
	Name, Path string
	// Title is the schema's title, else Name.
	Title, Description string
	// Help and Placeholder are ui:help and ui:placeholder.
	Help, Placeholder string
	Widget            Widget
	Type              string // the JSON Schema type, "" when none is declared
	Required          bool
	Autofocus         bool // ui:autofocus
	Readonly          bool // ui:readonly
	// Default is the property's default as written, nil when it has none.
	Default any
	// Choices are the values of a select, radio or checkboxes: the enum
	// (the items' enum for checkboxes), labelled by enumNames.
	Choices []Choice
	// Pattern is the schema's pattern, or for EntityNamePicker without
	// one, Backstage's entity name rule.
	Pattern              string
	MinLength, MaxLength *int // MaxLength is 63 for EntityNamePicker without one
	Minimum, Maximum     *float64
	// UIOptions are ui:options, which pickers read (catalogFilter,
	// allowedHosts...).
	UIOptions map[string]any
	// Fields are an object's properties, in form order.
	Fields []Field
	// Repo is RepoUrlPicker's parts; nil for other widgets.
	Repo *RepoPicker
	// DependsOn is set for a field that a `dependencies` entry adds: the
	// form shows it only when the field at that path has a value and, if
	// When is not empty, one of When (the const or enum of each oneOf
	// branch that declares the field).
	DependsOn string
	When      []any
}

// Choice is one value a field offers.
type Choice struct {
	Value    any
	Label    string // enumNames' entry, else the value as text
	Selected bool   // the default selects it
}

// RepoPicker is RepoUrlPicker: allowed hosts, owners and repositories
// (ui:options allowedHosts, allowedOwners, allowedRepos; github.com when no
// host is given) and the parts of the default, "host?owner=o&repo=r".
type RepoPicker struct {
	Hosts, Owners, Repos []string
	Host, Owner, Name    string
}

// entityNamePattern is the rule Backstage's EntityNamePicker checks names
// by (Kubernetes object names), with its length.
const (
	entityNamePattern = `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
	entityNameMax     = 63
)

// fields lists the properties of an object schema (ui keys removed; ui is
// its uiSchema) in form order, then those its dependencies add.
func fields(schema, ui map[string]any, prefix string) []Field {
	props, _ := schema["properties"].(map[string]any)
	required := stringList(schema["required"])
	var out []Field
	for _, name := range order(schema, ui, required) {
		ps, _ := props[name].(map[string]any)
		pui, _ := ui[name].(map[string]any)
		if ps == nil || pui["ui:widget"] == "hidden" {
			continue
		}
		out = append(out, field(prefix, name, ps, pui, slices.Contains(required, name)))
	}
	return append(out, dependentFields(schema, ui, props, prefix)...)
}

// dependentFields are the properties that `dependencies` add when another
// property has a value: with oneOf branches, each branch's const or enum
// on that property says for which values. Their ui options sit in the
// object's uiSchema (split merges them there).
func dependentFields(schema, ui, props map[string]any, prefix string) []Field {
	deps, _ := schema["dependencies"].(map[string]any)
	var out []Field
	at := map[string]int{}
	for _, on := range slices.Sorted(maps.Keys(deps)) {
		dep, _ := deps[on].(map[string]any)
		if dep == nil {
			continue // a list of names: a rule Validate checks, nothing to draw
		}
		branches, _ := dep["oneOf"].([]any)
		if branches == nil {
			branches = []any{dep}
		}
		for _, b := range branches {
			branch, _ := b.(map[string]any)
			bprops, _ := branch["properties"].(map[string]any)
			var when []any
			if cond, ok := bprops[on].(map[string]any); ok {
				if c, ok := cond["const"]; ok {
					when = append(when, c)
				}
				if e, ok := cond["enum"].([]any); ok {
					when = append(when, e...)
				}
			}
			breq := stringList(branch["required"])
			for _, name := range order(branch, nil, breq) {
				ps, _ := bprops[name].(map[string]any)
				if _, main := props[name]; main || ps == nil || name == on {
					continue
				}
				if i, ok := at[name]; ok {
					out[i].When = append(out[i].When, when...)
					continue
				}
				pui, _ := ui[name].(map[string]any)
				f := field(prefix, name, ps, pui, slices.Contains(breq, name))
				f.DependsOn, f.When = join(prefix, on), when
				at[name] = len(out)
				out = append(out, f)
			}
		}
	}
	return out
}

// field describes one property: s is its schema, ui its ui options.
func field(prefix, name string, s, ui map[string]any, required bool) Field {
	f := Field{
		Name: name, Path: join(prefix, name), Required: required,
		Title: str(s["title"]), Description: str(s["description"]), Type: str(s["type"]),
		Help: str(ui["ui:help"]), Placeholder: str(ui["ui:placeholder"]),
		Autofocus: ui["ui:autofocus"] == true, Readonly: ui["ui:readonly"] == true,
		Default: s["default"], Pattern: str(s["pattern"]),
		MinLength: integer(s["minLength"]), MaxLength: integer(s["maxLength"]),
		Minimum: number(s["minimum"]), Maximum: number(s["maximum"]),
	}
	if f.Title == "" {
		f.Title = name
	}
	f.UIOptions, _ = ui["ui:options"].(map[string]any)
	switch str(ui["ui:field"]) {
	case "OwnerPicker", "MyGroupsPicker":
		f.Widget = WidgetOwner
		return f
	case "EntityPicker", "OwnedEntityPicker":
		f.Widget = WidgetEntity
		return f
	case "EntityNamePicker":
		f.Widget = WidgetEntityName
		if f.Pattern == "" {
			f.Pattern = entityNamePattern
		}
		if f.MaxLength == nil {
			n := entityNameMax
			f.MaxLength = &n
		}
		return f
	case "RepoUrlPicker":
		f.Widget = WidgetRepoURL
		f.Repo = repoPicker(f.UIOptions, str(f.Default))
		return f
	case "Secret":
		f.Widget = WidgetSecret
		return f
	}
	enum, _ := s["enum"].([]any)
	switch f.Type {
	case "boolean":
		f.Widget = WidgetBoolean
	case "number", "integer":
		f.Widget = Widget(f.Type)
		if enum != nil {
			f.Widget = WidgetSelect
		}
	case "array":
		items, _ := s["items"].(map[string]any)
		f.Widget = WidgetTags
		if itemEnum, _ := items["enum"].([]any); itemEnum != nil {
			defs, _ := f.Default.([]any)
			f.Widget = WidgetCheckboxes
			f.Choices = choices(itemEnum, stringList(items["enumNames"]), defs)
		}
		return f
	case "object":
		if _, ok := s["properties"].(map[string]any); ok {
			f.Widget = WidgetObject
			f.Fields = fields(s, ui, f.Path)
			return f
		}
		f.Widget = WidgetJSON
		return f
	default:
		f.Widget = WidgetText
		if enum != nil {
			f.Widget = WidgetSelect
		}
	}
	switch w := str(ui["ui:widget"]); w {
	case "textarea", "password", "radio":
		f.Widget = Widget(w)
	case "select":
		if enum != nil {
			f.Widget = WidgetSelect
		}
	}
	if enum != nil {
		f.Choices = choices(enum, stringList(s["enumNames"]), []any{f.Default})
	}
	return f
}

// choices pairs enum values with their enumNames, marking the selected.
func choices(enum []any, names []string, selected []any) []Choice {
	out := make([]Choice, 0, len(enum))
	for i, v := range enum {
		c := Choice{Value: v, Label: fmt.Sprint(v)}
		if i < len(names) && names[i] != "" {
			c.Label = names[i]
		}
		c.Selected = slices.ContainsFunc(selected, func(x any) bool { return x != nil && same(x, v) })
		out = append(out, c)
	}
	return out
}

// repoPicker reads RepoUrlPicker's options and splits its default.
func repoPicker(opts map[string]any, def string) *RepoPicker {
	p := &RepoPicker{Hosts: stringList(opts["allowedHosts"]), Owners: stringList(opts["allowedOwners"]), Repos: stringList(opts["allowedRepos"])}
	if len(p.Hosts) == 0 {
		p.Hosts = []string{"github.com"}
	}
	if host, query, ok := strings.Cut(def, "?"); ok {
		p.Host = host
		for kv := range strings.SplitSeq(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "owner":
				p.Owner = v
			case "repo":
				p.Name = v
			}
		}
	}
	return p
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// number reads a JSON or YAML number; nil when v is none.
func number(v any) *float64 {
	var n float64
	switch x := v.(type) {
	case float64:
		n = x
	case float32:
		n = float64(x)
	case int:
		n = float64(x)
	case int64:
		n = float64(x)
	case uint64:
		n = float64(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil
		}
		n = f
	default:
		return nil
	}
	return &n
}

// integer reads a whole number; nil when v is none.
func integer(v any) *int {
	n := number(v)
	if n == nil || *n != math.Trunc(*n) || math.Abs(*n) > math.MaxInt32 {
		return nil
	}
	i := int(*n)
	return &i
}
