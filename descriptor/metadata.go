package descriptor

import (
	"fmt"
	"strconv"
)

// Messages that say what a valid value looks like. They restate Backstage's
// rules (FieldFormatEntityPolicy) in words a user can act on.
const (
	nameRule      = "names are 1-63 characters of [a-zA-Z0-9], with [-_.] between them"
	namespaceRule = "namespaces are 1-63 characters of [a-z0-9], with single dashes between them"
	keyRule       = "keys are [<prefix>/]<name>: an optional lowercase DNS prefix such as example.com, then a name of 1-63 characters of [a-zA-Z0-9] with [-_.] between them"
	tagRule       = "tags are 1-63 characters of [a-z0-9+#], with single dashes between them"
)

// serverOwned are metadata keys the catalog sets; descriptors must not.
var serverOwned = []string{"uid", "etag", "generation"}

// metadata checks the metadata mapping.
func (v *validation) metadata(m map[string]any) {
	for _, k := range serverOwned {
		if _, ok := m[k]; ok {
			v.add("metadata."+k, "is set by the catalog, not by descriptors; remove it")
		}
	}
	v.metadataName(m)
	if x, ok := m["namespace"]; ok && !v.skipped("metadata.namespace") {
		if s, ok := v.str("metadata.namespace", x); ok && !ValidNamespace(s) {
			v.add("metadata.namespace", "%q is not valid; %s%s", s, namespaceRule, suggestLower(s, ValidNamespace))
		}
	}
	if x, ok := m["title"]; ok && !v.skipped("metadata.title") {
		v.str("metadata.title", x)
	}
	if x, ok := m["description"]; ok && !v.skipped("metadata.description") {
		if _, isStr := x.(string); !isStr {
			v.add("metadata.description", "must be a string, not %s", jsonTypeName(x))
		}
	}
	v.keyValues("labels", m["labels"], func(at func() string, val string) {
		if !ValidLabelValue(val) {
			v.add(at(), "%q is not a valid label value; use an empty string or 1-63 characters of [a-zA-Z0-9] with [-_.] between them", val)
		}
	})
	v.keyValues("annotations", m["annotations"], nil)
	v.tags(m["tags"])
	v.links(m["links"])
}

func (v *validation) metadataName(m map[string]any) {
	x, ok := m["name"]
	switch {
	case v.skipped("metadata.name"):
	case !ok || x == nil:
		v.add("metadata.name", "is required; %s", nameRule)
	default:
		s, isStr := x.(string)
		if !isStr {
			v.add("metadata.name", "must be a string, not %s; quote it: name: \"%v\"", jsonTypeName(x), x)
		} else if !ValidName(s) {
			v.add("metadata.name", "%q is not valid; %s", s, nameRule)
		}
	}
}

// str checks that x is a non-empty string.
func (v *validation) str(field string, x any) (string, bool) {
	s, ok := x.(string)
	if !ok {
		v.add(field, "must be a string, not %s", jsonTypeName(x))
		return "", false
	}
	if s == "" {
		v.add(field, "must not be empty; remove it or give it a value")
		return "", false
	}
	return s, true
}

// keyValues checks labels or annotations: a mapping of valid keys to
// string values; checkVal adds rules for the value (at names its field).
func (v *validation) keyValues(name string, x any, checkVal func(at func() string, val string)) {
	field := "metadata." + name
	if x == nil || v.skipped(field) {
		if x == nil {
			if _, present := v.doc.Raw["metadata"].(map[string]any)[name]; present {
				v.add(field, "must be a mapping, not null; remove it or add entries")
			}
		}
		return
	}
	m, ok := x.(map[string]any)
	if !ok {
		v.add(field, "must be a mapping of strings, not %s", jsonTypeName(x))
		return
	}
	v.eachKey(m, func(k string) {
		// The field path is built only when something needs it.
		at := func() string { return field + "." + k }
		if len(v.doc.skipped) > 0 && v.skipped(at()) {
			return
		}
		if !ValidKey(k) {
			v.add(at(), "%q is not a valid key; %s", k, keyRule)
		}
		val, isStr := m[k].(string)
		if !isStr {
			v.add(at(), "must be a string, not %s; quote the value: %s: \"%v\"", jsonTypeName(m[k]), k, displayValue(m[k]))
			return
		}
		if checkVal != nil {
			checkVal(at, val)
		}
	})
}

func displayValue(x any) string {
	if f, ok := x.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if x == nil {
		return ""
	}
	return fmt.Sprint(x)
}

func (v *validation) tags(x any) {
	if x == nil || v.skipped("metadata.tags") {
		return
	}
	l, ok := x.([]any)
	if !ok {
		v.add("metadata.tags", "must be a list of strings, not %s", jsonTypeName(x))
		return
	}
	for i, t := range l {
		at := fmt.Sprintf("metadata.tags[%d]", i)
		if s, ok := v.str(at, t); ok && !ValidTag(s) {
			v.add(at, "%q is not a valid tag; %s%s", s, tagRule, suggestLower(s, ValidTag))
		}
	}
}

func (v *validation) links(x any) {
	if x == nil || v.skipped("metadata.links") {
		return
	}
	l, ok := x.([]any)
	if !ok {
		v.add("metadata.links", "must be a list of links (mappings with a url), not %s", jsonTypeName(x))
		return
	}
	for i, item := range l {
		at := fmt.Sprintf("metadata.links[%d]", i)
		link, ok := item.(map[string]any)
		if !ok {
			v.add(at, "must be a mapping with a url, not %s", jsonTypeName(item))
			continue
		}
		if u, ok := link["url"]; !ok || u == nil {
			v.add(at+".url", "is required; every link needs a url, e.g. url: https://example.com/dashboard")
		} else if !v.skipped(at + ".url") {
			if s, ok := v.str(at+".url", u); ok && !validURL(s) {
				v.add(at+".url", "%q is not an absolute URL; include the scheme, e.g. https://", s)
			}
		}
		for _, k := range []string{"title", "icon", "type"} {
			if x, ok := link[k]; ok && !v.skipped(at+"."+k) {
				s, ok := v.str(at+"."+k, x)
				if ok && k == "icon" && !ValidName(s) {
					// FieldFormatEntityPolicy checks icons with the name rule.
					v.add(at+".icon", "%q is not a valid icon name; %s", s, nameRule)
				}
			}
		}
	}
}
