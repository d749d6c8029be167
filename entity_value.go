package callboard

import "unicode/utf8"

// EntityFromValue builds the entity that decoding raw's JSON would give,
// without going through JSON: raw holds JSON values already (a parsed
// descriptor, or a stored body decoded into map[string]any, which is twice
// as fast as decoding into Entity). It returns false for anything whose
// JSON decoding it does not reproduce exactly (relations and status, a key
// JSON would match only case-insensitively, a null inside a typed field,
// invalid UTF-8 that JSON replaces): the caller then decodes through JSON.
// The entity shares raw's spec and extra metadata values.
func EntityFromValue(raw map[string]any) (*Entity, bool) {
	var e Entity
	for k, v := range raw {
		ok := true
		switch k {
		case "apiVersion":
			e.APIVersion, ok = optStringValue(v)
		case "kind":
			e.Kind, ok = optStringValue(v)
		case "metadata":
			m, isMap := v.(map[string]any)
			ok = isMap && metadataFromValue(m, &e.Metadata)
		case "spec":
			if v == nil {
				continue
			}
			m, isMap := v.(map[string]any)
			ok = isMap && jsonValue(m)
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

// metadataFromValue fills md from a metadata object as Metadata's
// UnmarshalJSON would.
func metadataFromValue(m map[string]any, md *Metadata) bool {
	for k, v := range m {
		ok := true
		switch k {
		case "uid":
			md.UID, ok = optStringValue(v)
		case "etag":
			md.Etag, ok = optStringValue(v)
		case "name":
			md.Name, ok = optStringValue(v)
		case "namespace":
			md.Namespace, ok = optStringValue(v)
		case "title":
			md.Title, ok = optStringValue(v)
		case "description":
			md.Description, ok = optStringValue(v)
		case "labels":
			md.Labels, ok = stringMapValue(v)
		case "annotations":
			md.Annotations, ok = stringMapValue(v)
		case "tags":
			md.Tags, ok = stringListValue(v)
		case "links":
			md.Links, ok = linksValue(v)
		default:
			if !utf8.ValidString(k) || !jsonValue(v) {
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

// optStringValue is a string field: null decodes as "".
func optStringValue(v any) (string, bool) {
	switch s := v.(type) {
	case nil:
		return "", true
	case string:
		return s, utf8.ValidString(s)
	}
	return "", false
}

// stringMap is a map[string]string field: null is nil, {} is empty.
func stringMapValue(v any) (map[string]string, bool) {
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

func stringListValue(v any) ([]string, bool) {
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

func linksValue(v any) ([]Link, bool) {
	if v == nil {
		return nil, true
	}
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]Link, len(l))
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

// jsonValue reports whether v survives a JSON round trip unchanged: only
// JSON types, and strings and keys of valid UTF-8.
func jsonValue(v any) bool {
	switch v := v.(type) {
	case nil, bool, float64:
		return true
	case string:
		return utf8.ValidString(v)
	case []any:
		for _, x := range v {
			if !jsonValue(x) {
				return false
			}
		}
		return true
	case map[string]any:
		for k, x := range v {
			if !utf8.ValidString(k) || !jsonValue(x) {
				return false
			}
		}
		return true
	}
	return false
}
