package index

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"callboard"
)

// Backstage drops search keys longer than this and stores longer values as
// null (they still count for existence filters).
const (
	maxKeyLen   = 200
	maxValueLen = 200
)

// metadataKnown lists the metadata keys that have fields of their own in
// callboard.Metadata; Metadata.MarshalJSON ignores them in Extra.
var metadataKnown = map[string]bool{
	"uid": true, "etag": true, "name": true, "namespace": true, "title": true,
	"description": true, "labels": true, "annotations": true, "tags": true, "links": true,
}

// A walker produces the search rows of one entity as Backstage's
// buildEntitySearch does, walking the struct instead of its JSON form, and
// resolves each row to its interned pair id.
type walker struct {
	x       *Index
	path    []byte       // the current lowercased dotted key
	ids     []int32      // pair ids of the rows so far
	pending []pendingRow // value rows waiting for resolve
	low     []byte       // lowercased values of the pending rows
	touched int32        // see warm
}

// rows appends the pair ids of e's search rows to w.ids, creating keys and
// pairs as needed. Ids may repeat.
func (w *walker) rows(e *callboard.Entity) {
	w.path = w.path[:0]
	w.field("apiversion", e.APIVersion)
	w.field("kind", e.Kind)

	m := &e.Metadata
	n := w.push("metadata")
	if m.Title != "" {
		w.field("title", m.Title)
	}
	if m.Description != "" {
		w.field("description", m.Description)
	}
	if len(m.Labels) > 0 {
		w.strings("labels", m.Labels)
	}
	if len(m.Annotations) > 0 {
		w.strings("annotations", m.Annotations)
	}
	if len(m.Tags) > 0 {
		t := w.push("tags")
		for _, s := range m.Tags {
			w.leaf(s, false)
			w.item(s)
		}
		w.pop(t)
	}
	if len(m.Links) > 0 {
		l := w.push("links")
		for _, link := range m.Links {
			w.field("url", link.URL)
			if link.Title != "" {
				w.field("title", link.Title)
			}
			if link.Icon != "" {
				w.field("icon", link.Icon)
			}
			if link.Type != "" {
				w.field("type", link.Type)
			}
		}
		w.pop(l)
	}
	for k, v := range m.Extra {
		if metadataKnown[k] {
			continue
		}
		p := w.push(k)
		w.walk(v)
		w.pop(p)
	}

	// The keys Backstage always writes, so that null can be searched for.
	w.field("name", m.Name)
	ns := w.push("namespace")
	if m.Namespace == "" {
		w.leaf("", true)
		w.leaf(callboard.DefaultNamespace, false)
	} else {
		w.leaf(m.Namespace, false)
	}
	w.pop(ns)
	w.field("uid", m.UID)
	w.pop(n)

	if len(e.Spec) > 0 {
		s := w.push("spec")
		w.walk(e.Spec)
		w.pop(s)
	}

	r := w.push("relations")
	for _, rel := range e.Relations {
		w.field(rel.Type, rel.TargetRef)
	}
	w.pop(r)
}

// push appends segment k to the path and returns the length to pop back to.
func (w *walker) push(k string) int {
	n := len(w.path)
	if n > 0 {
		w.path = append(w.path, '.')
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= utf8.RuneSelf {
			w.path = append(w.path[:n+min(n, 1)], strings.ToLower(k)...)
			return n
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		w.path = append(w.path, c)
	}
	return n
}

func (w *walker) pop(n int) { w.path = w.path[:n] }

// field adds the row (path.k, v).
func (w *walker) field(k, v string) {
	n := w.push(k)
	w.leaf(v, false)
	w.pop(n)
}

// strings adds the rows of a string map under path.k.
func (w *walker) strings(k string, m map[string]string) {
	n := w.push(k)
	for k, v := range m {
		w.field(k, v)
	}
	w.pop(n)
}

// item adds the extra row (path.s, "true") of a string array item, which
// makes filters like metadata.tags.java work.
func (w *walker) item(s string) {
	n := w.push(s)
	w.leaf("true", false)
	w.pop(n)
}

// leaf adds the row (path, v), or (path, null) when null is set or v is too
// long. Rows with over-long keys are dropped. A value row waits in
// w.pending for resolve.
func (w *walker) leaf(v string, null bool) {
	if utf16Len(w.path) > maxKeyLen {
		return
	}
	x := w.x
	k, _ := x.keyID(w.path, true)
	if !null {
		lower := w.lower(v)
		if utf16Len(lower) <= maxValueLen {
			w.pending = append(w.pending, pendingRow{key: k, lower: lower, orig: v})
			return
		}
	}
	w.ids = append(w.ids, x.nullPair(k))
}

// A pendingRow is a value row whose pair is not looked up yet.
type pendingRow struct {
	key         int32
	h           uint64 // of (key, lower) in the pair table
	lower, orig string
}

// resolve appends the pairs of the pending rows to w.ids, creating those
// that are new, and ends the strings lower returned.
func (w *walker) resolve() {
	x, rows := w.x, w.pending
	for i := range rows {
		rows[i].h = x.table.hash(rows[i].key, rows[i].lower)
	}
	w.warm(rows)
	for i := range rows {
		r := &rows[i]
		w.ids = append(w.ids, x.valuePair(r.key, r.h, r.lower, r.orig))
	}
	clear(rows) // the entity's strings must not outlive it here
	w.pending, w.low = rows[:0], w.low[:0]
}

// warm loads the memory that the probes of rows will read first: each
// row's table slot, then the pair and value in the first slot of its
// probe run with its tag. At a million entities the pair table is over
// 100 MB and each probe began with a cache miss (a quarter of the index's
// time); the loads of one entity's rows are independent, so asked for
// together they overlap, and the probes then find them in the cache.
func (w *walker) warm(rows []pendingRow) {
	x, t := w.x, &w.x.table
	if len(t.slots) == 0 {
		return
	}
	mask := uint64(len(t.slots) - 1)
	var touched int32
	for i := range rows {
		j := rows[i].h & mask
		touched += t.slots[j] + int32(t.tags[j])
	}
	for i := range rows {
		tag := tagOf(rows[i].h)
		for j := rows[i].h & mask; t.slots[j] != 0; j = (j + 1) & mask {
			if t.tags[j] == tag {
				p := x.pairs.at(t.slots[j] - 1)
				touched += p.kf + int32(x.values.first(p.off, p.n))
				break
			}
		}
	}
	w.touched = touched // used, so that the loads are kept
}

// lower returns strings.ToLower(v). It lowercases ASCII into w.low rather
// than a new string; such a result is valid until resolve (valuePair
// copies what it keeps). A million-entity ingest lowercased 413 MB of
// values into garbage with strings.ToLower.
func (w *walker) lower(v string) string {
	upper := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(v)
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return v
	}
	start := len(w.low)
	w.low = append(w.low, v...)
	b := w.low[start:]
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	// A string into w.low: appends that move w.low leave it where it is.
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// walk adds the rows of a decoded JSON (or YAML) value at the current path.
func (w *walker) walk(v any) {
	switch v := v.(type) {
	case nil:
		w.leaf("", true)
	case string:
		w.leaf(v, false)
	case bool:
		w.leaf(strconv.FormatBool(v), false)
	case float64:
		w.leaf(jsNumber(v, 64), false)
	case float32:
		w.leaf(jsNumber(float64(v), 32), false)
	case int:
		w.leaf(strconv.Itoa(v), false)
	case int64:
		w.leaf(strconv.FormatInt(v, 10), false)
	case int32:
		w.leaf(strconv.FormatInt(int64(v), 10), false)
	case uint64:
		w.leaf(strconv.FormatUint(v, 10), false)
	case json.Number:
		if f, err := v.Float64(); err == nil {
			w.leaf(jsNumber(f, 64), false)
		} else {
			w.leaf(v.String(), false)
		}
	case map[string]any:
		for k, val := range v {
			n := w.push(k)
			w.walk(val)
			w.pop(n)
		}
	case map[string]string:
		for k, val := range v {
			w.field(k, val)
		}
	case []any:
		for _, item := range v {
			w.walk(item)
			if s, ok := item.(string); ok {
				w.item(s)
			}
		}
	case []string:
		for _, s := range v {
			w.leaf(s, false)
			w.item(s)
		}
	case []map[string]any:
		for _, item := range v {
			w.walk(item)
		}
	default:
		// Anything else is indexed as its JSON form would be; values that
		// do not marshal give no rows, as in an entity that could not be
		// stored.
		b, err := json.Marshal(v)
		if err != nil {
			return
		}
		var a any
		if json.Unmarshal(b, &a) == nil {
			w.walk(a)
		}
	}
}

// jsNumber formats f as JavaScript's String(number) does.
func jsNumber(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	if a := math.Abs(f); a < 1e21 && a >= 1e-6 {
		return strconv.FormatFloat(f, 'f', -1, bits)
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // 1e+21, 1.5e-07
	i := strings.IndexByte(s, 'e') + 2
	j := i
	for j < len(s)-1 && s[j] == '0' {
		j++
	}
	return s[:i] + s[j:]
}

// utf16Len returns the length of s in UTF-16 code units, as JavaScript's
// String.length counts.
func utf16Len[T string | []byte](s T) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n := 0
			for _, r := range string(s) {
				if r >= 0x10000 {
					n++
				}
				n++
			}
			return n
		}
	}
	return len(s)
}
