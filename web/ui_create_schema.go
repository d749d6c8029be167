package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// formPage is one page of a template's form: one JSON Schema object of
// spec.parameters.
type formPage struct {
	Index              int
	Title, Description string
	Fields             []formField
}

// formField is one property of a page's schema, with the ui:* options
// that change how it is drawn. Widget says which control the template
// draws; values go back to the API with Path as their key.
type formField struct {
	Path, ID           string
	Title, Description string
	Help, Placeholder  string
	Widget             string // text, textarea, password, number, integer, boolean, select, radio, checkboxes, tags, json, object, owner, entity, entityname, repourl, secret
	Type               string // the JSON Schema type
	Required           bool
	Autofocus          bool
	Readonly           bool
	Value              string // the default, as the input's text
	Checked            bool   // a boolean's default
	Options            []fieldOption
	Pattern            string
	MinLength          string
	MaxLength          string
	Minimum, Maximum   string
	UIOptions          string // ui:options as JSON, for the pickers' script
	Children           []formField
	Repo               repoPicker
	When               string // shown only when this field has a value…
	WhenValues         string // …among these (JSON list; empty: any value)
}

type fieldOption struct {
	Value    string // the enum value as JSON, so numbers stay numbers
	Label    string
	Selected bool
}

// repoPicker is RepoUrlPicker's three parts.
type repoPicker struct {
	Hosts, Owners, Repos []string
	Host, Owner, Name    string // from the default value
}

// formPages turns spec.parameters (an object or a list of objects) into
// pages. A parameter set that is not a JSON Schema object is an error the
// page shows, naming where it is.
func formPages(params any) ([]formPage, error) {
	var list []any
	switch p := params.(type) {
	case nil:
		return nil, nil
	case []any:
		list = p
	case map[string]any:
		list = []any{p}
	default:
		return nil, fmt.Errorf("spec.parameters must be an object or a list of objects, not %s", pJSONType(p))
	}
	pages := make([]formPage, 0, len(list))
	for i, raw := range list {
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("spec.parameters[%d] must be an object, not %s", i, pJSONType(raw))
		}
		pg := formPage{Index: i, Title: pStr(obj["title"]), Description: pStr(obj["description"])}
		if pg.Title == "" {
			pg.Title = "Step " + strconv.Itoa(i+1)
		}
		pg.Fields = fieldsOf(obj, "")
		pages = append(pages, pg)
	}
	return pages, nil
}

// fieldsOf lists the properties of an object schema in form order.
func fieldsOf(obj map[string]any, prefix string) []formField {
	props, _ := obj["properties"].(map[string]any)
	required := pStrs(obj["required"])
	var out []formField
	for _, name := range propertyOrder(props, required, pStrs(obj["ui:order"])) {
		schema, _ := props[name].(map[string]any)
		if schema == nil {
			continue
		}
		if w := pStr(schema["ui:widget"]); w == "hidden" {
			continue
		}
		out = append(out, fieldOf(prefix+name, schema, slices.Contains(required, name)))
	}
	return append(out, dependentFields(obj, props, prefix)...)
}

// dependentFields are the properties that JSON Schema "dependencies" add
// when another field has a value: with oneOf branches, each branch's
// const or enum on the controlling field says for which values. The form
// shows them only then (create.js), and leaves them out otherwise.
func dependentFields(obj, props map[string]any, prefix string) []formField {
	deps, _ := obj["dependencies"].(map[string]any)
	var out []formField
	index := map[string]int{}
	for _, on := range slices.Sorted(maps.Keys(deps)) {
		dep, _ := deps[on].(map[string]any)
		if dep == nil {
			continue // a list of names: a rule the server checks, nothing to draw
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
			breq := pStrs(branch["required"])
			for _, name := range propertyOrder(bprops, breq, nil) {
				schema, _ := bprops[name].(map[string]any)
				if _, main := props[name]; main || schema == nil || name == on {
					continue
				}
				vals, _ := json.Marshal(when)
				if i, ok := index[name]; ok {
					var prev []any
					_ = json.Unmarshal([]byte(out[i].WhenValues), &prev)
					vals, _ = json.Marshal(append(prev, when...))
					out[i].WhenValues = string(vals)
					continue
				}
				f := fieldOf(prefix+name, schema, slices.Contains(breq, name))
				f.When, f.WhenValues = prefix+on, string(vals)
				index[name] = len(out)
				out = append(out, f)
			}
		}
	}
	return out
}

// propertyOrder is ui:order when given (with "*" for the rest), else the
// required properties in their listed order and then the others by name.
// The catalog keeps entities as JSON objects, which lose the YAML's key
// order, so this is the closest order the page can know.
func propertyOrder(props map[string]any, required, uiOrder []string) []string {
	rest := make([]string, 0, len(props))
	for k := range props {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	var out []string
	take := func(k string) {
		if i := slices.Index(rest, k); i >= 0 {
			out = append(out, k)
			rest = slices.Delete(rest, i, i+1)
		}
	}
	if len(uiOrder) > 0 {
		star := -1
		for _, k := range uiOrder {
			if k == "*" {
				star = len(out)
				continue
			}
			take(k)
		}
		if star < 0 {
			return append(out, rest...)
		}
		return slices.Concat(out[:star], rest, out[star:])
	}
	for _, k := range required {
		take(k)
	}
	return append(out, rest...)
}

// fieldOf describes one property.
func fieldOf(path string, s map[string]any, required bool) formField {
	f := formField{
		Path: path, ID: "f-" + strings.ReplaceAll(path, ".", "-"), Required: required,
		Title: pStr(s["title"]), Description: pStr(s["description"]),
		Help: pStr(s["ui:help"]), Placeholder: pStr(s["ui:placeholder"]), Type: pStr(s["type"]),
		Autofocus: pTruthy(s["ui:autofocus"]), Readonly: pTruthy(s["ui:readonly"]),
		Pattern: pStr(s["pattern"]), MinLength: pNum(s["minLength"]), MaxLength: pNum(s["maxLength"]),
		Minimum: pNum(s["minimum"]), Maximum: pNum(s["maximum"]),
	}
	if f.Title == "" {
		f.Title = path[strings.LastIndex(path, ".")+1:]
	}
	opts, _ := s["ui:options"].(map[string]any)
	if opts != nil {
		if b, err := json.Marshal(opts); err == nil {
			f.UIOptions = string(b)
		}
	}
	def := s["default"]
	switch v := def.(type) {
	case string:
		f.Value = v
	case float64, int, int64, json.Number:
		f.Value = fmt.Sprint(v)
	case bool:
		f.Checked = v
	}
	field, widget := pStr(s["ui:field"]), pStr(s["ui:widget"])
	switch field {
	case "OwnerPicker", "MyGroupsPicker":
		f.Widget = "owner"
		return f
	case "EntityPicker", "OwnedEntityPicker":
		f.Widget = "entity"
		return f
	case "EntityNamePicker":
		f.Widget = "entityname"
		if f.Pattern == "" {
			// Backstage checks names as Kubernetes object names.
			f.Pattern = `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
		}
		if f.MaxLength == "" {
			f.MaxLength = "63"
		}
		return f
	case "RepoUrlPicker":
		f.Widget = "repourl"
		f.Repo = repoPickerOf(opts, f.Value)
		return f
	case "Secret":
		f.Widget = "secret"
		return f
	}
	enum, _ := s["enum"].([]any)
	switch f.Type {
	case "boolean":
		f.Widget = "boolean"
	case "number", "integer":
		f.Widget = f.Type
		if enum != nil {
			f.Widget = "select"
		}
	case "array":
		items, _ := s["items"].(map[string]any)
		itemEnum, _ := items["enum"].([]any)
		defs, _ := def.([]any)
		if itemEnum != nil {
			f.Widget = "checkboxes"
			f.Options = optionsOf(itemEnum, pStrs(items["enumNames"]), defs)
		} else {
			f.Widget = "tags"
			f.Value = strings.Join(pStrs(def), ", ")
		}
		return f
	case "object":
		if _, ok := s["properties"].(map[string]any); ok {
			f.Widget = "object"
			f.Children = fieldsOf(s, path+".")
			return f
		}
		f.Widget = "json"
		if def != nil {
			b, _ := json.MarshalIndent(def, "", "  ")
			f.Value = string(b)
		}
		return f
	default:
		f.Widget = "text"
		if enum != nil {
			f.Widget = "select"
		}
	}
	switch widget {
	case "textarea", "password", "radio":
		f.Widget = widget
	case "select":
		if enum != nil {
			f.Widget = "select"
		}
	}
	if enum != nil {
		f.Options = optionsOf(enum, pStrs(s["enumNames"]), []any{def})
	}
	return f
}

// optionsOf pairs enum values with their enumNames.
func optionsOf(enum []any, names []string, selected []any) []fieldOption {
	out := make([]fieldOption, 0, len(enum))
	for i, v := range enum {
		b, _ := json.Marshal(v)
		label := fmt.Sprint(v)
		if i < len(names) && names[i] != "" {
			label = names[i]
		}
		sel := slices.ContainsFunc(selected, func(x any) bool { return x != nil && fmt.Sprint(x) == fmt.Sprint(v) })
		out = append(out, fieldOption{Value: string(b), Label: label, Selected: sel})
	}
	return out
}

// repoPickerOf reads RepoUrlPicker's allowedHosts/Owners/Repos and splits
// a default "host?owner=o&repo=r".
func repoPickerOf(opts map[string]any, def string) repoPicker {
	p := repoPicker{Hosts: pStrs(opts["allowedHosts"]), Owners: pStrs(opts["allowedOwners"]), Repos: pStrs(opts["allowedRepos"])}
	if len(p.Hosts) == 0 {
		p.Hosts = []string{"github.com"}
	}
	if host, query, ok := strings.Cut(def, "?"); ok {
		p.Host = host
		for _, kv := range strings.Split(query, "&") {
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

func pStr(v any) string {
	s, _ := v.(string)
	return s
}

func pStrs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func pNum(v any) string {
	switch n := v.(type) {
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case int:
		return strconv.Itoa(n)
	case int64:
		return strconv.FormatInt(n, 10)
	case json.Number:
		return n.String()
	}
	return ""
}

func pTruthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

func pJSONType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64, int, int64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "null"
}
