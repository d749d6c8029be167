package descriptor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard"
)

// ReadFunc reads a placeholder target: an http(s) URL or an absolute file
// path. It returns an error of kind callboard.Forbidden for targets outside
// the allowed hosts or paths and callboard.NotFound when the target is
// missing; the message of such a classified error is shown as it is. An error wrapping ErrSkip leaves the placeholder unread without
// a problem (the validate command does this for URLs).
type ReadFunc func(ctx context.Context, target string) ([]byte, error)

// ErrSkip, returned (or wrapped) by a ReadFunc, means "do not read this
// target now": the placeholder stays in Raw, Doc.Skipped lists its field,
// and Validate accepts it in place of any value.
var ErrSkip = errors.New("placeholder not read")

// resolvers are the placeholder keys Backstage's catalog knows.
var resolvers = map[string]bool{"$text": true, "$json": true, "$yaml": true}

// ResolvePlaceholders replaces {$text: X}, {$json: X} and {$yaml: X}
// values anywhere in d.Raw with the text, or the parsed JSON or YAML, that
// X points at. Like Backstage's PlaceholderProcessor it leaves alone
// objects with other $-keys (such as "$ref" in a template's JSON Schema),
// objects that mix $-keys with others, and placeholders whose value is not
// a string; and it does not look for placeholders inside what it read.
//
// A relative X resolves against base, the location of the file: for an
// absolute file path, relative to its directory; for an http(s) URL, by URL
// resolution. (Backstage rejects relative placeholders in file locations;
// we resolve them and leave the security decision to read.)
//
// Each failure is a Problem naming the field. The field then keeps prev's
// value at the same path when prev has one (the last good value, as
// Backstage keeps the last good entity), or is removed.
//
// The document's Limits apply: with more placeholders than MaxPlaceholders
// nothing is read, and reading stops at the placeholder that takes the
// document past MaxBytes. Either way d.Raw is left as it was, the problem
// names the limit, and d.OverLimit reports true: the document must be
// rejected. Pass read through a ReadCache to read a repeated target once.
func ResolvePlaceholders(ctx context.Context, d *Doc, base string, read ReadFunc, prev *callboard.Entity) []Problem {
	lim := d.limits.withDefaults()
	if n := countPlaceholders(d.Raw); n > lim.MaxPlaceholders {
		d.overLimit = true
		return []Problem{{File: d.File, Line: d.Line, Message: fmt.Sprintf(
			"%d placeholders, over %s (%d); none was read and the entity is rejected", n, placeholdersKey, lim.MaxPlaceholders)}}
	}
	used := d.size
	var problems []Problem
	// prev as JSON, built when a read first fails: most refreshes read
	// every placeholder and never look at it.
	var prevRaw any
	prevOnce := false
	lastGood := func(field string) (any, bool) {
		if !prevOnce && prev != nil {
			prevOnce = true
			if b, err := json.Marshal(prev); err == nil {
				_ = json.Unmarshal(b, &prevRaw)
			}
		}
		return lookup(prevRaw, field)
	}
	out := replacePlaceholders(d.Raw, "", func(field string, ph map[string]any) (any, bool) {
		if d.overLimit {
			return nil, false
		}
		key, x := onlyEntry(ph)
		v, size, err := resolve(ctx, key, x, base, read, lim.MaxBytes-used, lim.MaxPlaceholderBytes)
		used += size
		if used > lim.MaxBytes {
			d.overLimit = true
			problems = append(problems, Problem{File: d.File, Line: d.LineOf(field), Field: field, Message: fmt.Sprintf(
				"%s %s: placeholders make the entity %s, over %s (%s); the entity is rejected",
				key, x, formatOver(used, lim.MaxBytes), bytesKey, formatBytes(lim.MaxBytes))})
			return nil, false
		}
		if err == nil {
			return v, true
		}
		if errors.Is(err, ErrSkip) {
			if d.skipped == nil {
				d.skipped = map[string][2]string{}
			}
			d.skipped[field] = [2]string{key, x}
			return nil, false
		}
		msg := fmt.Sprintf("%s %s: %s", key, x, err)
		if old, ok := lastGood(field); ok {
			problems = append(problems, Problem{File: d.File, Line: d.LineOf(field), Field: field, Message: msg + "; kept the last good value"})
			return old, true
		}
		problems = append(problems, Problem{File: d.File, Line: d.LineOf(field), Field: field, Message: msg})
		return removed, true
	})
	if m, ok := out.(map[string]any); ok && !d.overLimit {
		d.Raw = m
	}
	return problems
}

// countPlaceholders counts the placeholders ResolvePlaceholders would read.
func countPlaceholders(v any) int {
	switch v := v.(type) {
	case map[string]any:
		if isPlaceholder(v) {
			return 1
		}
		if hasDollarKey(v) {
			return 0
		}
		n := 0
		for _, x := range v {
			n += countPlaceholders(x)
		}
		return n
	case []any:
		n := 0
		for _, x := range v {
			n += countPlaceholders(x)
		}
		return n
	}
	return 0
}

// Skipped is a placeholder left unread because the ReadFunc returned
// ErrSkip.
type Skipped struct {
	Field  string // e.g. "spec.definition"
	Key    string // "$text", "$json" or "$yaml"
	Target string // as written in the file
}

// Skipped returns the placeholders left unread, sorted by field.
func (d *Doc) Skipped() []Skipped {
	out := make([]Skipped, 0, len(d.skipped))
	for f, ph := range d.skipped {
		out = append(out, Skipped{Field: f, Key: ph[0], Target: ph[1]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// resolve reads one placeholder and converts what it read. size is what
// the placeholder adds to the document: the bytes read or, for $yaml whose
// aliases expand, the bytes of the expanded value. Past room it stops
// converting and returns a size over room.
func resolve(ctx context.Context, key, x, base string, read ReadFunc, room, maxTarget int64) (v any, size int64, err error) {
	target, err := resolveTarget(base, x)
	if err != nil {
		return nil, 0, err
	}
	data, err := read(ctx, target)
	size = int64(len(data))
	if err != nil {
		if errors.Is(err, ErrSkip) {
			return nil, 0, err
		}
		// A classified error is shown as it is: the reader names the
		// target as users may see it (the catalog never shows server
		// paths), and the problem names the placeholder already.
		msg := callboard.ErrorMessage(err)
		if callboard.ErrorKind(err) == callboard.Internal {
			msg = err.Error() // a plain error from the caller's reader
			if !strings.Contains(msg, target) {
				msg = "cannot read " + target + ": " + msg
			}
		}
		return nil, 0, errors.New(msg)
	}
	if size > maxTarget {
		return nil, 0, fmt.Errorf("%s is larger than %s (%s)", target, placeholderKey, formatBytes(maxTarget))
	}
	if size > room {
		return nil, size, nil // over the limit: not worth converting
	}
	switch key {
	case "$text":
		return string(data), size, nil
	case "$json":
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, size, fmt.Errorf("%s is not valid JSON: %v", target, err)
		}
		return v, size, nil
	default: // $yaml
		v, expanded, err := parseYAMLValue(target, data, room)
		return v, max(size, expanded), err
	}
}

// resolveTarget makes x absolute against base.
func resolveTarget(base, x string) (string, error) {
	if u, err := url.Parse(x); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return x, nil
	}
	if strings.HasPrefix(x, "/") && !strings.HasPrefix(base, "http") {
		// A descriptor names files next to it; an absolute path could
		// name any file on the server, wherever the location's root is.
		return "", fmt.Errorf("refused: an absolute path; write a path relative to this file, inside its location")
	}
	switch {
	case strings.HasPrefix(base, "http://") || strings.HasPrefix(base, "https://"):
		b, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("cannot resolve against %s: %v", base, err)
		}
		r, err := url.Parse(x)
		if err != nil {
			return "", fmt.Errorf("not a valid relative URL: %v", err)
		}
		return b.ResolveReference(r).String(), nil
	case strings.HasPrefix(base, "/"):
		return path.Join(path.Dir(base), x), nil
	}
	return "", fmt.Errorf("cannot resolve a relative target without the file's location")
}

// parseYAMLValue parses exactly one YAML document into a JSON value, with
// the same limits and scalar rules as Parse; its aliases may expand it to
// maxBytes. It returns the bytes of the value's keys and scalars, past
// maxBytes when it stopped there.
func parseYAMLValue(target string, data []byte, maxBytes int64) (any, int64, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s is not valid YAML: %s", target, trimPrefix(err.Error(), "yaml: "))
		}
		docs = append(docs, &n)
	}
	if len(docs) != 1 {
		return nil, 0, fmt.Errorf("expected exactly one YAML document in %s, found %d", target, len(docs))
	}
	root := docs[0]
	c := &converter{file: target, budget: countNodes(root, 0) + maxExpansion, maxBytes: maxBytes}
	v := c.value(root, "", 0)
	if len(c.problems) > 0 {
		return nil, c.bytes, fmt.Errorf("%s: %s", target, c.problems[0].String())
	}
	return v, c.bytes, nil
}

// removed, returned by a replacePlaceholders callback, drops the key (or
// nulls the list item, so that later indices keep their meaning).
var removed = new(int)

// replacePlaceholders returns a copy of v in which fn has replaced the
// placeholder objects it chose to (fn returns the value and true). field
// paths use the same syntax as Problem.Field.
func replacePlaceholders(v any, field string, fn func(field string, ph map[string]any) (any, bool)) any {
	switch v := v.(type) {
	case map[string]any:
		if isPlaceholder(v) {
			if nv, ok := fn(field, v); ok {
				return nv
			}
			return v
		}
		if hasDollarKey(v) {
			return v // Backstage leaves these alone without descending
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			nx := replacePlaceholders(x, join(field, k), fn)
			if nx == any(removed) {
				continue
			}
			out[k] = nx
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			nx := replacePlaceholders(x, field+"["+strconv.Itoa(i)+"]", fn)
			if nx == any(removed) {
				nx = nil
			}
			out[i] = nx
		}
		return out
	}
	return v
}

// isPlaceholder reports whether m is {$text|$json|$yaml: "<string>"}.
func isPlaceholder(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k, x := range m {
		_, isStr := x.(string)
		return resolvers[k] && isStr
	}
	return false
}

func hasDollarKey(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

func onlyEntry(m map[string]any) (string, string) {
	for k, v := range m {
		s, _ := v.(string)
		return k, s
	}
	return "", ""
}

// lookup finds field in a JSON value, trying the longest key first at each
// level (keys may contain dots).
func lookup(v any, field string) (any, bool) {
	if field == "" {
		return v, v != nil
	}
	switch v := v.(type) {
	case map[string]any:
		best := ""
		found := false
		for k := range v {
			if hasKeyPrefix(field, k) && (!found || len(k) > len(best)) {
				best, found = k, true
			}
		}
		if !found {
			return nil, false
		}
		return lookup(v[best], strings.TrimPrefix(field[len(best):], "."))
	case []any:
		end := strings.IndexByte(field, ']')
		if !strings.HasPrefix(field, "[") || end < 0 {
			return nil, false
		}
		i, err := strconv.Atoi(field[1:end])
		if err != nil || i < 0 || i >= len(v) {
			return nil, false
		}
		return lookup(v[i], strings.TrimPrefix(field[end+1:], "."))
	}
	return nil, false
}
