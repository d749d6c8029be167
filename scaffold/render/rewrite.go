package render

import (
	"reflect"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

// Filters the rewritten tree calls. A template may call them by name too;
// they only print and look up values, so that is harmless.
const (
	filterOut  = "__cb_out"  // prints a value as JavaScript does
	filterAttr = "__cb_attr" // x.name, undefined-safe
	filterItem = "__cb_item" // x[key], undefined-safe
)

// rewrite changes a parsed template in place for Nunjucks semantics:
//   - every printed expression is piped through filterOut, so values print as
//     in JavaScript (true, 8080, a,b) rather than Python (True, 8080.0, ['a', 'b']);
//   - attribute and item lookups become undefined-safe filters, since Nunjucks
//     gives undefined for a.b.c when a.b is undefined where gonja errors;
//   - bare names used as object-literal keys become strings, as in Nunjucks.
//
// gonja exposes no tree walker beyond the top-level node list, so the walk is
// reflective over exported fields; control structures (if, for, set, macro)
// keep their expressions and bodies there.
func rewrite(root *nodes.Template) {
	w := &rewriter{seen: map[uintptr]bool{}, repl: map[nodes.Node]nodes.Node{}, orig: map[nodes.Node]*nodes.GetAttribute{}}
	w.walk(reflect.ValueOf(root))
}

type rewriter struct {
	seen map[uintptr]bool
	repl map[nodes.Node]nodes.Node          // lookup node -> its replacement, so shared nodes stay shared
	orig map[nodes.Node]*nodes.GetAttribute // replacement -> the attribute lookup it stands for
}

var nodeType = reflect.TypeFor[nodes.Node]()

func (w *rewriter) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || w.seen[v.Pointer()] {
			return
		}
		w.seen[v.Pointer()] = true
		w.walk(v.Elem())
		if v.CanInterface() {
			w.fix(v.Interface())
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		w.walk(v.Elem())
		if v.CanSet() && v.Type().Implements(nodeType) {
			if n, ok := v.Interface().(nodes.Node); ok {
				if r := w.replace(n); r != nil && reflect.TypeOf(r).AssignableTo(v.Type()) {
					v.Set(reflect.ValueOf(r))
				}
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				w.walk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i))
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			val := it.Value()
			if val.Kind() == reflect.Interface && !val.IsNil() {
				// Map values are not addressable: walk, then store the replacement.
				w.walk(val.Elem())
				if n, ok := val.Interface().(nodes.Node); ok {
					if r := w.replace(n); r != nil && reflect.TypeOf(r).AssignableTo(val.Type()) {
						v.SetMapIndex(it.Key(), reflect.ValueOf(r))
					}
				}
				continue
			}
			w.walk(val)
		}
	}
}

// fix adjusts nodes whose own fields change: outputs, dict keys, and method
// calls (whose callee must stay a plain attribute lookup).
func (w *rewriter) fix(x any) {
	switch n := x.(type) {
	case *nodes.Output:
		n.Expression = printed(n.Expression)
		if n.Alternative != nil {
			n.Alternative = printed(n.Alternative)
		}
	case *nodes.Pair:
		if name, ok := n.Key.(*nodes.Name); ok {
			n.Key = &nodes.String{Location: name.Name, Val: name.Name.Val}
		}
	case *nodes.Call:
		// x.upper() is a method call on x: gonja needs Func to stay a
		// GetAttribute whose receiver is Parent.
		if f, ok := n.Func.(*nodes.FilteredExpression); ok {
			if orig := w.orig[f]; orig != nil {
				n.Func = orig
			}
		}
	}
}

// replace returns the replacement of a lookup node, or nil.
func (w *rewriter) replace(n nodes.Node) nodes.Node {
	if r, ok := w.repl[n]; ok {
		return r
	}
	var r nodes.Node
	switch l := n.(type) {
	case *nodes.GetAttribute:
		target, ok := l.Node.(nodes.Expression)
		if !ok {
			return nil
		}
		var key nodes.Expression = &nodes.String{Location: l.Location, Val: l.Attribute}
		if l.Attribute == "" {
			key = &nodes.Integer{Location: l.Location, Val: l.Index}
		}
		f := &nodes.FilteredExpression{Expression: target, Filters: []*nodes.FilterCall{
			{Token: l.Location, Name: filterAttr, Args: []nodes.Expression{key}, Kwargs: map[string]nodes.Expression{}},
		}}
		w.orig[f] = l
		r = f
	case *nodes.GetItem:
		target, ok := l.Node.(nodes.Expression)
		arg, ok2 := l.Arg.(nodes.Expression)
		if !ok || !ok2 {
			return nil
		}
		r = &nodes.FilteredExpression{Expression: target, Filters: []*nodes.FilterCall{
			{Token: l.Location, Name: filterItem, Args: []nodes.Expression{arg}, Kwargs: map[string]nodes.Expression{}},
		}}
	default:
		return nil
	}
	w.repl[n] = r
	return r
}

func printed(e nodes.Expression) nodes.Expression {
	if e == nil {
		return nil
	}
	return &nodes.FilteredExpression{Expression: e, Filters: []*nodes.FilterCall{
		{Token: e.Position(), Name: filterOut, Kwargs: map[string]nodes.Expression{}},
	}}
}

// unwrapOutput returns the expression an output prints, without filterOut.
func unwrapOutput(e nodes.Expression) nodes.Expression {
	if f, ok := e.(*nodes.FilteredExpression); ok && len(f.Filters) == 1 && f.Filters[0].Name == filterOut {
		return f.Expression
	}
	return e
}
