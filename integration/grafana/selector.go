package grafana

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// A dashboard selector is what grafana/dashboard-selector holds, in the
// community plugin's two forms: a bare tag ("service=payment-service",
// several comma-separated meaning any of them), or an expression over a
// dashboard's title, tags, url, folderTitle and folderUrl:
//
//	(tags @> 'my-service' || tags @> 'my-service-slo') && tags @> 'generated'
//
// with || (or), && (and), == and != (on strings), @> (the list on the
// left holds the string on the right), ! (not), parentheses, and strings
// in single or double quotes. The expression is type-checked when parsed,
// so a mistake shows before Grafana is asked.
type selector struct {
	tags []string // the bare form: dashboards with any of these tags
	expr node     // the expression form
}

// parseSelector reads s; the error says what is wrong and where.
func parseSelector(s string) (*selector, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("the selector is empty")
	}
	if isBareTags(s) {
		var tags []string
		for t := range strings.SplitSeq(s, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
		return &selector{tags: tags}, nil
	}
	p := &parser{src: s}
	if err := p.lex(); err != nil {
		return nil, err
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected %s", t)
	}
	if n.typ() != tBool {
		return nil, fmt.Errorf("the selector must be a condition (such as tags @> 'x'), not a %s", n.typ())
	}
	return &selector{expr: n}, nil
}

// isBareTags reports whether s is comma-separated tags such as
// "service=payment-service" or "payments": the form the demo and most
// catalogs use. Tags hold no operator, quote or parenthesis.
func isBareTags(s string) bool {
	return !strings.ContainsAny(s, "@&|!()'\"") && !strings.Contains(s, "==")
}

// matches evaluates the expression form on a dashboard.
func (s *selector) matches(d Dashboard) bool {
	return s.expr.eval(d).(bool)
}

type valueType int

const (
	tBool valueType = iota
	tString
	tList
)

func (t valueType) String() string {
	return [...]string{"condition", "string", "list"}[t]
}

// node is a type-checked expression.
type node interface {
	typ() valueType
	eval(d Dashboard) any
}

type (
	literal struct{ s string }
	name    struct{ name string }
	not     struct{ x node }
	binary  struct {
		op   string
		l, r node
	}
)

func (literal) typ() valueType       { return tString }
func (n literal) eval(Dashboard) any { return n.s }
func (not) typ() valueType           { return tBool }
func (n not) eval(d Dashboard) any   { return !n.x.eval(d).(bool) }
func (binary) typ() valueType        { return tBool }
func (n name) typ() valueType        { return names[n.name] }
func (n name) eval(d Dashboard) any  { return d.field(n.name) }
func (n binary) eval(d Dashboard) any {
	switch n.op {
	case "||":
		return n.l.eval(d).(bool) || n.r.eval(d).(bool)
	case "&&":
		return n.l.eval(d).(bool) && n.r.eval(d).(bool)
	case "==":
		return n.l.eval(d) == n.r.eval(d)
	case "!=":
		return n.l.eval(d) != n.r.eval(d)
	default: // @>
		return slices.Contains(n.l.eval(d).([]string), n.r.eval(d).(string))
	}
}

// names are the dashboard's fields a selector may use, with their types.
var names = map[string]valueType{"title": tString, "tags": tList, "url": tString, "folderTitle": tString, "folderUrl": tString}

func (d Dashboard) field(name string) any {
	switch name {
	case "title":
		return d.Title
	case "tags":
		return d.Tags
	case "url":
		return d.URL
	case "folderTitle":
		return d.FolderTitle
	default:
		return d.FolderURL
	}
}

type tokenKind int

const (
	tEOF tokenKind = iota
	tName
	tStr
	tOp
)

type token struct {
	kind tokenKind
	text string
	pos  int // byte offset, for errors
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of the selector"
	case tStr:
		return fmt.Sprintf("string %q", t.text)
	default:
		return fmt.Sprintf("%q", t.text)
	}
}

type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return fmt.Errorf("at column %d: %s", t.pos+1, fmt.Sprintf(format, args...))
}

// lex splits the source into tokens.
func (p *parser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return fmt.Errorf("at column %d: the string is not closed with %c", i+1, c)
			}
			p.toks = append(p.toks, token{tStr, b.String(), i})
			i = j + 1
		case c == '_' || c < 0x80 && unicode.IsLetter(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || s[j] < 0x80 && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])))) {
				j++
			}
			p.toks = append(p.toks, token{tName, s[i:j], i})
			i = j
		default:
			op := ""
			for _, o := range []string{"||", "&&", "==", "!=", "@>", "!", "(", ")"} {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return fmt.Errorf("at column %d: unexpected %q; the operators are ||, &&, ==, !=, @> and !", i+1, string(c))
			}
			p.toks = append(p.toks, token{tOp, op, i})
			i += len(op)
		}
	}
	p.toks = append(p.toks, token{kind: tEOF, pos: len(s)})
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) accept(op string) (token, bool) {
	if t := p.peek(); t.kind == tOp && t.text == op {
		p.i++
		return t, true
	}
	return token{}, false
}

// or, and, cmp and unary are the grammar's levels, loosest first:
//
//	or    = and { "||" and }
//	and   = cmp { "&&" cmp }
//	cmp   = unary [ ("==" | "!=" | "@>") unary ]
//	unary = "!" unary | "(" or ")" | name | string
func (p *parser) or() (node, error) {
	return p.chain("||", p.and)
}

func (p *parser) and() (node, error) {
	return p.chain("&&", p.cmp)
}

func (p *parser) chain(op string, operand func() (node, error)) (node, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.accept(op)
		if !ok {
			return l, nil
		}
		r, err := operand()
		if err != nil {
			return nil, err
		}
		for _, side := range []node{l, r} {
			if side.typ() != tBool {
				return nil, p.errAt(t, "%s joins conditions, not a %s", op, side.typ())
			}
		}
		l = binary{op, l, r}
	}
}

func (p *parser) cmp() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tOp || (t.text != "==" && t.text != "!=" && t.text != "@>") {
		return l, nil
	}
	p.i++
	r, err := p.unary()
	if err != nil {
		return nil, err
	}
	switch {
	case t.text == "@>" && (l.typ() != tList || r.typ() != tString):
		return nil, p.errAt(t, "@> needs a list on its left and a string on its right, as in tags @> 'my-tag'")
	case t.text != "@>" && (l.typ() != tString || r.typ() != tString):
		return nil, p.errAt(t, "%s compares strings, as in title == 'Overview' (use @> for tags)", t.text)
	}
	return binary{t.text, l, r}, nil
}

func (p *parser) unary() (node, error) {
	t := p.next()
	switch {
	case t.kind == tOp && t.text == "!":
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if x.typ() != tBool {
			return nil, p.errAt(t, "! negates a condition, not a %s", x.typ())
		}
		return not{x}, nil
	case t.kind == tOp && t.text == "(":
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, ok := p.accept(")"); !ok {
			return nil, p.errAt(p.peek(), "expected ) before %s", p.peek())
		}
		return x, nil
	case t.kind == tStr:
		return literal{t.text}, nil
	case t.kind == tName:
		if _, ok := names[t.text]; !ok {
			return nil, p.errAt(t, "unknown name %q: use title, tags, url, folderTitle or folderUrl (strings go in quotes)", t.text)
		}
		return name{t.text}, nil
	default:
		return nil, p.errAt(t, "expected a name or a quoted string, got %s", t)
	}
}
