package web

import (
	"bytes"
	"callboard"
	"encoding/json"
	"slices"
	"strings"
	"unsafe"
)

// project returns the members of the JSON object raw that p keeps, encoded
// as json.Marshal encodes the map walk returns (keys sorted, values
// compacted and HTML-escaped), and whether any member was kept. It reads
// raw once without decoding it: served entities are valid JSON written by
// the catalog, and projecting a page of them was most of the cost of a
// fields= request. Malformed input keeps nothing.
func (p *projection) project(dst, raw []byte, prefix string) ([]byte, bool) {
	type member struct {
		key   string
		value []byte
	}
	var local [32]member // most objects of an entity have fewer members
	ms := local[:0]
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return dst, false
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != '}' {
		if raw[i] != '"' {
			return dst, false
		}
		end := skipString(raw, i)
		if end < 0 {
			return dst, false
		}
		key, ok := jsonKey(raw[i:end])
		if !ok {
			return dst, false
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return dst, false
		}
		i = skipSpace(raw, i+1)
		vend := skipValue(raw, i)
		if vend < 0 {
			return dst, false
		}
		ms = append(ms, member{key: key, value: raw[i:vend]})
		i = skipSpace(raw, vend)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	if i >= len(raw) {
		return dst, false
	}
	// As in a map, the last of repeated keys wins; json.Marshal sorts keys.
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	start := len(dst)
	dst = append(dst, '{')
	kept := false
	var pathBuf [128]byte // the maps are read with string(path): no allocation
	for j, m := range ms {
		if j+1 < len(ms) && ms[j+1].key == m.key {
			continue
		}
		path := pathBuf[:0]
		if prefix != "" {
			path = append(append(path, prefix...), '.')
		}
		path = append(path, m.key...)
		mark := len(dst)
		if kept {
			dst = append(dst, ',')
		}
		dst = callboard.AppendJSONString(dst, m.key)
		dst = append(dst, ':')
		switch {
		case p.want[string(path)]:
			dst = appendCompact(dst, m.value)
		case p.through[string(path)]:
			var ok bool
			if dst, ok = p.project(dst, m.value, string(path)); !ok {
				dst = dst[:mark]
				continue
			}
		default:
			dst = dst[:mark]
			continue
		}
		kept = true
	}
	if !kept {
		return dst[:start], false
	}
	return append(dst, '}'), true
}

// appendCompact appends the JSON value v as json.Marshal encodes a
// json.RawMessage: compacted, with <, >, &, U+2028 and U+2029 escaped.
// Values needing neither are copied as they are.
func appendCompact(dst, v []byte) []byte {
	inString := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '<' || c == '>' || c == '&' || c == 0xe2:
		case inString && c == '\\':
			i++
			continue
		case c == '"':
			inString = !inString
			continue
		case inString || (c != ' ' && c != '\t' && c != '\n' && c != '\r'):
			continue
		}
		b, err := json.Marshal(json.RawMessage(v))
		if err != nil {
			return append(dst, "null"...)
		}
		return append(dst, b...)
	}
	return append(dst, v...)
}

// jsonKey decodes the JSON string token tok. Without escapes the key
// shares tok's bytes, which project only reads while it runs.
func jsonKey(tok []byte) (string, bool) {
	if bytes.IndexByte(tok, '\\') < 0 {
		return unsafe.String(unsafe.SliceData(tok[1:]), len(tok)-2), true
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return "", false
	}
	return s, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string starting at b[i], or
// -1 when it is not closed.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value starting at b[i], or -1
// when it is malformed.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	case ',', '}', ']', ':':
		return -1
	}
	start := i
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	if i == start {
		return -1
	}
	return i
}
