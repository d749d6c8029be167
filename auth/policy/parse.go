package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard"
)

// Parse parses a policy file. Every problem is reported, each as
// "file:line: field: message" (errors.Join), with kind Invalid. extra are
// the enabled binary's plugin permissions: rules may name them as they
// name the built-in ones.
func Parse(file string, data []byte, extra ...callboard.Permission) (pol *Policy, err error) {
	defer func() {
		// yaml.v3 has panicked on malformed input before.
		if r := recover(); r != nil {
			pol, err = nil, callboard.Errorf(callboard.Invalid, "%s: cannot parse YAML: %v", file, r)
		}
	}()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, callboard.Errorf(callboard.Invalid, "%s: the file is empty; a policy needs a rules list", file)
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s:%s: %s", file, m[1], m[2])
		}
		return nil, callboard.Errorf(callboard.Invalid, "%s: %s", file, msg)
	}
	p := &parser{file: file, perms: knownPermissions(extra)}
	pol = &Policy{File: file, perms: p.perms}
	root := doc.Content[0]
	if root.Kind == yaml.MappingNode && !hasKey(root, "rules") {
		p.fail(root, "rules", "missing; a policy is a mapping with a rules list")
	}
	p.mapping(root, "", map[string]func(*yaml.Node, string){
		"rules": func(n *yaml.Node, field string) {
			if n.Kind != yaml.SequenceNode {
				p.fail(n, field, "expected a list of rules")
				return
			}
			for i, item := range n.Content {
				if r := p.rule(item, fmt.Sprintf("%s[%d]", field, i)); r != nil {
					pol.Rules = append(pol.Rules, r)
				}
			}
		},
	})
	if len(p.errs) > 0 {
		return nil, &callboard.Error{Kind: callboard.Invalid, Message: "invalid policy", Err: errors.Join(p.errs...)}
	}
	return pol, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// parser collects problems with their file, line and field.
type parser struct {
	file  string
	perms map[string]string // known permissions: name to resource type
	errs  []error
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s: %s", p.file, n.Line, field, fmt.Sprintf(format, args...)))
}

// mapping walks a mapping node, calling the handler of each known key and
// reporting unknown ones.
func (p *parser) mapping(n *yaml.Node, field string, keys map[string]func(*yaml.Node, string)) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, orTop(field), "expected a mapping")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		sub := k.Value
		if field != "" {
			sub = field + "." + k.Value
		}
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
		h(v, sub)
	}
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

func (p *parser) boolean(n *yaml.Node, field string) *bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		p.fail(n, field, "expected true or false")
		return nil
	}
	return &b
}

// strs reads a string or a list of strings.
func (p *parser) strs(n *yaml.Node, field string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{p.str(n, field)}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.fail(n, field, "expected a string or a non-empty list of strings")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		out = append(out, p.str(item, fmt.Sprintf("%s[%d]", field, i)))
	}
	return out
}

// strMap reads a mapping of strings to strings.
func (p *parser) strMap(n *yaml.Node, field string) map[string]string {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		p.fail(n, field, `expected a non-empty mapping of keys to values ("*" for any value)`)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		out[k] = p.str(n.Content[i+1], field+"."+k)
	}
	return out
}

// refs reads a list of entity refs and makes them canonical.
func (p *parser) refs(n *yaml.Node, field, kind string) []string {
	var out []string
	for i, s := range p.strs(n, field) {
		if kind == "user" && strings.HasPrefix(s, "external:") {
			// Machines: the subject of a backend.auth.externalAccess token.
			out = append(out, s)
			continue
		}
		ref, err := callboard.ParseRef(s, kind, callboard.DefaultNamespace)
		if err != nil {
			p.fail(n, fmt.Sprintf("%s[%d]", field, i), "%v", err)
			continue
		}
		if !strings.EqualFold(ref.Kind, kind) {
			p.fail(n, fmt.Sprintf("%s[%d]", field, i), "%q is not a %s ref", s, kind)
			continue
		}
		out = append(out, strings.ToLower(ref.String()))
	}
	return out
}

func (p *parser) rule(n *yaml.Node, field string) *Rule {
	r := &Rule{Line: n.Line}
	decision := ""
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		"name":         func(v *yaml.Node, f string) { r.Name = p.str(v, f) },
		"permission":   func(v *yaml.Node, f string) { r.Permissions = p.permissions(v, f) },
		"resourceType": func(v *yaml.Node, f string) { r.ResourceType = p.resourceTypes(v, f) },
		"decision":     func(v *yaml.Node, f string) { decision = p.str(v, f) },
		"user":         func(v *yaml.Node, f string) { r.User = p.user(v, f) },
		"entity":       func(v *yaml.Node, f string) { r.Entity = p.entity(v, f) },
		"task":         func(v *yaml.Node, f string) { r.Task = p.creator(v, f, "isTaskOwner") },
		"location":     func(v *yaml.Node, f string) { r.Location = p.creator(v, f, "isLocationCreator") },
		"when": func(v *yaml.Node, f string) {
			src := p.str(v, f)
			if src == "" {
				return
			}
			w, err := compileWhen(src)
			if err != nil {
				p.fail(v, f, "%s", strings.ReplaceAll(err.Error(), "\n", "\n    "))
				return
			}
			r.When = w
		},
	})
	switch decision {
	case "allow", "deny":
		r.Allow = decision == "allow"
	case "":
		p.fail(n, field+".decision", "missing; use allow or deny")
	default:
		p.fail(n, field+".decision", "%q is not allow or deny", decision)
	}
	if len(r.Permissions) == 0 && len(r.ResourceType) == 0 {
		p.fail(n, field+".permission", `missing; name permissions (globs such as "catalog.entity.*" allowed) or a resourceType`)
	}
	if r.When != nil && r.When.UsesEntity && r.appliesTo(callboard.PermEntityRead, callboard.ResourceEntity) {
		p.fail(n, field+".when", "reads entity, but the rule applies to %s, whose lists are filtered in the query; "+
			"use entity conditions (entity:) for reads", callboard.PermEntityRead)
	}
	if r.When != nil && r.When.UsesEntity && !r.onEntities(p.perms) {
		p.fail(n, field+".when", "reads entity, but none of the rule's permissions is decided per entity")
	}
	if r.Entity != nil && !r.onEntities(p.perms) {
		p.fail(n, field+".entity", "entity conditions never hold for these permissions: none of them is decided per entity (resource type %s)", callboard.ResourceEntity)
	}
	for _, c := range []struct {
		field, typ string
		cond       *CreatorCond
	}{{"task", resourceTask, r.Task}, {"location", resourceLocation, r.Location}} {
		if c.cond != nil && !r.onCreators(c.typ) {
			p.fail(n, field+"."+c.field, "%s conditions never hold for these permissions: none of them is decided per %s by its creator (%s)",
				c.field, c.field, creatorPerms(c.typ))
		}
	}
	if r.onCreated() && r.Entity != nil {
		p.fail(n, field+".entity", "a rule with task or location conditions cannot also have entity conditions: no permission is decided on both")
	}
	return r
}

// onCreators reports whether some permission r applies to is decided by
// creator on resources of type typ.
func (r *Rule) onCreators(typ string) bool {
	for perm := range callboard.ByCreator {
		if callboard.Permissions[perm] == typ && r.appliesTo(perm, typ) {
			return true
		}
	}
	return false
}

// creatorPerms lists the permissions decided by creator on typ, sorted.
func creatorPerms(typ string) string {
	var out []string
	for perm := range callboard.ByCreator {
		if callboard.Permissions[perm] == typ {
			out = append(out, perm)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// creator reads a task or location condition: key (isTaskOwner or
// isLocationCreator) true or false.
func (p *parser) creator(n *yaml.Node, field, key string) *CreatorCond {
	c := &CreatorCond{}
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		key: func(v *yaml.Node, f string) { c.IsCreator = p.boolean(v, f) },
	})
	return c
}

// onEntities reports whether some permission of perms that r applies to
// is decided per entity.
func (r *Rule) onEntities(perms map[string]string) bool {
	for perm, typ := range perms {
		if typ == callboard.ResourceEntity && r.appliesTo(perm, typ) {
			return true
		}
	}
	return false
}

// permissions reads permission names and globs; each must name at least one
// known permission, so that a typo is an error and not a rule that never
// matches.
func (p *parser) permissions(n *yaml.Node, field string) []string {
	globs := p.strs(n, field)
	for i, g := range globs {
		f := field
		if n.Kind == yaml.SequenceNode {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		if _, err := path.Match(g, ""); err != nil {
			p.fail(n, f, "bad glob %q: %v", g, err)
			continue
		}
		known := false
		for perm := range p.perms {
			if ok, _ := path.Match(g, perm); ok {
				known = true
				break
			}
		}
		if !known {
			p.fail(n, f, "%q names no known permission; see the list in README (permissions)", g)
		}
	}
	return globs
}

func (p *parser) resourceTypes(n *yaml.Node, field string) []string {
	types := p.strs(n, field)
	for _, t := range types {
		known := false
		for _, typ := range p.perms {
			known = known || typ == t
		}
		if !known {
			p.fail(n, field, "%q is not a known resource type (catalog-entity, catalog-location, scaffolder-task, scaffolder-action, audit)", t)
		}
	}
	return types
}

func (p *parser) user(n *yaml.Node, field string) *UserCond {
	c := &UserCond{}
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		"groups": func(v *yaml.Node, f string) { c.Groups = p.refs(v, f, "group") },
		"ref":    func(v *yaml.Node, f string) { c.Refs = p.refs(v, f, "user") },
		"email": func(v *yaml.Node, f string) {
			for _, g := range p.strs(v, f) {
				if _, err := path.Match(g, ""); err != nil {
					p.fail(v, f, "bad glob %q: %v", g, err)
				}
				c.Emails = append(c.Emails, strings.ToLower(g))
			}
		},
		"isService":     func(v *yaml.Node, f string) { c.IsService = p.boolean(v, f) },
		"authenticated": func(v *yaml.Node, f string) { c.Authenticated = p.boolean(v, f) },
	})
	return c
}

func (p *parser) entity(n *yaml.Node, field string) *EntityCond {
	c := &EntityCond{}
	list := func(v *yaml.Node, f string) []*EntityCond {
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			p.fail(v, f, "expected a non-empty list of entity conditions")
			return nil
		}
		out := make([]*EntityCond, len(v.Content))
		for i, item := range v.Content {
			out[i] = p.entity(item, fmt.Sprintf("%s[%d]", f, i))
		}
		return out
	}
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		"isEntityOwner": func(v *yaml.Node, f string) { c.IsEntityOwner = p.boolean(v, f) },
		"kind":          func(v *yaml.Node, f string) { c.Kinds = p.strs(v, f) },
		"namespace":     func(v *yaml.Node, f string) { c.Namespaces = p.strs(v, f) },
		"lifecycle":     func(v *yaml.Node, f string) { c.Lifecycles = p.strs(v, f) },
		"type":          func(v *yaml.Node, f string) { c.Types = p.strs(v, f) },
		"tags":          func(v *yaml.Node, f string) { c.Tags = p.strs(v, f) },
		"labels":        func(v *yaml.Node, f string) { c.Labels = p.strMap(v, f) },
		"annotations":   func(v *yaml.Node, f string) { c.Annotations = p.strMap(v, f) },
		"spec":          func(v *yaml.Node, f string) { c.Spec = p.strMap(v, f) },
		"allOf":         func(v *yaml.Node, f string) { c.AllOf = list(v, f) },
		"anyOf":         func(v *yaml.Node, f string) { c.AnyOf = list(v, f) },
		"not":           func(v *yaml.Node, f string) { c.Not = p.entity(v, f) },
	})
	return c
}
