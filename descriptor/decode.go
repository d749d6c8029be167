package descriptor

import (
	"unicode/utf8"

	"callboard"
)

// decodeDirect builds the entity from raw without going through JSON:
// the values are JSON-shaped already, and the encode/decode round trip was
// a tenth of ingest's CPU. It returns false for anything whose JSON
// decoding it does not reproduce exactly (a key decode would match only
// case-insensitively, a null inside a typed field, invalid UTF-8 that JSON
// replaces), and decode then takes the JSON path. The entity shares raw's
// spec and extra metadata values: raw is not used afterwards.
func decodeDirect(raw map[string]any) (*callboard.Entity, bool) {
	var e callboard.Entity
	for k, v := range raw {
		ok := true
		switch k {
		case "apiVersion":
			e.APIVersion, ok = optString(v)
		case "kind":
			e.Kind, ok = optString(v)
		case "metadata":
			m, isMap := v.(map[string]any)
			ok = isMap && directMetadata(m, &e.Metadata)
		case "spec":
			if v == nil {
				continue
			}
			m, isMap := v.(map[string]any)
			ok = isMap && validJSON(m)
			e.Spec = m
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
	return &e, true
}

func directMetadata(m map[string]any, md *callboard.Metadata) bool {
	for k, v := range m {
		ok := true
		switch k {
		case "uid":
			md.UID, ok = optString(v)
		case "etag":
			md.Etag, ok = optString(v)
		case "name":
			md.Name, ok = optString(v)
		case "namespace":
			md.Namespace, ok = optString(v)
		case "title":
			md.Title, ok = optString(v)
		case "description":
			md.Description, ok = optString(v)
		case "labels":
			md.Labels, ok = stringMap(v)
		case "annotations":
			md.Annotations, ok = stringMap(v)
		case "tags":
			md.Tags, ok = stringList(v)
		case "links":
			md.Links, ok = links(v)
		default:
			if !utf8.ValidString(k) || !validJSON(v) {
				return false
			}
			if md.Extra == nil {
				md.Extra = map[string]any{}
			}
			md.Extra[k] = v
		}
		if !ok {
			return false
		}
	}
	return true
}

// optString is a string field: null decodes as "".
func optString(v any) (string, bool) {
	switch s := v.(type) {
	case nil:
		return "", true
	case string:
		return s, utf8.ValidString(s)
	}
	return "", false
}

// stringMap is a map[string]string field: null is nil, {} is empty.
func stringMap(v any) (map[string]string, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, ok := x.(string)
		if !ok || !utf8.ValidString(k) || !utf8.ValidString(s) {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

func stringList(v any) ([]string, bool) {
	if v == nil {
		return nil, true
	}
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok || !utf8.ValidString(s) {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

func links(v any) ([]callboard.Link, bool) {
	if v == nil {
		return nil, true
	}
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]callboard.Link, len(l))
	for i, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		for k, f := range m {
			s, ok := f.(string)
			if !ok || !utf8.ValidString(s) {
				return nil, false
			}
			switch k {
			case "url":
				out[i].URL = s
			case "title":
				out[i].Title = s
			case "icon":
				out[i].Icon = s
			case "type":
				out[i].Type = s
			default:
				return nil, false // ignored or matched case-insensitively by JSON
			}
		}
	}
	return out, true
}

// validJSON reports whether v survives a JSON round trip unchanged: only
// JSON types, and strings and keys of valid UTF-8.
func validJSON(v any) bool {
	switch v := v.(type) {
	case nil, bool, float64:
		return true
	case string:
		return utf8.ValidString(v)
	case []any:
		for _, x := range v {
			if !validJSON(x) {
				return false
			}
		}
		return true
	case map[string]any:
		for k, x := range v {
			if !utf8.ValidString(k) || !validJSON(x) {
				return false
			}
		}
		return true
	}
	return false
}
