package params

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"callboard"

	"github.com/dlclark/regexp2/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// FieldError is one problem with one submitted value.
type FieldError struct {
	// Field is the value's path, "/"-separated: "repoUrl", "nested/field",
	// "deployEnvs/1"; "" for the values as a whole.
	Field string `json:"field"`
	// Message says what is wrong, for a person.
	Message string `json:"message"`
	// Keyword is the JSON Schema keyword that failed ("required", "pattern").
	Keyword string `json:"keyword"`
	// Page is the index of the form page the field is on.
	Page int `json:"page"`
}

// FieldErrors are the problems Validate found; nil when there are none.
type FieldErrors []FieldError

// Error lists the problems, "field: message; ...".
func (e FieldErrors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		if fe.Field == "" {
			parts[i] = fe.Message
			continue
		}
		parts[i] = fe.Field + ": " + fe.Message
	}
	return strings.Join(parts, "; ")
}

// Err returns nil when there are no problems, else an Invalid error whose
// chain holds e (errors.As(err, &FieldErrors{}) recovers it).
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return callboard.Wrap(callboard.Invalid, e, "invalid values")
}

// Validate checks values against every page's schema and returns one entry
// per problem, sorted by page and field. Values may hold Go numbers of any
// kind; they are compared as JSON numbers.
func (f *Form) Validate(values map[string]any) FieldErrors {
	if values == nil {
		values = map[string]any{}
	}
	doc := normalize(values)
	var out FieldErrors
	for i, sch := range f.compiled {
		err := sch.Validate(doc)
		if err == nil {
			continue
		}
		ve, ok := err.(*jsonschema.ValidationError)
		if !ok {
			out = append(out, FieldError{Message: err.Error(), Page: i})
			continue
		}
		for _, fe := range leaves(ve) {
			fe.Page = i
			if !slices.Contains(out, fe) {
				out = append(out, fe)
			}
		}
	}
	out = dropRedundant(out)
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Page != out[b].Page {
			return out[a].Page < out[b].Page
		}
		return out[a].Field < out[b].Field
	})
	return out
}

// compile compiles one page schema. Drafts: Backstage validates with the
// draft-07-era jsonschema library, where `dependencies` is a keyword, so
// schemas without $schema are draft 7. Formats are asserted, as there.
func compile(schema any, where string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.UseRegexpEngine(ecmaRegexp)
	c.UseLoader(noLoader{})
	const url = "callboard:///parameters.json"
	if err := c.AddResource(url, schema); err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "%s: not a JSON Schema", where)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "%s: invalid JSON Schema: %s", where, strings.ReplaceAll(err.Error(), url, ""))
	}
	return s, nil
}

// noLoader refuses $refs to other documents: a template must not make the
// server fetch URLs or read files.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("$ref to %s: only references inside the template are allowed", url)
}

// ecmaRegexp compiles JSON Schema patterns, which are ECMA-262 regular
// expressions: with Go's RE2 when it can (linear time), else with regexp2
// in ECMAScript mode, time-limited against catastrophic backtracking.
func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(s); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = 100 * time.Millisecond
	return ecma{re}, nil
}

type ecma struct{ re *regexp2.Regexp }

func (e ecma) String() string { return e.re.String() }

// MatchString treats a timed-out match as no match, so the value is refused.
func (e ecma) MatchString(s string) bool {
	ok, err := e.re.MatchString(s)
	return err == nil && ok
}

var printer = message.NewPrinter(language.English)

// leaves flattens a validation error tree into field errors.
func leaves(ve *jsonschema.ValidationError) []FieldError {
	path := strings.Join(ve.InstanceLocation, "/")
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		var out []FieldError
		for _, m := range k.Missing {
			out = append(out, FieldError{Field: join(path, m), Message: "is required", Keyword: "required"})
		}
		return out
	case *kind.Dependency:
		var out []FieldError
		for _, m := range k.Missing {
			out = append(out, FieldError{Field: join(path, m), Message: fmt.Sprintf("is required when %s is set", k.Prop), Keyword: "dependencies"})
		}
		return out
	case *kind.DependentRequired:
		var out []FieldError
		for _, m := range k.Missing {
			out = append(out, FieldError{Field: join(path, m), Message: fmt.Sprintf("is required when %s is set", k.Prop), Keyword: "dependentRequired"})
		}
		return out
	case *kind.OneOf, *kind.AnyOf:
		return choice(ve, path)
	}
	if len(ve.Causes) > 0 {
		var out []FieldError
		for _, c := range ve.Causes {
			out = append(out, leaves(c)...)
		}
		return out
	}
	kw := strings.Join(ve.ErrorKind.KeywordPath(), "/")
	return []FieldError{{Field: path, Message: describe(ve.ErrorKind), Keyword: kw}}
}

// choice reports a failed oneOf/anyOf. The usual form pattern selects a
// branch with an enum or const on a field; when exactly one branch fails
// only on other keywords, its errors are the real problems (a conditional
// field missing). Otherwise the value fits no option.
func choice(ve *jsonschema.ValidationError, path string) []FieldError {
	if one, ok := ve.ErrorKind.(*kind.OneOf); ok && len(one.Subschemas) > 1 {
		return []FieldError{{Field: path, Message: "matches more than one of the allowed options", Keyword: "oneOf"}}
	}
	var candidates [][]FieldError
	selectors := map[string]bool{}
	for _, c := range ve.Causes {
		errs := leaves(c)
		selector := false
		for _, e := range errs {
			if e.Keyword == "enum" || e.Keyword == "const" {
				selector = true
				selectors[e.Field] = true
			}
		}
		if !selector {
			candidates = append(candidates, errs)
		}
	}
	if len(candidates) == 1 {
		return candidates[0]
	}
	field := path
	if len(selectors) == 1 && len(candidates) == 0 {
		for f := range selectors {
			field = f // the field that chooses the branch has no allowed value
		}
	}
	kw := strings.Join(ve.ErrorKind.KeywordPath(), "/")
	return []FieldError{{Field: field, Message: "does not match any of the allowed options", Keyword: kw}}
}

// dropRedundant removes oneOf/anyOf reports on a field that has a more
// specific error already (an enum on the selecting field says it better).
func dropRedundant(errs FieldErrors) FieldErrors {
	var out FieldErrors
	for _, e := range errs {
		if e.Keyword == "oneOf" || e.Keyword == "anyOf" {
			if slices.ContainsFunc(errs, func(o FieldError) bool {
				return o.Field == e.Field && o.Page == e.Page && o.Keyword != e.Keyword
			}) {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

// describe words one failed keyword for a form user.
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Pattern:
		return fmt.Sprintf("must match the pattern %s", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters (it has %d)", k.Want, k.Got)
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters (it has %d)", k.Want, k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonText(w)
		}
		return "must be one of " + strings.Join(want, ", ")
	case *kind.Const:
		return "must be " + jsonText(k.Want)
	case *kind.Type:
		return fmt.Sprintf("must be of type %s (got %s)", strings.Join(k.Want, " or "), k.Got)
	case *kind.UniqueItems:
		return fmt.Sprintf("must not repeat items (items %d and %d are equal)", k.Duplicates[0], k.Duplicates[1])
	case *kind.Format:
		return fmt.Sprintf("must be a valid %s", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items", k.Want)
	case *kind.AdditionalProperties:
		return "unexpected properties " + strings.Join(k.Properties, ", ")
	}
	return k.LocalizedString(printer)
}

func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(buf.String())
}

// normalize turns values into the JSON shapes the validator expects
// (json.Number numbers, []any, map[string]any) by a JSON round trip.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return v
	}
	return doc
}
