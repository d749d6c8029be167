// Package render renders Backstage template expressions the way the
// Backstage scaffolder does (Nunjucks with `${{ }}` variable delimiters):
// step inputs with Value and String, step conditions with Truthy, and
// fetch:template skeletons with Tree.
//
// It runs on gonja (a Jinja2 engine) and closes the gaps that matter for
// Backstage templates: output is printed as JavaScript prints it (true, not
// True; 8080, not 8080.0), lookups on undefined values give undefined instead
// of an error, bare keys in object literals are strings ({ defaultKind: "x" }),
// and the Backstage and Nunjucks filters gonja lacks are registered. Templates
// cannot include, import or extend files: there is nothing to load.
package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"callboard"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// syntax is the delimiter and whitespace setup of one renderer.
type syntax struct {
	compat       bool // cookiecutter: {{ }} instead of ${{ }}
	trimBlocks   bool
	lstripBlocks bool
}

// stepSyntax is what step inputs, `if` and output use.
var stepSyntax = syntax{}

func (s syntax) config() *config.Config {
	c := config.New()
	if !s.compat {
		c.VariableStartString = "${{"
	}
	c.KeepTrailingNewline = true // Nunjucks keeps the final newline; Jinja drops it
	c.TrimBlocks = s.trimBlocks
	c.LeftStripBlocks = s.lstripBlocks
	return c
}

// Value renders every string inside v (maps and slices, recursively) with
// scope and returns a new value; v is not modified. As in Backstage, a string
// that is exactly one `${{ expr }}` keeps the expression's type (number, bool,
// list, object), other strings render to strings, and a string that renders
// to nothing (empty, or an undefined expression) is undefined: its map key is
// dropped, a slice element or the top-level result becomes nil. Errors name
// the path of the failing string, e.g. "values.name: line 1: ...".
func Value(v any, scope map[string]any) (any, error) {
	out, _, err := value(v, scope, "")
	return out, err
}

// value returns the rendered value and whether it is defined.
func value(v any, scope map[string]any, path string) (any, bool, error) {
	switch t := v.(type) {
	case string:
		return renderValue(t, scope, path)
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			r, ok, err := value(x, scope, join(path, k))
			if err != nil {
				return nil, false, err
			}
			if ok {
				m[k] = r
			}
		}
		return m, true, nil
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			r, _, err := value(x, scope, join(path, strconv.Itoa(i)))
			if err != nil {
				return nil, false, err
			}
			s[i] = r
		}
		return s, true, nil
	}
	// Typed containers ([]string, map[string]string, named map types) are
	// rendered as their plain JSON shapes.
	rv := reflect.ValueOf(v)
	switch {
	case rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String:
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return value(m, scope, path)
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8:
		s := make([]any, rv.Len())
		for i := range s {
			s[i] = rv.Index(i).Interface()
		}
		return value(s, scope, path)
	}
	return v, true, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func renderValue(s string, scope map[string]any, path string) (any, bool, error) {
	wrap := func(err error) error {
		if path == "" {
			return err
		}
		return callboard.Wrap(callboard.Invalid, err, "%s", path)
	}
	if !strings.Contains(s, "${{") && !strings.Contains(s, "{%") && !strings.Contains(s, "{#") {
		if s == "" {
			return nil, false, nil
		}
		return s, true, nil
	}
	t, err := compile("", s, stepSyntax)
	if err != nil {
		return nil, false, wrap(err)
	}
	if out := t.single(); out != nil {
		v, err := t.eval(out, scope)
		if err != nil {
			return nil, false, wrap(err)
		}
		if v == nil {
			return nil, false, nil
		}
		return v, true, nil
	}
	r, err := t.render(scope)
	if err != nil {
		return nil, false, wrap(err)
	}
	if r == "" {
		return nil, false, nil
	}
	return r, true, nil
}

// String renders one template string with scope and returns the text, values
// printed as JavaScript prints them.
func String(s string, scope map[string]any) (string, error) {
	t, err := compile("", s, stepSyntax)
	if err != nil {
		return "", err
	}
	return t.render(scope)
}

// Truthy reports whether a rendered `if` value lets a step run. It follows
// Backstage's isTruthy, which is JavaScript truthiness except that an empty
// list is false: nil, false, 0, NaN and "" are false, and so is []; every
// other value is true, including the string "false" (a condition written as
// exactly `${{ expr }}` renders to a bool, not to a string).
func Truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case float64:
		return t != 0 && t == t
	case float32:
		return t != 0 && t == t
	case int:
		return t != 0
	case int64:
		return t != 0
	case int32:
		return t != 0
	case uint:
		return t != 0
	case uint64:
		return t != 0
	case json.Number:
		f, err := t.Float64()
		return err != nil || f != 0 && f == f
	}
	return true
}

// template is a parsed and rewritten gonja template.
type template struct {
	name string
	t    *exec.Template
	cfg  *config.Config
	env  *exec.Environment
}

// compile parses src (named name in errors) and rewrites its tree for
// Nunjucks semantics (see rewrite.go).
func compile(name, src string, s syntax) (t *template, err error) {
	defer recovered(name, &err)
	cfg := s.config()
	env := environment(s.compat)
	// The memory loader holds this template only, so include, import and
	// extends cannot read files.
	loader, err := loaders.NewMemoryLoader(map[string]string{"/template": preprocess(src, s)})
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "template loader")
	}
	et, err := exec.NewTemplate("/template", cfg, loader, env)
	if err != nil {
		return nil, templateError(name, err)
	}
	rewrite(et.Root())
	return &template{name: name, t: et, cfg: cfg, env: env}, nil
}

func (t *template) render(scope map[string]any) (_ string, err error) {
	defer recovered(t.name, &err)
	defer func() { err = redact(err, scope) }()
	var buf bytes.Buffer
	if err := t.t.Execute(&buf, exec.NewContext(scope)); err != nil {
		return "", redact(templateError(t.name, err), scope)
	}
	return buf.String(), nil
}

// single returns the template's only node when it is one output expression,
// Backstage's isSingleTemplateString.
func (t *template) single() *nodes.Output {
	root := t.t.Root()
	if len(root.Nodes) != 1 {
		return nil
	}
	out, _ := root.Nodes[0].(*nodes.Output)
	return out
}

// eval evaluates a single output node to a Go value.
func (t *template) eval(out *nodes.Output, scope map[string]any) (_ any, err error) {
	defer recovered(t.name, &err)
	defer func() { err = redact(err, scope) }()
	env := *t.env
	env.Context = t.env.Context.Inherit().Update(exec.NewContext(scope))
	e := &exec.Evaluator{Environment: &env, Config: t.cfg}
	expr := unwrapOutput(out.Expression)
	if out.Condition != nil {
		c := e.Eval(out.Condition)
		if c.IsError() {
			return nil, redact(exprError(t.name, out.Condition, c), scope)
		}
		if c.IsNil() || !c.IsTrue() {
			if out.Alternative == nil {
				return nil, nil
			}
			expr = unwrapOutput(out.Alternative)
		}
	}
	v := e.Eval(expr)
	if v.IsError() {
		return nil, redact(exprError(t.name, expr, v), scope)
	}
	return goValue(v), nil
}
