package descriptor

import (
	"strings"
	"unicode/utf8"
)

// The fast path. Descriptors are nearly always written in a small part of
// YAML: block mappings and sequences, one-line plain and quoted scalars,
// one-line flow lists and literal (|) blocks. fastDoc parses one document
// of that part straight into the values convertDoc would build, without
// yaml.v3's token, event and node objects (which cost most of the catalog's
// read time). On anything else (anchors, tags, escapes, folded or
// multi-line scalars, flow mappings, tabs, CR, duplicate keys, errors...)
// it declines, and ParseStream hands that document (or the stream from it
// on) to yaml.v3, so that only inputs fastDoc fully understands take the
// fast path. FuzzFastPath checks that both paths agree.

// declined is panicked inside fastParser and recovered by fastDoc.
type declined struct{}

// fastLine is one line of a document.
type fastLine struct {
	start, end int  // the line's bytes in src, without the line break
	indent     int  // leading spaces
	blank      bool // empty, spaces only, or a comment
}

type fastParser struct {
	src   string
	lines []fastLine
	i     int   // the next line to parse
	size  int64 // bytes of keys and scalars, as converter counts them
	max   int64
	depth int
	// entries and items are stacks of the mappings and sequences being
	// parsed, so that each is made at its size.
	entries []fastEntry
	items   []any
}

// maxFastDepth bounds nesting on the fast path; deeper documents go to
// yaml.v3 and its limits.
const maxFastDepth = 64

// fastDoc parses src, one document from its "---" line (or the start of
// the stream) to before the next marker line, whose first line is line
// first of the file. ok is false when it declines; a nil raw with ok true
// is an empty document.
func fastDoc(p *fastParser, src string, first int, maxBytes int64) (raw map[string]any, line int, ok bool) {
	if !p.split(src) {
		return nil, 0, false
	}
	p.size, p.max, p.depth = 0, maxBytes, 0
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(declined); !is {
				panic(r)
			}
			raw, line, ok = nil, 0, false
			// What the stacks hold is dropped with the document.
			clear(p.entries)
			clear(p.items)
			p.entries, p.items = p.entries[:0], p.items[:0]
		}
	}()
	line = first
	p.skipBlank()
	if p.i < len(p.lines) && p.lines[p.i].indent == 0 && isMarker(p.text(p.i)) {
		// "---" alone or before a comment; content on the marker line
		// is left to yaml.v3.
		if !isCommentTail(p.text(p.i)[3:]) {
			p.decline()
		}
		line += p.i
		p.i++
		p.skipBlank()
	} else {
		line += p.i
	}
	if p.i == len(p.lines) {
		return nil, line, true
	}
	if p.lines[p.i].indent != 0 || isSeqItem(p.text(p.i)) {
		p.decline() // an indented root, or a list: yaml.v3 words the problem
	}
	raw = p.mapping(0)
	p.skipBlank()
	if p.i != len(p.lines) {
		p.decline()
	}
	return raw, line, true
}

func (p *fastParser) decline() { panic(declined{}) }

// split cuts src into lines, refusing bytes yaml.v3 treats specially or
// rejects: control characters (tab and CR included), DEL, non-printable
// or invalid UTF-8, NEL and the Unicode line and paragraph separators,
// and the byte order mark.
func (p *fastParser) split(src string) bool {
	p.src, p.lines, p.i = src, p.lines[:0], 0
	start := 0
	for j := 0; j < len(src); {
		c := src[j]
		if c == '\n' {
			p.lines = append(p.lines, newFastLine(src, start, j))
			j++
			start = j
			continue
		}
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(src[j:])
		if r == utf8.RuneError || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || (r >= 0xd800 && r < 0xe000) || r == 0xfffe || r == 0xffff {
			return false
		}
		j += n
	}
	if start < len(src) {
		p.lines = append(p.lines, newFastLine(src, start, len(src)))
	}
	return true
}

func newFastLine(src string, start, end int) fastLine {
	l := fastLine{start: start, end: end}
	for start+l.indent < end && src[start+l.indent] == ' ' {
		l.indent++
	}
	l.blank = start+l.indent == end || src[start+l.indent] == '#'
	return l
}

// text returns line i after its indentation.
func (p *fastParser) text(i int) string {
	l := p.lines[i]
	return p.src[l.start+l.indent : l.end]
}

func (p *fastParser) skipBlank() {
	for p.i < len(p.lines) && p.lines[p.i].blank {
		p.i++
	}
}

func (p *fastParser) count(n int) {
	p.size += int64(n)
	if p.size > p.max {
		p.decline() // converter reports the limit
	}
}

// enter and leave bound the depth.
func (p *fastParser) enter() {
	if p.depth++; p.depth > maxFastDepth {
		p.decline()
	}
}

func (p *fastParser) leave() { p.depth-- }

// mapping parses a block mapping whose keys start at column indent; the
// first key is on line p.i (after "- " when the mapping is a list item).
// Its entries wait on p.entries until it ends, so that the map is made
// at its size: grown from a guess, maps were the fast path's largest
// allocation.
func (p *fastParser) mapping(indent int) map[string]any {
	p.enter()
	defer p.leave()
	base := len(p.entries)
	for first := true; ; first = false {
		l := p.lines[p.i]
		if !first && (l.indent != indent || isSeqItem(p.text(p.i))) {
			break
		}
		key, rest, ok := splitKey(p.src[l.start+indent : l.end])
		if !ok || key == "<<" {
			p.decline() // a merge is left to converter
		}
		p.count(len(key))
		v := p.value(indent, rest)
		p.entries = append(p.entries, fastEntry{key, v})
		p.skipBlank()
		if p.i == len(p.lines) || p.lines[p.i].indent < indent {
			break
		}
		if p.lines[p.i].indent > indent {
			p.decline()
		}
	}
	entries := p.entries[base:]
	m := make(map[string]any, len(entries))
	for _, e := range entries {
		m[e.key] = e.value
	}
	if len(m) < len(entries) {
		p.decline() // a duplicate key: converter words the problem
	}
	clear(entries) // the pooled parser must not keep the values alive
	p.entries = p.entries[:base]
	return m
}

// fastEntry is a mapping entry waiting for its map.
type fastEntry struct {
	key   string
	value any
}

// value parses the value of a mapping entry at indent, rest being what
// follows "key:" on its line.
func (p *fastParser) value(indent int, rest string) any {
	if len(rest) == 0 || rest[0] == '#' { // rest follows ": "
		p.i++
		p.skipBlank()
		if p.i == len(p.lines) {
			return nil
		}
		l := p.lines[p.i]
		isSeq := isSeqItem(p.text(p.i))
		switch {
		case l.indent > indent && isSeq:
			return p.sequence(l.indent)
		case l.indent > indent:
			return p.mapping(l.indent)
		case l.indent == indent && isSeq:
			return p.sequence(indent)
		}
		return nil
	}
	return p.inline(indent, rest)
}

// sequence parses a block sequence whose "-" are at column indent. Its
// items wait on p.items until it ends, as mapping's entries do.
func (p *fastParser) sequence(indent int) []any {
	p.enter()
	defer p.leave()
	base := len(p.items)
	for {
		l := p.lines[p.i]
		line := p.src[l.start+indent : l.end]
		j := 1
		for j < len(line) && line[j] == ' ' {
			j++
		}
		item := line[j:]
		switch {
		case len(item) == 0 || item[0] == '#' || isSeqItem(item):
			p.decline() // a nested block or list on the next lines
		case looksLikeKey(item):
			v := p.mapping(indent + j)
			p.items = append(p.items, v)
		default:
			v := p.inline(indent, item)
			p.items = append(p.items, v)
		}
		p.skipBlank()
		if p.i == len(p.lines) || p.lines[p.i].indent < indent {
			break
		}
		if p.lines[p.i].indent > indent {
			p.decline()
		}
		if !isSeqItem(p.text(p.i)) {
			break // the mapping that holds the list goes on
		}
	}
	out := append(make([]any, 0, len(p.items)-base), p.items[base:]...)
	clear(p.items[base:])
	p.items = p.items[:base]
	return out
}

// inline parses a scalar, a flow list or a literal block that starts on
// line p.i with rest, in a collection at indent, and moves past it.
func (p *fastParser) inline(indent int, rest string) any {
	var v any
	switch c := rest[0]; {
	case c == '"' || c == '\'':
		s, after := quoted(rest)
		if after < 0 || !isCommentTail(rest[after:]) {
			p.decline()
		}
		p.count(len(s))
		v = s
		p.i++
	case c == '[':
		v = p.flowList(rest)
		p.i++
	case c == '{':
		if !strings.HasPrefix(rest, "{}") || !isCommentTail(rest[2:]) {
			p.decline()
		}
		v = map[string]any{}
		p.i++
	case c == '|':
		return p.literal(indent, rest[1:])
	default:
		s, ok := plain(rest, false)
		if !ok {
			p.decline()
		}
		p.count(len(s))
		v = coreScalar(s)
		p.i++
	}
	// A more indented line would continue a plain scalar or be an error.
	p.skipBlank()
	if p.i < len(p.lines) && p.lines[p.i].indent > indent {
		p.decline()
	}
	return v
}

// flowList parses a one-line flow list of scalars: [a, "b", 'c'].
func (p *fastParser) flowList(rest string) []any {
	out := make([]any, 0, 4)
	j := skipSpaces(rest, 1)
	if j < len(rest) && rest[j] == ']' {
		if !isCommentTail(rest[j+1:]) {
			p.decline()
		}
		return out
	}
	for {
		if j == len(rest) {
			p.decline()
		}
		if c := rest[j]; c == '"' || c == '\'' {
			s, after := quoted(rest[j:])
			if after < 0 {
				p.decline()
			}
			p.count(len(s))
			out = append(out, s)
			j = skipSpaces(rest, j+after)
		} else {
			end := j
			for end < len(rest) && rest[end] != ',' && rest[end] != ']' {
				end++
			}
			s, ok := plain(rest[j:end], true)
			if !ok {
				p.decline()
			}
			p.count(len(s))
			out = append(out, coreScalar(s))
			j = end
		}
		if j == len(rest) {
			p.decline()
		}
		if rest[j] == ']' {
			if !isCommentTail(rest[j+1:]) {
				p.decline()
			}
			return out
		}
		if rest[j] != ',' {
			p.decline()
		}
		j = skipSpaces(rest, j+1)
		if j < len(rest) && rest[j] == ']' {
			p.decline() // a trailing comma
		}
	}
}

// literal parses a "|" or "|-" block whose header's remainder is hdr, in a
// collection at indent. Leading blank lines, lines of spaces only, "|+",
// indentation indicators and empty blocks are left to yaml.v3.
func (p *fastParser) literal(indent int, hdr string) any {
	strip := len(hdr) > 0 && hdr[0] == '-'
	if strip {
		hdr = hdr[1:]
	}
	if !isCommentTail(hdr) {
		p.decline()
	}
	p.i++
	if p.i == len(p.lines) {
		p.decline()
	}
	first := p.lines[p.i]
	n := first.indent
	if n <= indent || first.start+n == first.end {
		p.decline()
	}
	var b strings.Builder
	last := p.i // the last line with text
	for j := p.i; j < len(p.lines); j++ {
		l := p.lines[j]
		if l.start == l.end {
			continue
		}
		if l.indent < n {
			if l.start+l.indent == l.end {
				p.decline() // spaces only
			}
			break
		}
		if l.start+l.indent == l.end {
			p.decline()
		}
		last = j
	}
	b.Grow(p.lines[last].end - p.lines[p.i].start + 1) // at most the lines as written
	for j := p.i; j <= last; j++ {
		l := p.lines[j]
		if l.start != l.end {
			b.WriteString(p.src[l.start+n : l.end])
		}
		// Clipping keeps the last line break, if the file has one.
		if j < last || (!strip && l.end < len(p.src)) {
			b.WriteByte('\n')
		}
	}
	p.i = last + 1
	s := b.String()
	p.count(len(s))
	// The next line is less indented than the block: it belongs to the
	// collections around it, or is an error that they decline.
	return s
}
