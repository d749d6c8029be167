package callboard

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AppendJSON appends the bytes json.Marshal(e) writes, without reflection:
// an ingest encodes every entity twice (its hash and its stored body), and
// encoding/json spent most of that time sorting map keys by reflection and
// re-scanning what Metadata.MarshalJSON returned. Values other than JSON's
// own types (as descriptors and stored bodies decode) go through
// encoding/json, which also reports its errors (NaN, infinities).
func (e *Entity) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"apiVersion":`...)
	b = AppendJSONString(b, e.APIVersion)
	b = append(b, `,"kind":`...)
	b = AppendJSONString(b, e.Kind)
	b = append(b, `,"metadata":`...)
	b, err := e.Metadata.appendJSON(b)
	if err != nil {
		return nil, err
	}
	if len(e.Spec) > 0 {
		b = append(b, `,"spec":`...)
		if b, err = appendJSONObject(b, e.Spec); err != nil {
			return nil, err
		}
	}
	if len(e.Relations) > 0 {
		b = append(b, `,"relations":`...)
		if b, err = appendMarshaled(b, e.Relations); err != nil {
			return nil, err
		}
	}
	if e.Status != nil {
		b = append(b, `,"status":`...)
		if b, err = appendMarshaled(b, e.Status); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSON appends what MarshalJSON returns: the named fields in
// declaration order, or, with Extra keys, every key in sorted order.
func (m *Metadata) appendJSON(b []byte) ([]byte, error) {
	if len(m.Extra) > 0 {
		return m.appendSorted(b)
	}
	b = append(b, '{')
	if m.UID != "" {
		b = AppendJSONString(append(b, `"uid":`...), m.UID)
		b = append(b, ',')
	}
	if m.Etag != "" {
		b = AppendJSONString(append(b, `"etag":`...), m.Etag)
		b = append(b, ',')
	}
	b = AppendJSONString(append(b, `"name":`...), m.Name)
	for _, f := range [...]struct{ key, v string }{
		{`,"namespace":`, m.Namespace}, {`,"title":`, m.Title}, {`,"description":`, m.Description},
	} {
		if f.v != "" {
			b = AppendJSONString(append(b, f.key...), f.v)
		}
	}
	if len(m.Labels) > 0 {
		b = appendStringMap(append(b, `,"labels":`...), m.Labels)
	}
	if len(m.Annotations) > 0 {
		b = appendStringMap(append(b, `,"annotations":`...), m.Annotations)
	}
	if len(m.Tags) > 0 {
		b = appendStrings(append(b, `,"tags":`...), m.Tags)
	}
	if len(m.Links) > 0 {
		b = appendLinks(append(b, `,"links":`...), m.Links)
	}
	return append(b, '}'), nil
}

// appendSorted writes the named fields and the Extra keys as one object in
// key order, as MarshalJSON does through a map of raw values.
func (m *Metadata) appendSorted(b []byte) ([]byte, error) {
	type field struct {
		key string
		val []byte
	}
	fields := make([]field, 0, len(m.Extra)+10)
	add := func(key string, val []byte) { fields = append(fields, field{key, val}) }
	str := func(key, v string) {
		if v != "" {
			add(key, AppendJSONString(nil, v))
		}
	}
	str("uid", m.UID)
	str("etag", m.Etag)
	add("name", AppendJSONString(nil, m.Name))
	str("namespace", m.Namespace)
	str("title", m.Title)
	str("description", m.Description)
	if len(m.Labels) > 0 {
		add("labels", appendStringMap(nil, m.Labels))
	}
	if len(m.Annotations) > 0 {
		add("annotations", appendStringMap(nil, m.Annotations))
	}
	if len(m.Tags) > 0 {
		add("tags", appendStrings(nil, m.Tags))
	}
	if len(m.Links) > 0 {
		add("links", appendLinks(nil, m.Links))
	}
	for k, v := range m.Extra {
		if metadataKnown[k] {
			continue
		}
		val, err := appendJSONValue(nil, v)
		if err != nil {
			return nil, err
		}
		add(k, val)
	}
	slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, f.key)
		b = append(append(b, ':'), f.val...)
	}
	return append(b, '}'), nil
}

func appendStringMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k)
		b = AppendJSONString(append(b, ':'), m[k])
	}
	return append(b, '}')
}

func appendStrings(b []byte, l []string) []byte {
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, s)
	}
	return append(b, ']')
}

func appendLinks(b []byte, links []Link) []byte {
	b = append(b, '[')
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(append(b, `{"url":`...), l.URL)
		for _, f := range [...]struct{ key, v string }{{`,"title":`, l.Title}, {`,"icon":`, l.Icon}, {`,"type":`, l.Type}} {
			if f.v != "" {
				b = AppendJSONString(append(b, f.key...), f.v)
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONObject appends m with its keys sorted, as encoding/json does.
func appendJSONObject(b []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(AppendJSONString(b, k), ':')
		if b, err = appendJSONValue(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return appendMarshaled(b, v) // its error
		}
		return appendFloat(b, v), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		return appendJSONObject(b, v)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		var err error
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONValue(b, x); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	return appendMarshaled(b, v)
}

func appendMarshaled(b []byte, v any) ([]byte, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, out...), nil
}

// appendFloat formats a finite float64 as encoding/json does: like
// JavaScript, exponents only for very small and very large magnitudes.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendJSONString appends s quoted as encoding/json quotes it: HTML
// characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced. The
// catalog's served JSON is built with it, byte for byte as json.Marshal
// writes it.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainJSON[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}

// plainJSON tells the ASCII bytes that json.Marshal copies into a string
// as they are: a table lookup per byte costs half of the comparisons.
var plainJSON = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
