package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// projectRaw applies the fields parameter to served JSON without decoding
// more than the selected subtrees; no fields returns raws unchanged.
func projectRaw(raws []json.RawMessage, fields []string) []json.RawMessage {
	if len(fields) == 0 {
		return raws
	}
	paths := make([][]string, len(fields))
	for i, f := range fields {
		paths[i] = strings.Split(f, ".")
	}
	out := make([]json.RawMessage, len(raws))
	for i, raw := range raws {
		if raw == nil {
			continue
		}
		kept := map[string]any{}
		for _, p := range paths {
			copyRawPath(kept, raw, p)
		}
		b, err := json.Marshal(kept)
		if err != nil {
			continue
		}
		out[i] = b
	}
	return out
}

// copyRawPath copies the value at path in the JSON object src into dst.
// Keys may contain dots (annotation keys), so longer joined keys are tried
// when a single segment is absent.
func copyRawPath(dst map[string]any, src json.RawMessage, path []string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(src, &obj) != nil {
		return
	}
	for n := len(path); n >= 1; n-- {
		key := strings.Join(path[:n], ".")
		v, ok := obj[key]
		if !ok {
			continue
		}
		if n == len(path) {
			dst[key] = v
			return
		}
		sub, _ := dst[key].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
		}
		copyRawPath(sub, v, path[n:])
		if len(sub) > 0 {
			dst[key] = sub
		}
		return
	}
}

// writeRawList writes a JSON array of raws ("null" for nil items).
func writeRawList(buf *bytes.Buffer, raws []json.RawMessage) {
	buf.WriteByte('[')
	for i, r := range raws {
		if i > 0 {
			buf.WriteByte(',')
		}
		if r == nil {
			buf.WriteString("null")
		} else {
			buf.Write(r)
		}
	}
	buf.WriteByte(']')
}

// writeRaw sends pre-encoded JSON.
func writeRaw(w http.ResponseWriter, status int, buf *bytes.Buffer) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteByte('\n')
	_, _ = w.Write(buf.Bytes())
	return nil
}

// writePage writes the by-query response shape.
func writePage(w http.ResponseWriter, items []json.RawMessage, total int, pageInfo map[string]string) error {
	var buf bytes.Buffer
	buf.WriteString(`{"items":`)
	writeRawList(&buf, items)
	info, _ := json.Marshal(pageInfo)
	buf.WriteString(`,"totalItems":`)
	buf.WriteString(jsonInt(total))
	buf.WriteString(`,"pageInfo":`)
	buf.Write(info)
	buf.WriteByte('}')
	return writeRaw(w, http.StatusOK, &buf)
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
