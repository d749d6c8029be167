package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard"
	"callboard/auth/policy"
	"callboard/descriptor"
)

// policyCase is one decision a policy author expects.
type policyCase struct {
	Line       int
	Name       string
	Principal  callboard.Principal
	Permission string
	EntityRef  string            // what the table shows
	Entity     *callboard.Entity // nil for permissions on no entity
	CreatedBy  *string           // the creator of the task or location, for permissions decided by creator
	Allow      bool
}

// caseFile is the YAML of a cases file; see policyTestUsage.
type caseFile struct {
	Catalog string      `yaml:"catalog"`
	Cases   []yaml.Node `yaml:"cases"`
}

type caseYAML struct {
	Name       string    `yaml:"name"`
	User       string    `yaml:"user"`
	Groups     []string  `yaml:"groups"`
	Email      string    `yaml:"email"`
	Service    bool      `yaml:"service"`
	Permission string    `yaml:"permission"`
	Entity     yaml.Node `yaml:"entity"`
	CreatedBy  *string   `yaml:"createdBy"`
	Expect     string    `yaml:"expect"`
}

// loadCases reads a cases file and the catalog file it names; extra are
// the plugins' permissions, known besides the built-in ones. Every problem
// is reported as file:line: message.
func loadCases(file string, extra []callboard.Permission) ([]policyCase, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var cf caseFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(cf.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases; the file needs a cases list", file)
	}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	entities := map[string]*callboard.Entity{}
	if cf.Catalog != "" {
		path := cf.Catalog
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(file), path)
		}
		if entities, err = loadCatalogFile(path); err != nil {
			return nil, err
		}
	}
	var out []policyCase
	for i := range cf.Cases {
		n := &cf.Cases[i]
		var c caseYAML
		if err := decodeStrict(n, &c); err != nil {
			fail(n.Line, "cases[%d]: %v", i, err)
			continue
		}
		pc := policyCase{Line: n.Line, Name: c.Name, Permission: c.Permission}
		entityLine := keyLine(n, "entity") // c.Entity's own lines are of a re-encoded copy
		if pc.Name == "" {
			pc.Name = fmt.Sprintf("case %d", i+1)
		}
		if _, ok := callboard.Permissions[c.Permission]; !ok && !slices.ContainsFunc(extra, func(p callboard.Permission) bool { return p.Name == c.Permission }) {
			fail(n.Line, "cases[%d].permission: %q is not a known permission", i, c.Permission)
		}
		switch c.Expect {
		case "allow", "deny":
			pc.Allow = c.Expect == "allow"
		default:
			fail(n.Line, "cases[%d].expect: %q is not allow or deny", i, c.Expect)
		}
		if p, err := casePrincipal(c); err != nil {
			fail(n.Line, "cases[%d]: %v", i, err)
		} else {
			pc.Principal = p
		}
		switch c.Entity.Kind {
		case 0:
		case yaml.ScalarNode:
			ref, err := callboard.ParseRef(c.Entity.Value, "component", callboard.DefaultNamespace)
			if err != nil {
				fail(entityLine, "cases[%d].entity: %v", i, err)
				break
			}
			pc.EntityRef = strings.ToLower(ref.String())
			if pc.Entity = entities[pc.EntityRef]; pc.Entity == nil {
				fail(entityLine, "cases[%d].entity: %s is not in the catalog file%s", i, pc.EntityRef, catalogHint(cf.Catalog))
			}
		case yaml.MappingNode:
			raw, err := yaml.Marshal(&c.Entity)
			if err == nil {
				var es map[string]*callboard.Entity
				es, err = parseEntities(fmt.Sprintf("%s:%d", file, entityLine), raw)
				for ref, e := range es {
					pc.EntityRef, pc.Entity = ref, e
				}
			}
			if err != nil {
				fail(entityLine, "cases[%d].entity: %v", i, err)
			}
		default:
			fail(entityLine, "cases[%d].entity: expected an entity ref or an entity", i)
		}
		if c.CreatedBy != nil {
			line := keyLine(n, "createdBy")
			switch creator, err := caseCreator(*c.CreatedBy); {
			case !callboard.ByCreator[c.Permission]:
				fail(line, "cases[%d].createdBy: %s is not decided by who created the resource; createdBy goes with %s",
					i, c.Permission, strings.Join(byCreator(), ", "))
			case c.Entity.Kind != 0:
				fail(line, "cases[%d].createdBy: a case names an entity or a creator, not both", i)
			case err != nil:
				fail(line, "cases[%d].createdBy: %v", i, err)
			default:
				pc.CreatedBy = &creator
				pc.EntityRef = "created by " + creator
				if creator == "" {
					pc.EntityRef = "created by nobody known"
				}
			}
		}
		out = append(out, pc)
	}
	return out, errors.Join(errs...)
}

// keyLine returns the line of key's value in mapping n, or n's line.
func keyLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1].Line
		}
	}
	return n.Line
}

func catalogHint(catalog string) string {
	if catalog == "" {
		return " (the cases file names no catalog: file)"
	}
	return " " + catalog
}

func decodeStrict(n *yaml.Node, into any) error {
	// yaml.v3 checks unknown fields only in a Decoder: re-encode the node.
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// casePrincipal builds the principal of a case: the user ref (empty for
// anonymous) and its groups, as the sign-in resolver would.
func casePrincipal(c caseYAML) (callboard.Principal, error) {
	p := callboard.Principal{Email: c.Email, Service: c.Service}
	if c.User != "" {
		if c.Service {
			p.Subject = c.User // machines are "external:<subject>"
		} else {
			ref, err := callboard.ParseRef(c.User, "user", callboard.DefaultNamespace)
			if err != nil {
				return p, fmt.Errorf("user: %v", err)
			}
			p.Subject = strings.ToLower(ref.String())
			p.Ownership = append(p.Ownership, p.Subject)
		}
	}
	for _, g := range c.Groups {
		ref, err := callboard.ParseRef(g, "group", callboard.DefaultNamespace)
		if err != nil {
			return p, fmt.Errorf("groups: %v", err)
		}
		p.Ownership = append(p.Ownership, strings.ToLower(ref.String()))
	}
	return p, nil
}

// caseCreator makes a case's createdBy a subject as the server records it:
// a user ref ("jane" is user:default/jane), "external:<subject>" for a
// machine, or "" for a creator nobody knows.
func caseCreator(s string) (string, error) {
	if s == "" || strings.HasPrefix(s, "external:") {
		return s, nil
	}
	ref, err := callboard.ParseRef(s, "user", callboard.DefaultNamespace)
	if err != nil {
		return "", err
	}
	return strings.ToLower(ref.String()), nil
}

// byCreator lists callboard.ByCreator, sorted.
func byCreator() []string {
	out := make([]string, 0, len(callboard.ByCreator))
	for perm := range callboard.ByCreator {
		out = append(out, perm)
	}
	slices.Sort(out)
	return out
}

// loadCatalogFile reads the entities of a descriptor file by ref.
func loadCatalogFile(path string) (map[string]*callboard.Entity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseEntities(path, data)
}

// parseEntities validates descriptors as the catalog does and gives each
// entity the relations processing would (ownedBy from spec.owner, ...), so
// that isEntityOwner holds as it would in the catalog.
func parseEntities(file string, data []byte) (map[string]*callboard.Entity, error) {
	docs, problems := descriptor.Parse(file, data)
	out := map[string]*callboard.Entity{}
	var errs []error
	for _, p := range problems {
		errs = append(errs, errors.New(p.String()))
	}
	for _, d := range docs {
		e, problems := descriptor.Validate(d)
		for _, p := range problems {
			errs = append(errs, errors.New(p.String()))
		}
		if e == nil {
			continue
		}
		edges, _ := descriptor.Edges(e)
		ref := strings.ToLower(e.Ref().String())
		for _, ed := range edges {
			if strings.EqualFold(ed.Source, ref) {
				e.Relations = append(e.Relations, callboard.Relation{Type: ed.Type, TargetRef: ed.Target})
			}
		}
		out[ref] = e
	}
	return out, errors.Join(errs...)
}

// caseResult is one row of the table.
type caseResult struct {
	policyCase
	Got  policy.Decision
	Err  error // the decision failed (a CEL condition); the case fails
	Pass bool
}

func runCases(pol *policy.Policy, cases []policyCase) []caseResult {
	out := make([]caseResult, len(cases))
	for i, c := range cases {
		d, err := pol.Decide(c.Principal, c.Permission, c.Entity)
		if c.CreatedBy != nil {
			d, err = pol.DecideCreated(c.Principal, c.Permission, *c.CreatedBy)
		}
		out[i] = caseResult{policyCase: c, Got: d, Err: err, Pass: err == nil && d.Allow == c.Allow}
	}
	return out
}
