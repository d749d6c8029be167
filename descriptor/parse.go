package descriptor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile file from exhausting memory or time. A real
// descriptor is a few kilobytes; these are far above that. The file's own
// size is bounded by Limits.MaxFileBytes.
const (
	// maxDepth bounds nesting of the converted value; yaml.v3 itself stops
	// at 10000, which is deeper than any JSON consumer should see.
	maxDepth = 1000
	// maxExpansion is how many values aliases may add beyond the document's
	// own nodes. Backstage's YAML library caps alias use for the same reason
	// ("billion laughs").
	maxExpansion = 100_000
)

// Doc is one YAML document of a descriptor file.
type Doc struct {
	File string         // the file name as given to Parse
	Line int            // line of the document start
	Raw  map[string]any // JSON-compatible: map[string]any, []any, string, float64, bool, nil

	node    *yaml.Node           // the document's root mapping, for LineOf
	src     string               // for a fast-path Doc: its text, parsed for node when LineOf needs it
	srcLine int                  // the line of src's first byte
	once    sync.Once            // parses src
	skipped map[string][2]string // field -> {key, target} of placeholders deliberately not read

	limits    Limits // with defaults filled
	size      int64  // bytes of keys and scalars, aliases expanded
	overLimit bool   // ResolvePlaceholders found it over its limits
}

// Parse splits a multi-document YAML stream into docs, converting each the
// way Backstage's YAML library (YAML 1.2 core schema) would: timestamps and
// other YAML 1.1 types stay strings, numbers become float64, ".inf" and
// ".nan" become null (as JSON.stringify writes them). Merge keys ("<<") are
// supported. Empty and null documents are skipped. Problems cover syntax
// errors, duplicate keys, non-mapping documents, oversized files and alias
// bombs; Parse never panics. It applies the default Limits.
func Parse(file string, data []byte) (docs []*Doc, problems []Problem) {
	return ParseWith(file, data, Limits{})
}

// ParseWith is Parse with limits: a file over lim.MaxFileBytes or a
// document whose aliases expand past lim.MaxBytes is a problem, and
// ResolvePlaceholders applies lim to the documents returned.
func ParseWith(file string, data []byte, lim Limits) (docs []*Doc, problems []Problem) {
	problems = ParseStream(file, bytes.NewReader(data), lim, func(d *Doc) { docs = append(docs, d) })
	return docs, problems
}

// ParseStream reads a multi-document YAML stream from r and hands each
// document to each as soon as it is converted, so that memory is bounded
// by the largest document rather than the file (an exported file of one
// kind may hold 100k entities). Lines stay those of the whole stream. A
// stream past lim.MaxFileBytes stops with a problem saying so; the
// documents before it have been handed over. Documents in the block
// style descriptors are written in take a fast path (fastDoc); yaml.v3
// parses the others, alone when it can (parseSegment) or with the rest of
// the stream, with the same results either way.
func ParseStream(file string, r io.Reader, lim Limits, each func(*Doc)) (problems []Problem) {
	lim = lim.withDefaults()
	lr := &limitedReader{r: r, left: lim.MaxFileBytes}
	defer func() {
		// yaml.v3 has panicked on malformed input before; a bad file must
		// never take the caller down.
		if r := recover(); r != nil {
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("cannot parse YAML: %v", r)})
		}
	}()
	sg := segmenters.Get().(*segmenter)
	sg.reset(lr)
	defer segmenters.Put(sg)
	fp := &sg.fp
	for {
		seg, ok := sg.next()
		if !ok {
			break
		}
		// A segment that a read error (or the file limit) cut short goes
		// to yaml.v3 with the rest, which words the error as before.
		if whole := sg.marker != nil || sg.err == io.EOF; whole {
			if raw, line, ok := fastDoc(fp, seg.data, seg.line, lim.MaxBytes); ok {
				if raw != nil {
					each(&Doc{File: file, Line: line, Raw: raw, src: seg.data, srcLine: seg.line, limits: lim, size: fp.size})
				}
				continue
			}
			sg.addBreaks(seg)
			// One odd document in a big exported file need not send
			// the rest to yaml.v3.
			if docs, ps, ok := parseSegment(file, seg, lim); ok {
				problems = append(problems, ps...)
				for _, d := range docs {
					each(d)
				}
				continue
			}
		}
		// yaml.v3 reads on from this document's first line, with the
		// lines before it blank so that its lines are the file's.
		rest := fullReader{io.MultiReader(&newlines{n: seg.line - 1}, strings.NewReader(seg.data), bytes.NewReader(sg.marker), sg.r, errReader{sg.err})}
		return append(problems, parseNodes(file, rest, lr, lim, each)...)
	}
	return problems
}

// parseSegment parses one whole segment with yaml.v3 alone, its lines
// shifted to the file's. A "---" line always starts a document, so the
// result is what yaml.v3 gives within the stream, provided that the
// segment parses without error and holds no directive ("%") or document
// end ("...") line, which could concern the documents after it. ok is
// false otherwise: the caller then hands yaml.v3 the rest of the stream.
func parseSegment(file string, seg segment, lim Limits) (docs []*Doc, problems []Problem, ok bool) {
	for rest := seg.data; len(rest) > 0; rest = afterBreak(rest) {
		if rest[0] == '%' || strings.HasPrefix(rest, "...") {
			return nil, nil, false
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(seg.data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, problems, true
		}
		if err != nil {
			return nil, nil, false
		}
		shiftLines(&n, seg.line-1)
		d, ps := convertDoc(file, &n, lim)
		problems = append(problems, ps...)
		if d != nil {
			docs = append(docs, d)
		}
	}
}

// parseNodes is ParseStream through yaml.v3's nodes, for what the fast
// path declines; lr is the limited reader under r.
func parseNodes(file string, r io.Reader, lr *limitedReader, lim Limits, each func(*Doc)) (problems []Problem) {
	dec := yaml.NewDecoder(r)
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if lr.over {
			return append(problems, fileTooLarge(file, lim))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The decoder cannot resume after a syntax error: later
			// documents are lost, as they are in Backstage.
			problems = append(problems, yamlProblem(file, err))
			break
		}
		d, ps := convertDoc(file, &n, lim)
		problems = append(problems, ps...)
		if d != nil {
			each(d)
		}
	}
	return problems
}

func fileTooLarge(file string, lim Limits) Problem {
	return Problem{File: file, Message: fmt.Sprintf(
		"the file is larger than %s (%s); split it into several files or raise the limit", fileKey, formatBytes(lim.MaxFileBytes))}
}

// limitedReader fails once more than left bytes are read, remembering that
// it did so that the problem names the limit, not yaml's "input error".
type limitedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.over {
		return 0, errFileTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		// The bytes within the limit are handed over: documents that
		// end before it are read whole.
		n, l.left, l.over = int(l.left), 0, true
		return n, errFileTooLarge
	}
	l.left -= int64(n)
	return n, err
}

var errFileTooLarge = errors.New("file too large")

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlProblem turns a yaml.v3 error ("yaml: line 3: did not find ...") into
// a Problem with the line split out.
func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{File: file, Line: line, Message: "invalid YAML: " + m[2]}
	}
	return Problem{File: file, Message: "invalid YAML: " + trimPrefix(msg, "yaml: ")}
}

func trimPrefix(s, p string) string {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// convertDoc converts one document node. It returns nil for empty and null
// documents, which Backstage skips silently.
func convertDoc(file string, n *yaml.Node, lim Limits) (*Doc, []Problem) {
	root := n
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil
		}
		root = n.Content[0]
	}
	c := &converter{file: file, budget: countNodes(root, 0) + maxExpansion, maxBytes: lim.MaxBytes}
	v := c.value(root, "", 0)
	if len(c.problems) > 0 {
		return nil, c.problems
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return &Doc{File: file, Line: n.Line, Raw: v, node: resolveAlias(root), limits: lim, size: c.bytes}, nil
	default:
		return nil, []Problem{{File: file, Line: root.Line, Message: fmt.Sprintf(
			"a descriptor document must be a mapping (an entity object), not %s; remove the leading \"- \" if this is a list of entities and separate them with \"---\"", jsonTypeName(v))}}
	}
}

// countNodes counts the nodes of the tree without following aliases, so the
// expansion budget scales with the document's own size.
func countNodes(n *yaml.Node, depth int) int {
	if n == nil || depth > maxDepth {
		return 0
	}
	total := 1
	for _, c := range n.Content {
		total += countNodes(c, depth+1)
	}
	return total
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// converter turns yaml.Node trees into JSON-compatible values, collecting
// problems instead of failing at the first.
type converter struct {
	file     string
	budget   int                 // values left to produce; aliases draw from it
	visiting map[*yaml.Node]bool // anchors being expanded, to catch cycles
	problems []Problem
	stopped  bool // budget or depth exhausted: stop producing values
	// bytes counts the keys and scalars produced, aliases expanded, up to
	// maxBytes: a few small nodes that alias a large string many times
	// pass the node budget but not this one.
	bytes, maxBytes int64
	alias           *yaml.Node // the outermost alias being expanded, if any
}

func (c *converter) fail(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *converter) value(n *yaml.Node, field string, depth int) any {
	if c.stopped {
		return nil
	}
	c.budget--
	if c.budget < 0 {
		c.stopped = true
		c.fail(n, field, "aliases expand to too many values (more than %d); this looks like an alias bomb", maxExpansion)
		return nil
	}
	if depth > maxDepth {
		c.stopped = true
		c.fail(n, field, "nested more than %d levels deep", maxDepth)
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.value(n.Content[0], field, depth)
	case yaml.AliasNode:
		if n.Alias == nil || c.visiting[n.Alias] {
			c.fail(n, field, "alias *%s refers to a value that contains it", n.Value)
			return nil
		}
		if c.visiting == nil {
			c.visiting = map[*yaml.Node]bool{}
		}
		if c.alias == nil {
			c.alias = n
			defer func() { c.alias = nil }()
		}
		c.visiting[n.Alias] = true
		v := c.value(n.Alias, field, depth+1)
		delete(c.visiting, n.Alias)
		return v
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			out = append(out, c.value(item, field+"["+strconv.Itoa(i)+"]", depth+1))
		}
		return out
	case yaml.MappingNode:
		return c.mapping(n, field, depth)
	case yaml.ScalarNode:
		if !c.count(n, field, len(n.Value)) {
			return nil
		}
		return scalar(n)
	}
	c.fail(n, field, "unsupported YAML node")
	return nil
}

// count adds size bytes to the converted value's size. Past maxBytes it
// records the problem, at the alias that got it there if there is one, and
// stops the conversion.
func (c *converter) count(n *yaml.Node, field string, size int) bool {
	c.bytes += int64(size)
	if c.bytes <= c.maxBytes {
		return true
	}
	c.stopped = true
	if c.alias != nil {
		c.fail(c.alias, field, "aliases expand this document past %s (%s); this looks like an alias bomb", bytesKey, formatBytes(c.maxBytes))
	} else {
		c.fail(n, field, "the document is larger than %s (%s)", bytesKey, formatBytes(c.maxBytes))
	}
	return false
}

// mapping converts a mapping node. Explicit keys win over merged ("<<")
// keys regardless of order, as YAML's merge-key spec says; a key written
// twice is an error, as in Backstage's parser ("Map keys must be unique").
func (c *converter) mapping(n *yaml.Node, field string, depth int) map[string]any {
	out := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode {
			k = resolveAlias(k)
		}
		if k == nil || k.Kind != yaml.ScalarNode {
			c.fail(n.Content[i], field, "mapping keys must be plain strings, not nested lists or mappings")
			continue
		}
		if k.Value == "<<" && (k.Tag == "!!merge" || k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0) {
			merges = append(merges, v)
			continue
		}
		sub := join(field, k.Value)
		if !c.count(k, sub, len(k.Value)) {
			return out
		}
		if _, dup := out[k.Value]; dup {
			c.fail(k, sub, "key %q appears more than once in this mapping; keys must be unique", k.Value)
			continue
		}
		out[k.Value] = c.value(v, sub, depth+1)
	}
	for _, m := range merges {
		c.merge(out, m, field, depth)
	}
	return out
}

// merge adds the keys of a "<<" value (a mapping, an alias of one, or a list
// of those) that out does not have yet.
func (c *converter) merge(out map[string]any, m *yaml.Node, field string, depth int) {
	src := []*yaml.Node{m}
	if r := resolveAlias(m); r != nil && r.Kind == yaml.SequenceNode {
		src = r.Content
	}
	for _, s := range src {
		v := c.value(s, field, depth+1)
		mv, ok := v.(map[string]any)
		if !ok {
			if !c.stopped {
				c.fail(s, field, "a merge key (<<) must refer to a mapping or a list of mappings")
			}
			continue
		}
		for k, x := range mv {
			if _, has := out[k]; !has {
				out[k] = x
			}
		}
	}
}

// join appends a key to a dotted field path.
func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}
