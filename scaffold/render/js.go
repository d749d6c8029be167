package render

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// jsString prints v as JavaScript's String(v) does, which is what Nunjucks
// writes for an output: null and undefined print nothing, arrays print their
// elements joined by commas, objects print "[object Object]".
func jsString(v *exec.Value) string {
	if v == nil || v.IsNil() {
		return ""
	}
	switch {
	case v.IsString():
		return v.String()
	case v.IsBool():
		return strconv.FormatBool(v.Bool())
	case v.IsInteger():
		return v.String()
	case v.IsFloat():
		return jsNumber(v.Float())
	case v.IsList():
		if b, ok := v.Interface().([]byte); ok {
			return string(b)
		}
		parts := make([]string, 0, v.Len())
		v.Iterate(func(_, _ int, item, _ *exec.Value) bool {
			parts = append(parts, jsString(item))
			return true
		}, func() {})
		return strings.Join(parts, ",")
	case v.IsDict():
		return "[object Object]"
	}
	return v.String()
}

// jsNumber formats f as JavaScript's Number.prototype.toString.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	if a := math.Abs(f); a >= 1e21 || a < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+21, 1e-07
		mant, exp, _ := strings.Cut(s, "e")
		sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
		return mant + "e" + sign + digits
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// goValue converts a gonja value to plain Go data: nil, bool, string, int,
// float64, []any and map[string]any (values from the scope come back as they
// went in).
func goValue(v *exec.Value) any {
	if v == nil || v.IsNil() {
		return nil
	}
	switch x := v.Interface().(type) {
	case string, bool, int, int64, float64, map[string]any, []any:
		return x
	case []*exec.Value:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = goValue(e)
		}
		return out
	}
	switch {
	case v.IsString():
		return v.String()
	case v.IsBool():
		return v.Bool()
	case v.IsInteger():
		return v.Integer()
	case v.IsFloat():
		return v.Float()
	case v.IsList():
		out := make([]any, 0, v.Len())
		v.Iterate(func(_, _ int, item, _ *exec.Value) bool {
			out = append(out, goValue(item))
			return true
		}, func() {})
		return out
	case v.IsDict():
		out := map[string]any{}
		for _, k := range v.Keys() {
			item, _ := v.GetItem(k.Interface())
			out[jsString(k)] = goValue(item)
		}
		return out
	}
	return v.Interface()
}

// jsonString is JSON.stringify: HTML characters unescaped, indent spaces
// when indent > 0, and "" for undefined (Nunjucks prints nothing for it).
func jsonString(v *exec.Value, indent int) (string, error) {
	if v == nil || v.IsNil() {
		return "", nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent > 0 {
		enc.SetIndent("", strings.Repeat(" ", indent))
	}
	if err := enc.Encode(jsonable(goValue(v))); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// jsonable makes integral floats print without a fraction and NaN/Inf print
// as null, as JSON.stringify does.
func jsonable(v any) any {
	switch t := v.(type) {
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil
		}
		return json.Number(jsNumber(t))
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = jsonable(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = jsonable(x)
		}
		return s
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		m := map[string]any{}
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			m[k.String()] = jsonable(rv.MapIndex(k).Interface())
		}
		return m
	}
	return v
}

// lookup implements x.name and x[key] with Nunjucks semantics: undefined
// (nil) when x is undefined or has no such member, never an error.
func lookup(in *exec.Value, key *exec.Value) *exec.Value {
	if in.IsNil() || key.IsNil() {
		return exec.AsValue(nil)
	}
	if key.IsString() {
		name := key.String()
		if v, ok := in.GetAttribute(name); ok {
			return v
		}
		if v, ok := in.GetItem(name); ok {
			return v
		}
		if v, ok := jsonField(in, name); ok {
			return v
		}
		if in.IsList() {
			if i, err := strconv.Atoi(name); err == nil {
				return lookup(in, exec.AsValue(i))
			}
		}
		if in.IsString() && name == "length" {
			return exec.AsValue(len([]rune(in.String())))
		}
		if in.IsList() && name == "length" {
			return exec.AsValue(in.Len())
		}
		return exec.AsValue(nil)
	}
	if key.IsNumber() {
		// Negative indexes count from the end as in Jinja (Nunjucks gives
		// undefined); no template relies on undefined there.
		i := key.Integer()
		if v, ok := in.GetItem(i); ok {
			return v
		}
		if in.IsDict() {
			if v, ok := in.GetItem(strconv.Itoa(i)); ok {
				return v
			}
		}
	}
	return exec.AsValue(nil)
}

// jsonField finds a struct field by its JSON name (entity.metadata on a Go
// struct), as the template would see the value serialized.
func jsonField(in *exec.Value, name string) (*exec.Value, bool) {
	rv := reflect.ValueOf(in.Interface())
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, false
	}
	t := rv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && (tag == name || tag == "" && strings.EqualFold(f.Name, name)) {
			return exec.AsValue(rv.Field(i).Interface()), true
		}
	}
	return nil, false
}
