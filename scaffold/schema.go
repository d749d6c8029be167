package scaffold

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"callboard"
)

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// schemaOf derives the JSON Schema of an action input type: structs become
// objects with their json-tagged fields as properties (required:"true"
// fields listed in required, description:"..." copied), slices arrays,
// maps objects, interfaces anything.
func schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		required := []string{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			s := schemaOf(f.Type)
			if d := f.Tag.Get("description"); d != "" {
				s["description"] = d
			}
			props[name] = s
			if f.Tag.Get("required") == "true" {
				required = append(required, name)
			}
		}
		return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
	}
	return map[string]any{}
}

// decodeInput checks input against schema, naming the first bad field, and
// decodes it into dst.
func decodeInput(schema map[string]any, input map[string]any, dst any) error {
	if input == nil {
		input = map[string]any{}
	}
	if problems := check(schema, input, "input"); len(problems) > 0 {
		return callboard.Errorf(callboard.Invalid, "%s", strings.Join(problems, "; "))
	}
	b, err := json.Marshal(input)
	if err != nil {
		return callboard.Wrap(callboard.Invalid, err, "input cannot be encoded")
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return callboard.Wrap(callboard.Invalid, err, "input does not match the action's schema")
	}
	return nil
}

// check returns every problem of v against the derived schema subset.
func check(s map[string]any, v any, at string) []string {
	typ, _ := s["type"].(string)
	if typ == "" || v == nil && typ != "object" && typ != "array" {
		return nil // anything, or null for a scalar: decodes as the zero value
	}
	switch typ {
	case "string":
		if _, ok := v.(string); !ok {
			return []string{fmt.Sprintf("%s must be a string, not %s", at, jsonType(v))}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s must be a boolean, not %s", at, jsonType(v))}
		}
	case "integer", "number":
		f, ok := number(v)
		if !ok {
			return []string{fmt.Sprintf("%s must be a %s, not %s", at, typ, jsonType(v))}
		}
		if typ == "integer" && f != math.Trunc(f) {
			return []string{fmt.Sprintf("%s must be an integer, not %v", at, f)}
		}
	case "array":
		if v == nil {
			return nil
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			return []string{fmt.Sprintf("%s must be a list, not %s", at, jsonType(v))}
		}
		items, _ := s["items"].(map[string]any)
		var out []string
		for i := range rv.Len() {
			out = append(out, check(items, rv.Index(i).Interface(), fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	case "object":
		if v == nil {
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s must be an object, not %s", at, jsonType(v))}
		}
		return checkObject(s, m, at)
	}
	return nil
}

func checkObject(s map[string]any, m map[string]any, at string) []string {
	var out []string
	props, _ := s["properties"].(map[string]any)
	req, _ := s["required"].([]string)
	for _, r := range req {
		if _, ok := m[r]; !ok {
			out = append(out, fmt.Sprintf("%s.%s is required", at, r))
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if props != nil {
			ps, known := props[k].(map[string]any)
			if !known {
				if s["additionalProperties"] == false {
					out = append(out, fmt.Sprintf("%s.%s is not an input of this action (known: %s)", at, k, strings.Join(sortedKeys(props), ", ")))
				}
				continue
			}
			out = append(out, check(ps, m[k], at+"."+k)...)
			continue
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			out = append(out, check(ap, m[k], at+"."+k)...)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func number(v any) (float64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// jsonType names v's JSON type for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	}
	if _, ok := number(v); ok {
		return "a number"
	}
	if reflect.ValueOf(v).Kind() == reflect.Slice {
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}
