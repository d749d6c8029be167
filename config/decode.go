package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Strict decoding with key paths. yaml.v3 only checks unknown fields when
// it decodes from bytes (Decoder.KnownFields), and it reports problems as
// "line N: ...". So decodeTree encodes the subtree to YAML, re-parses it to
// learn which key path sits on each line, decodes it strictly, and rewrites
// every "line N" into "file:line: key.path" from the original files.

// decodeTree decodes the tree v, found at key path base, into out.
func decodeTree(v any, base string, ps positions, out any) error {
	data, err := yaml.Marshal(toNode(v))
	if err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", base, err)
	}
	lines := newLineTable()
	if len(doc.Content) > 0 {
		lines.walk(doc.Content[0], "")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err = dec.Decode(out)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %w", base, err)
	}
	var errs []error
	for _, msg := range te.Errors {
		errs = append(errs, lines.rewrite(msg, base, ps))
	}
	return errors.Join(errs...)
}

// toNode builds a YAML node for a tree value. Strings are emitted untagged,
// so a value that came from "${PORT}" and reads "8080" decodes into an int
// field (Backstage's config reader coerces the same way); strings that YAML
// would read as null stay strings.
func toNode(v any) *yaml.Node {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, toNode(v[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range v {
			n.Content = append(n.Content, toNode(e))
		}
		return n
	case string:
		switch v {
		case "", "~", "null", "Null", "NULL":
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Value: v}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
	}
	return n
}

// lineTable maps lines of the re-encoded YAML to key paths. Several nodes
// can share a line ("- name: x" is a list item, a mapping and a key), so it
// keeps the deepest key and scalar, and the outermost collection.
type lineTable struct {
	key, value, coll map[int]string
}

func newLineTable() *lineTable {
	return &lineTable{key: map[int]string{}, value: map[int]string{}, coll: map[int]string{}}
}

func (t *lineTable) walk(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		if _, ok := t.coll[n.Line]; !ok {
			t.coll[n.Line] = path
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			kp := joinPath(path, n.Content[i].Value)
			t.key[n.Content[i].Line] = kp
			t.walk(n.Content[i+1], kp)
		}
	case yaml.SequenceNode:
		if _, ok := t.coll[n.Line]; !ok {
			t.coll[n.Line] = path
		}
		for i, e := range n.Content {
			t.walk(e, indexPath(path, i))
		}
	default:
		t.value[n.Line] = path
	}
}

var lineMsg = regexp.MustCompile(`^line (\d+): (?:\[(key|value|coll)\] )?(.*)$`)

// yaml.v3's wording for tags and unknown fields, in ours.
var (
	tagWords = strings.NewReplacer("!!str", "string", "!!int", "integer", "!!float", "number",
		"!!bool", "boolean", "!!map", "mapping", "!!seq", "list", "!!null", "null", "!!timestamp", "timestamp",
		// Our own types, which users never see.
		"[]config.RuleLocation", "a list of {type, exact, pattern}",
		"[]config.Location", "a list of {type, target, rules}",
		"[]config.Rule", "a list of {allow, locations}",
		"config.RuleLocation", "{type, exact, pattern}",
		"config.Location", "{type, target, rules}",
		"config.Rule", "{allow, locations}",
		"config.database", "{client, connection}",
		"config.CatalogLimits", "{maxPlaceholdersPerEntity, maxEntityBytes, maxFileBytes, maxRegisteredFileBytes, maxPlaceholderBytes}",
		"config.Catalog", "a mapping",
		"config.App", "a mapping")
	unknownField = regexp.MustCompile(`^field (\S+) not found in type (.+)$`)
)

// rewrite turns a yaml.v3 message "line N: ..." into
// "file:line: key.path: ...".
func (t *lineTable) rewrite(msg, base string, ps positions) error {
	m := lineMsg.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s: %s", base, msg)
	}
	line, _ := strconv.Atoi(m[1])
	where, text := m[2], m[3]
	var rel string
	switch {
	case where == "key" || unknownField.MatchString(text):
		rel = t.key[line]
	case where == "coll" || strings.Contains(text, "!!map") || strings.Contains(text, "!!seq"):
		rel = t.coll[line]
		if _, ok := t.coll[line]; !ok {
			rel = t.value[line]
		}
	default:
		var ok bool
		if rel, ok = t.value[line]; !ok {
			rel = t.key[line]
		}
	}
	if f := unknownField.FindStringSubmatch(text); f != nil {
		text = "unknown key"
	}
	text = tagWords.Replace(text)
	return newKeyError(ps, joinPath(base, rel), text)
}

// keyError is a problem with the value at a key path.
type keyError struct {
	at   string // "file:line", "file" or ""
	path string
	msg  string
}

func (e *keyError) Error() string {
	if e.at == "" {
		return e.path + ": " + e.msg
	}
	return e.at + ": " + e.path + ": " + e.msg
}

// newKeyError places a problem at the position of path or of its nearest
// ancestor with a known position.
func newKeyError(ps positions, path, msg string) *keyError {
	e := &keyError{path: path, msg: msg}
	if p, ok := ps.near(path); ok {
		e.at = p.String()
	}
	return e
}

// keyPaths returns the key paths named by the keyErrors in err.
func keyPaths(err error) []string {
	switch e := err.(type) {
	case *keyError:
		return []string{e.path}
	case interface{ Unwrap() []error }:
		var paths []string
		for _, e := range e.Unwrap() {
			paths = append(paths, keyPaths(e)...)
		}
		return paths
	}
	return nil
}

// typeErrors collects problems found by an UnmarshalYAML hook, tagged with
// the node they concern so rewrite can name the right key path.
type typeErrors struct{ msgs []string }

func (te *typeErrors) add(n *yaml.Node, where, format string, args ...any) {
	te.msgs = append(te.msgs, fmt.Sprintf("line %d: [%s] %s", n.Line, where, fmt.Sprintf(format, args...)))
}

// key reports a problem with a mapping key, value with a scalar value and
// coll with a mapping or list.
func (te *typeErrors) key(n *yaml.Node, format string, args ...any) {
	te.add(n, "key", format, args...)
}
func (te *typeErrors) value(n *yaml.Node, format string, args ...any) {
	te.add(n, "value", format, args...)
}
func (te *typeErrors) coll(n *yaml.Node, format string, args ...any) {
	te.add(n, "coll", format, args...)
}

// err returns a *yaml.TypeError, which lets yaml.v3 keep decoding and
// collect every problem, or nil.
func (te *typeErrors) err() error {
	if len(te.msgs) == 0 {
		return nil
	}
	return &yaml.TypeError{Errors: te.msgs}
}

// describe names a node's kind and value for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}
