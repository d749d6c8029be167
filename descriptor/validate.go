package descriptor

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"callboard"
)

// Validate checks a doc with the core kinds; see Kinds.Validate.
func Validate(d *Doc) (*callboard.Entity, []Problem) { return coreKinds.Validate(d) }

// rootFields are the keys Backstage's NoForeignRootFieldsEntityPolicy
// allows. relations and status are allowed by that policy but are
// server-owned, so we reject them in descriptors (spec 1a.1).
var rootFields = map[string]bool{
	"apiVersion": true, "kind": true, "metadata": true, "spec": true, "relations": true, "status": true,
}

// Validate checks a doc against Backstage's rules: the entity envelope,
// foreign and server-owned root fields, the metadata field formats, the
// kind's apiVersion and its spec fields, and that reference fields parse.
// It returns the entity decoded from d.Raw, with metadata.namespace set to
// "default" when absent (Backstage's DefaultNamespaceEntityPolicy), or nil
// and the problems, each naming its field and line. Placeholders that
// ResolvePlaceholders skipped on purpose pass any type check and decode as
// null.
func (ks Kinds) Validate(d *Doc) (*callboard.Entity, []Problem) {
	v := &validation{doc: d}
	raw := d.Raw
	v.eachKey(raw, func(k string) {
		switch {
		case k == "relations" || k == "status":
			v.add(k, "is set by the catalog, not by descriptors; remove it")
		case !rootFields[k]:
			v.add(k, "is not an entity field; only apiVersion, kind, metadata and spec may appear at the top level (move it under spec or metadata)")
		}
	})
	apiVersion, okVersion := v.requiredString("apiVersion", raw, "e.g. apiVersion: backstage.io/v1alpha1")
	if okVersion && !ValidAPIVersion(apiVersion) {
		okVersion = false
		v.add("apiVersion", "%q is not a valid apiVersion; use [<dns-name>/]<version> with at most one \"/\", e.g. backstage.io/v1alpha1", apiVersion)
	}
	kind, okKind := v.requiredString("kind", raw, "e.g. kind: Component")
	if okKind && !ValidKind(kind) {
		okKind = false
		v.add("kind", "%q is not a valid kind; kinds are 1-63 letters and digits starting with a letter, e.g. Component", kind)
	}
	if md, ok := raw["metadata"]; !ok {
		v.add("metadata", "is required; add metadata with at least a name")
	} else if m, ok := md.(map[string]any); !ok && !v.skipped("metadata") {
		v.add("metadata", "must be a mapping, not %s", jsonTypeName(md))
	} else if ok {
		v.metadata(m)
	}
	spec, hasSpec := raw["spec"]
	specMap, specIsMap := spec.(map[string]any)
	if hasSpec && !specIsMap && !v.skipped("spec") {
		v.add("spec", "must be a mapping, not %s", jsonTypeName(spec))
	}
	if okKind {
		k := ks[kind]
		switch {
		case k == nil:
			v.add("kind", "kind %q is not supported; use one of %s%s", kind, strings.Join(ks.names(), ", "), ks.caseHint(kind))
		case okVersion && !slices.Contains(k.APIVersions, apiVersion):
			v.add("apiVersion", "%q is not an apiVersion of kind %s; use %s", apiVersion, kind, strings.Join(k.APIVersions, " or "))
		case !hasSpec:
			v.add("spec", "is required for kind %s", kind)
		case specIsMap:
			v.spec(k, specMap)
		}
	}
	if len(v.problems) > 0 {
		sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Line < v.problems[j].Line })
		return nil, v.problems
	}
	e, err := decode(d)
	if err != nil {
		return nil, []Problem{{File: d.File, Line: d.Line, Message: err.Error()}}
	}
	return e, nil
}

// decode turns d.Raw into an entity through JSON, as Backstage's entities
// are JSON. Skipped placeholders become null so that typed fields decode.
func decode(d *Doc) (*callboard.Entity, error) {
	raw := any(d.Raw)
	if len(d.skipped) > 0 {
		raw = replacePlaceholders(d.Raw, "", func(field string, _ map[string]any) (any, bool) {
			_, skip := d.skipped[field]
			return nil, skip
		})
	}
	if m, ok := raw.(map[string]any); ok {
		if e, ok := callboard.EntityFromValue(m); ok {
			if e.Metadata.Namespace == "" {
				e.Metadata.Namespace = callboard.DefaultNamespace
			}
			return e, nil
		}
	}
	return decodeJSON(raw)
}

// decodeJSON is decode's general path, through encoding/json.
func decodeJSON(raw any) (*callboard.Entity, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("cannot encode entity as JSON: %v", err)
	}
	var e callboard.Entity
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("cannot decode entity: %v", err)
	}
	if e.Metadata.Namespace == "" {
		e.Metadata.Namespace = callboard.DefaultNamespace
	}
	return &e, nil
}

// validation collects the problems of one Validate call.
type validation struct {
	doc      *Doc
	problems []Problem
}

func (v *validation) add(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{
		File: v.doc.File, Line: v.doc.LineOf(field), Field: field, Message: fmt.Sprintf(format, args...),
	})
}

func (v *validation) addAll(ps []Problem) {
	for _, p := range ps {
		if !v.skipped(p.Field) {
			v.add(p.Field, "%s", p.Message)
		}
	}
}

// skipped reports whether field holds a placeholder left unread on purpose.
func (v *validation) skipped(field string) bool {
	_, ok := v.doc.skipped[field]
	return ok
}

// requiredString reads a required string field of m (a root field).
func (v *validation) requiredString(field string, m map[string]any, example string) (string, bool) {
	x, ok := m[field]
	if !ok || x == nil {
		v.add(field, "is required (%s)", example)
		return "", false
	}
	s, ok := x.(string)
	if !ok {
		v.add(field, "must be a string, not %s", jsonTypeName(x))
		return "", false
	}
	if s == "" {
		v.add(field, "must not be empty (%s)", example)
		return "", false
	}
	return s, true
}

// spec checks the kind's field rules, then reference syntax, then Check.
func (v *validation) spec(k *Kind, spec map[string]any) {
	before := len(v.problems)
	for _, f := range k.Fields {
		field := "spec." + f.Name
		x, ok := spec[f.Name]
		if v.skipped(field) {
			continue
		}
		if !ok {
			if f.Required {
				v.add(field, "is required for kind %s%s", k.Name, requiredHint(f))
			}
			continue
		}
		if ps := checkValue(field, x, f.Type); len(ps) > 0 {
			v.addAll(ps)
			continue
		}
		if s, isStr := x.(string); isStr && len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			v.add(field, "%q is not allowed; use one of %s", s, strings.Join(f.Enum, ", "))
		}
		if f.Relation != "" {
			for i, ref := range refValues(x) {
				at := field
				if _, isList := x.([]any); isList {
					at = fmt.Sprintf("%s[%d]", field, i)
				}
				if _, err := callboard.ParseRef(ref, f.RefKind, ""); err != nil {
					v.add(at, "%s", refMessage(ref, f))
				}
			}
		}
	}
	if k.Check != nil && len(v.problems) == before {
		v.addAll(k.Check(spec))
	}
}

// requiredHint tells the user what a missing required field should hold.
func requiredHint(f Field) string {
	switch {
	case f.Type == TypeStringList && f.Relation != "":
		return fmt.Sprintf("; list %s references, or write %s: [] for none", strings.ToLower(f.RefKind), f.Name)
	case f.Relation != "":
		return fmt.Sprintf("; name the %s, e.g. %s: team-a", strings.ToLower(f.RefKind), f.Name)
	case f.Name == "definition":
		return "; inline it or load it with definition: {$text: ./openapi.yaml}"
	case f.Name == "steps":
		return "; list the actions to run, e.g. - action: fetch:template"
	}
	return ""
}

// refMessage explains why a reference did not parse.
func refMessage(ref string, f Field) string {
	if f.RefKind == "" && !strings.Contains(strings.SplitN(ref, "/", 2)[0], ":") && ref != "" {
		return fmt.Sprintf("%q must name its kind, e.g. \"component:%s\" or \"resource:%s\"", ref, ref, ref)
	}
	kind := strings.ToLower(f.RefKind)
	if kind == "" {
		kind = "component"
	}
	return fmt.Sprintf("%q is not a valid entity reference; use [<kind>:][<namespace>/]<name>, e.g. %s:default/my-%s", ref, kind, kind)
}

// refValues returns the strings of a reference field: one for a string,
// each item for a list.
func refValues(x any) []string {
	switch x := x.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, s := range x {
			str, _ := s.(string)
			out = append(out, str)
		}
		return out
	}
	return nil
}

// names returns the kind names, sorted.
func (ks Kinds) names() []string {
	out := make([]string, 0, len(ks))
	for n := range ks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// caseHint suggests the right spelling when kind differs only in case,
// because Backstage matches kinds case-sensitively and users trip on it.
func (ks Kinds) caseHint(kind string) string {
	for n := range ks {
		if strings.EqualFold(n, kind) {
			return fmt.Sprintf(" (kinds are case-sensitive: did you mean %q?)", n)
		}
	}
	return ""
}

// eachKey runs check on each key of m. Its problems come in key order:
// when the first pass, in map order, finds any, they are redone sorted.
// Most mappings have none, and skip the sort.
func (v *validation) eachKey(m map[string]any, check func(k string)) {
	before := len(v.problems)
	for k := range m {
		check(k)
	}
	if len(v.problems) == before {
		return
	}
	v.problems = v.problems[:before]
	for _, k := range sortedKeys(m) {
		check(k)
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
