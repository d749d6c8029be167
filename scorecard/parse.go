package scorecard

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard"
)

// A scorecard file holds one scorecard per YAML document:
//
//	id: service-completeness
//	title: Service information completeness
//	description: What a newcomer needs to find and run the service.
//	filter: {kind: Component}           # or a list of such sets (any of)
//	levels:
//	  - name: bronze
//	    checks:
//	      - id: owner
//	        title: Has an owner
//	        why: Someone answers for it.
//	        fix: Set spec.owner to the team that runs it.
//	        field: spec.owner
//	        expression: has(entity.spec.owner)

// Parse reads the scorecards of one file. Structural problems (an unknown
// key, a missing id or title, a duplicate ID) fail the file with every
// problem as "file:line: field: message". An expression that does not
// compile does not: its check fails when evaluated, and Parse returns it
// as a warning in the same form.
func Parse(file string, data []byte) (cards []*Scorecard, warnings []string, err error) {
	defer func() {
		// yaml.v3 has panicked on malformed input before.
		if r := recover(); r != nil {
			cards, warnings, err = nil, nil, callboard.Errorf(callboard.Invalid, "%s: cannot parse YAML: %v", file, r)
		}
	}()
	p := &parser{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLine.FindStringSubmatch(msg); m != nil {
				return nil, nil, callboard.Errorf(callboard.Invalid, "%s:%s: %s", file, m[1], m[2])
			}
			return nil, nil, callboard.Errorf(callboard.Invalid, "%s: %s", file, msg)
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue
		}
		if s := p.scorecard(doc.Content[0]); s != nil {
			cards = append(cards, s)
		}
	}
	if len(cards) == 0 && len(p.errs) == 0 {
		return nil, nil, callboard.Errorf(callboard.Invalid, "%s: the file holds no scorecard", file)
	}
	if len(p.errs) > 0 {
		return nil, nil, &callboard.Error{Kind: callboard.Invalid, Err: errors.Join(p.errs...)}
	}
	return cards, p.warnings, nil
}

var (
	yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)
	// idPattern is the shape of scorecard and check IDs: they appear in
	// URLs and filters.
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
)

// parser collects problems with their file, line and field.
type parser struct {
	file     string
	errs     []error
	warnings []string
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s: %s", p.file, n.Line, field, fmt.Sprintf(format, args...)))
}

// mapping walks a mapping node, calling the handler of each known key,
// reporting unknown ones and missing required ones.
func (p *parser) mapping(n *yaml.Node, field string, required []string, keys map[string]func(*yaml.Node, string)) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, orTop(field), "expected a mapping")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		sub := join(field, k.Value)
		h, ok := keys[k.Value]
		if !ok {
			known := make([]string, 0, len(keys))
			for name := range keys {
				known = append(known, name)
			}
			slices.Sort(known)
			p.fail(k, sub, "unknown key; known keys are %s", strings.Join(known, ", "))
			continue
		}
		seen[k.Value] = true
		h(v, sub)
	}
	for _, r := range required {
		if !seen[r] {
			p.fail(n, join(field, r), "missing")
		}
	}
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func orTop(field string) string {
	if field == "" {
		return "(top level)"
	}
	return field
}

func (p *parser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, field, "expected a string")
		return ""
	}
	return n.Value
}

func (p *parser) id(n *yaml.Node, field string) string {
	s := p.str(n, field)
	if s != "" && !idPattern.MatchString(s) {
		p.fail(n, field, "%q is not an ID: use lower-case letters, digits, dots, dashes and underscores", s)
	}
	return s
}

func (p *parser) scorecard(n *yaml.Node) *Scorecard {
	s := &Scorecard{File: p.file, Line: n.Line}
	before := len(p.errs)
	checkIDs := map[string]bool{}
	p.mapping(n, "", []string{"id", "title", "levels"}, map[string]func(*yaml.Node, string){
		"id":          func(v *yaml.Node, f string) { s.ID = p.id(v, f) },
		"title":       func(v *yaml.Node, f string) { s.Title = p.str(v, f) },
		"description": func(v *yaml.Node, f string) { s.Description = p.str(v, f) },
		"filter":      func(v *yaml.Node, f string) { s.Filter = p.filter(v, f) },
		"levels": func(v *yaml.Node, f string) {
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				p.fail(v, f, "expected a non-empty list of levels")
				return
			}
			names := map[string]bool{}
			for i, item := range v.Content {
				l := p.level(item, fmt.Sprintf("%s[%d]", f, i), checkIDs)
				if l.Name != "" && names[l.Name] {
					p.fail(item, fmt.Sprintf("%s[%d].name", f, i), "level %q is defined twice", l.Name)
				}
				names[l.Name] = true
				s.Levels = append(s.Levels, l)
			}
		},
	})
	if len(p.errs) > before {
		return nil
	}
	return s
}

func (p *parser) level(n *yaml.Node, field string, checkIDs map[string]bool) Level {
	var l Level
	p.mapping(n, field, []string{"name", "checks"}, map[string]func(*yaml.Node, string){
		"name": func(v *yaml.Node, f string) { l.Name = p.id(v, f) },
		"checks": func(v *yaml.Node, f string) {
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				p.fail(v, f, "expected a non-empty list of checks")
				return
			}
			for i, item := range v.Content {
				cf := fmt.Sprintf("%s[%d]", f, i)
				c := p.check(item, cf)
				if c.ID != "" && checkIDs[c.ID] {
					p.fail(item, cf+".id", "check %q is defined twice in this scorecard", c.ID)
				}
				checkIDs[c.ID] = true
				l.Checks = append(l.Checks, c)
			}
		},
	})
	return l
}

func (p *parser) check(n *yaml.Node, field string) *Check {
	c := &Check{Line: n.Line}
	var exprNode *yaml.Node
	p.mapping(n, field, []string{"id", "title", "expression"}, map[string]func(*yaml.Node, string){
		"id":    func(v *yaml.Node, f string) { c.ID = p.id(v, f) },
		"title": func(v *yaml.Node, f string) { c.Title = p.str(v, f) },
		"why":   func(v *yaml.Node, f string) { c.Why = p.str(v, f) },
		"fix":   func(v *yaml.Node, f string) { c.Fix = p.str(v, f) },
		"field": func(v *yaml.Node, f string) { c.Field = p.str(v, f) },
		"expression": func(v *yaml.Node, f string) {
			c.Expression, exprNode = p.str(v, f), v
		},
	})
	if exprNode != nil && c.Expression != "" {
		c.Line = exprNode.Line
		c.expr = compile(c.Expression)
		if c.expr.err != nil {
			p.warnings = append(p.warnings, fmt.Sprintf("%s:%d: %s.expression: %v", p.file, exprNode.Line, field, c.expr.err))
		}
	}
	return c
}

// filter reads a set of key: value(s), or a list of such sets.
func (p *parser) filter(n *yaml.Node, field string) Filter {
	if n.Kind == yaml.SequenceNode {
		var f Filter
		for i, item := range n.Content {
			f = append(f, p.filterSet(item, fmt.Sprintf("%s[%d]", field, i)))
		}
		return f
	}
	return Filter{p.filterSet(n, field)}
}

func (p *parser) filterSet(n *yaml.Node, field string) map[string][]string {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		p.fail(n, field, "expected a mapping of keys to a value or a list of values (kind: Component)")
		return nil
	}
	set := map[string][]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		f := field + "." + k
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			set[k] = nil // the key must exist
		case v.Kind == yaml.ScalarNode:
			set[k] = []string{v.Value}
		case v.Kind == yaml.SequenceNode && len(v.Content) > 0:
			for j, item := range v.Content {
				set[k] = append(set[k], p.str(item, fmt.Sprintf("%s[%d]", f, j)))
			}
		default:
			p.fail(v, f, "expected a value or a non-empty list of values")
		}
	}
	return set
}

//go:embed default.yaml
var defaultYAML []byte

// DefaultFile names the built-in scorecard in messages.
const DefaultFile = "built-in:service-completeness.yaml"

// DefaultID is the ID of the built-in scorecard.
const DefaultID = "service-completeness"

// Default returns the built-in scorecard, service information
// completeness.
func Default() *Scorecard {
	cards, _, err := Parse(DefaultFile, defaultYAML)
	if err != nil || len(cards) != 1 {
		panic(fmt.Sprintf("scorecard: the built-in scorecard does not parse: %v", err)) // a bug, caught by its test
	}
	return cards[0]
}

// Load reads the scorecard files in order, after the built-in scorecard
// when builtin is true. A file that cannot be read or parsed fails the
// load with its problems; two scorecards with one ID fail it too.
func Load(files []string, builtin bool) (*Set, error) {
	set := &Set{}
	if builtin {
		set.Scorecards = append(set.Scorecards, Default())
	}
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		cards, warnings, err := Parse(f, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		set.Warnings = append(set.Warnings, warnings...)
		for _, s := range cards {
			if other := set.Get(s.ID); other != nil {
				errs = append(errs, fmt.Errorf("%s:%d: id: scorecard %q is defined in %s:%d too", s.File, s.Line, s.ID, other.File, other.Line))
				continue
			}
			set.Scorecards = append(set.Scorecards, s)
		}
	}
	if len(errs) > 0 {
		return nil, &callboard.Error{Kind: callboard.Invalid, Err: errors.Join(errs...)}
	}
	return set, nil
}
