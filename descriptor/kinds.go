package descriptor

import (
	"fmt"
	"strconv"

	"callboard"
)

// Kind describes one entity kind that validation accepts: its apiVersions,
// its spec fields, and which fields are entity references that emit
// relations. Kinds are data so that a caller can add its own (Backstage
// lets plugins add processors that accept more kinds).
type Kind struct {
	Name        string   // matched exactly, case-sensitively, as Backstage's kind schemas do
	APIVersions []string // the accepted apiVersion values
	Fields      []Field  // spec fields with rules; other spec keys are allowed and unchecked
	// Check, if set, runs after the field rules on a spec that passed them.
	// Its problems carry full field paths ("spec.steps[0].action") and no
	// file or line; Validate fills those in.
	Check func(spec map[string]any) []Problem
}

// Field is a rule for one spec field.
type Field struct {
	Name     string
	Type     FieldType
	Required bool
	Enum     []string // for TypeString: the allowed values, if any
	// Relation, if set, makes the field an entity reference (TypeString) or
	// a list of them (TypeStringList): each value must parse, and Edges
	// emits this relation from the entity to the target, plus its inverse.
	Relation string
	// RefKind is the kind a reference without "kind:" gets; empty means
	// references must name their kind (dependsOn, dependencyOf).
	RefKind string
}

// FieldType is the JSON type a Field must have.
type FieldType int

// The field types. Strings have a minimum length of 1, as every string in
// Backstage's kind schemas does.
const (
	TypeString             FieldType = iota + 1 // a non-empty string
	TypeStringList                              // a list of non-empty strings
	TypeObject                                  // a mapping
	TypeObjectList                              // a list of mappings
	TypeObjectOrObjectList                      // a mapping or a list of mappings (Template parameters)
)

// Kinds is a set of kinds by name. The zero value accepts nothing; start
// from CoreKinds and add to it.
type Kinds map[string]*Kind

// Add adds or replaces kinds and returns ks.
func (ks Kinds) Add(kinds ...*Kind) Kinds {
	for _, k := range kinds {
		ks[k.Name] = k
	}
	return ks
}

// coreKinds is the set the package-level functions use; never modified.
var coreKinds = CoreKinds()

// The apiVersions of Backstage's core kinds and of templates.
var (
	coreVersions     = []string{"backstage.io/v1alpha1", "backstage.io/v1beta1"}
	templateVersions = []string{"scaffolder.backstage.io/v1beta3"}
)

// CoreKinds returns a new set holding Backstage's built-in kinds
// (Component, API, Resource, System, Domain, Group, User, Location) and
// Template, with the spec rules of the kind schemas in shared/compat and
// the reference fields of spec table 1a.6.
func CoreKinds() Kinds {
	owner := Field{Name: "owner", Type: TypeString, Required: true, Relation: callboard.RelationOwnedBy, RefKind: "Group"}
	system := Field{Name: "system", Type: TypeString, Relation: callboard.RelationPartOf, RefKind: "System"}
	dependsOn := Field{Name: "dependsOn", Type: TypeStringList, Relation: callboard.RelationDependsOn}
	dependencyOf := Field{Name: "dependencyOf", Type: TypeStringList, Relation: callboard.RelationDependencyOf}
	str := func(name string, required bool) Field { return Field{Name: name, Type: TypeString, Required: required} }
	profile := Field{Name: "profile", Type: TypeObject}
	return Kinds{}.Add(
		&Kind{Name: "Component", APIVersions: coreVersions, Fields: []Field{
			str("type", true), str("lifecycle", true), owner, system,
			{Name: "subcomponentOf", Type: TypeString, Relation: callboard.RelationPartOf, RefKind: "Component"},
			{Name: "providesApis", Type: TypeStringList, Relation: callboard.RelationProvidesAPI, RefKind: "API"},
			{Name: "consumesApis", Type: TypeStringList, Relation: callboard.RelationConsumesAPI, RefKind: "API"},
			dependsOn, dependencyOf,
		}},
		&Kind{Name: "API", APIVersions: coreVersions, Fields: []Field{
			str("type", true), str("lifecycle", true), owner, str("definition", true), system,
		}},
		&Kind{Name: "Resource", APIVersions: coreVersions, Fields: []Field{
			str("type", true), owner, system, dependsOn, dependencyOf,
		}},
		&Kind{Name: "System", APIVersions: coreVersions, Fields: []Field{
			owner, str("type", false),
			{Name: "domain", Type: TypeString, Relation: callboard.RelationPartOf, RefKind: "Domain"},
		}},
		&Kind{Name: "Domain", APIVersions: coreVersions, Fields: []Field{
			owner, str("type", false),
			{Name: "subdomainOf", Type: TypeString, Relation: callboard.RelationPartOf, RefKind: "Domain"},
		}},
		&Kind{Name: "Group", APIVersions: coreVersions, Check: checkProfile, Fields: []Field{
			str("type", true), profile,
			{Name: "parent", Type: TypeString, Relation: callboard.RelationChildOf, RefKind: "Group"},
			{Name: "children", Type: TypeStringList, Required: true, Relation: callboard.RelationParentOf, RefKind: "Group"},
			{Name: "members", Type: TypeStringList, Relation: callboard.RelationHasMember, RefKind: "User"},
		}},
		// memberOf is required by User.v1alpha1.schema.json, which Backstage
		// validates against, although the TypeScript type marks it optional.
		&Kind{Name: "User", APIVersions: coreVersions, Check: checkProfile, Fields: []Field{
			profile,
			{Name: "memberOf", Type: TypeStringList, Required: true, Relation: callboard.RelationMemberOf, RefKind: "Group"},
		}},
		&Kind{Name: "Location", APIVersions: coreVersions, Fields: []Field{
			str("type", false), str("target", false),
			{Name: "targets", Type: TypeStringList},
			{Name: "presence", Type: TypeString, Enum: []string{"required", "optional"}},
		}},
		&Kind{Name: "Template", APIVersions: templateVersions, Check: checkTemplate, Fields: []Field{
			str("type", true),
			{Name: "owner", Type: TypeString, Relation: callboard.RelationOwnedBy, RefKind: "Group"},
			{Name: "parameters", Type: TypeObjectOrObjectList},
			{Name: "steps", Type: TypeObjectList, Required: true},
			{Name: "output", Type: TypeObject},
			{Name: "presentation", Type: TypeObject},
			{Name: "EXPERIMENTAL_recovery", Type: TypeObject},
			{Name: "EXPERIMENTAL_formDecorators", Type: TypeObjectList},
		}},
	)
}

// checkProfile checks spec.profile of Users and Groups: displayName, email
// and picture are non-empty strings when present.
func checkProfile(spec map[string]any) []Problem {
	p, _ := spec["profile"].(map[string]any)
	var out []Problem
	for _, k := range []string{"displayName", "email", "picture"} {
		if v, ok := p[k]; ok {
			out = append(out, checkValue("spec.profile."+k, v, TypeString)...)
		}
	}
	return out
}

// checkTemplate checks the parts of a v1beta3 Template spec that the
// scaffolder reads: each step needs an action, and output values other
// than links and text are strings.
func checkTemplate(spec map[string]any) []Problem {
	var out []Problem
	add := func(field, format string, args ...any) {
		out = append(out, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	steps, _ := spec["steps"].([]any)
	for i, s := range steps {
		step, _ := s.(map[string]any)
		at := "spec.steps[" + strconv.Itoa(i) + "]"
		if _, ok := step["action"]; !ok {
			add(at+".action", "is required; name the action to run, e.g. fetch:template")
		}
		for _, k := range []string{"id", "name", "action"} {
			if v, ok := step[k]; ok {
				if _, isStr := v.(string); !isStr {
					add(at+"."+k, "must be a string, not %s", jsonTypeName(v))
				}
			}
		}
		if v, ok := step["input"]; ok {
			if _, isMap := v.(map[string]any); !isMap {
				add(at+".input", "must be a mapping, not %s", jsonTypeName(v))
			}
		}
		if v, ok := step["if"]; ok {
			switch v.(type) {
			case string, bool:
			default:
				add(at+".if", "must be a string or a boolean, not %s", jsonTypeName(v))
			}
		}
	}
	output, _ := spec["output"].(map[string]any)
	for k, v := range output {
		at := "spec.output." + k
		switch k {
		case "links", "text":
			out = append(out, checkValue(at, v, TypeObjectList)...)
		default:
			if _, isStr := v.(string); !isStr {
				add(at, "must be a string, not %s", jsonTypeName(v))
			}
		}
	}
	return out
}

// checkValue checks that v has type t and returns problems for field, with
// list items named by index ("spec.providesApis[1]").
func checkValue(field string, v any, t FieldType) []Problem {
	bad := func(format string, args ...any) []Problem {
		return []Problem{{Field: field, Message: fmt.Sprintf(format, args...)}}
	}
	switch t {
	case TypeString:
		s, ok := v.(string)
		if !ok {
			return bad("must be a string, not %s", jsonTypeName(v))
		}
		if s == "" {
			return bad("must not be empty")
		}
	case TypeStringList, TypeObjectList:
		l, ok := v.([]any)
		if !ok {
			what := "strings"
			if t == TypeObjectList {
				what = "mappings"
			}
			return bad("must be a list of %s, not %s", what, jsonTypeName(v))
		}
		var out []Problem
		for i, x := range l {
			item := TypeString
			if t == TypeObjectList {
				item = TypeObject
			}
			out = append(out, checkValue(field+"["+strconv.Itoa(i)+"]", x, item)...)
		}
		return out
	case TypeObject:
		if _, ok := v.(map[string]any); !ok {
			return bad("must be a mapping, not %s", jsonTypeName(v))
		}
	case TypeObjectOrObjectList:
		if _, ok := v.(map[string]any); ok {
			return nil
		}
		if _, ok := v.([]any); !ok {
			return bad("must be a mapping or a list of mappings, not %s", jsonTypeName(v))
		}
		return checkValue(field, v, TypeObjectList)
	}
	return nil
}
