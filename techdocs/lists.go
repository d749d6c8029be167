package techdocs

import (
	"regexp"
	"strings"
)

// techdocs-core enables mdx_truly_sane_lists, whose nested_indent of 2
// makes a list item indented by 2 spaces (or more) under another one its
// child, whatever the parent's marker width: "1. a" then "  1. b". Goldmark
// follows CommonMark, where a child must reach the parent's content column
// (3 for "1. "), so saneLists re-indents list lines to CommonMark's
// columns before parsing. It keeps every line (the warnings' line map stays
// right) and leaves code blocks, fenced or indented, as they are outside
// lists and shifts them with their item inside. Admonitions, details and
// tabs are blocks of their own (content indented by 4): lists in them
// follow the same rule, and a block in a list item moves with the item.

var (
	listMarker    = regexp.MustCompile(`^([*+-]|\d{1,9}[.)])( +|$)`)
	thematicBreak = regexp.MustCompile(`^([-*_])( *[-*_]){2,} *$`)
	fenceOpen     = regexp.MustCompile("^(`{3,}|~{3,})")
)

// saneLevel is one open list level.
type saneLevel struct {
	src     int // the marker's indent in the source
	out     int // the marker's indent in the output
	content int // the item's content column in the output
}

// shift is how far the level moves its continuation lines: they are
// expected 2 columns right of the marker, and land on its content column.
func (l saneLevel) shift() int { return l.content - (l.src + 2) }

// saneBlock is the content of an admonition, details or tab block (or the
// page), indented to col in the source and out in the output, with the
// lists open in it.
type saneBlock struct {
	col, out int
	lists    []saneLevel
}

// containerHead starts a block whose content is indented by 4 more:
// admonitions, details and tabs.
var containerHead = regexp.MustCompile(`^(!!!|\?\?\?\+?|===[!+]{0,2})[ \t]`)

// saneLists re-indents the list lines of src; see above.
func saneLists(src []byte) []byte {
	if !strings.Contains(string(src), "\n ") {
		return src // no indented line: nothing is nested
	}
	lines := strings.SplitAfter(string(src), "\n")
	blocks := []*saneBlock{{}}
	fence, fenceShift := "", 0 // an open fence and the shift of its lines
	prevBlank := true
	var out strings.Builder
	out.Grow(len(src) + len(src)/16)
	for _, line := range lines {
		body := strings.TrimRight(line, "\n")
		eol := line[len(body):]
		indent, rest := leadingSpaces(body)
		if fence != "" {
			out.WriteString(reindent(body, indent, fenceShift) + eol)
			if strings.HasPrefix(rest, fence) && strings.Trim(rest, fence[:1]+" ") == "" {
				fence = ""
			}
			continue
		}
		if rest == "" {
			out.WriteString(line)
			prevBlank = true
			continue
		}
		// A line left of a block's content column ends the block.
		for len(blocks) > 1 && indent < blocks[len(blocks)-1].col {
			blocks = blocks[:len(blocks)-1]
		}
		blk := blocks[len(blocks)-1]
		m := listMarker.FindStringSubmatch(rest)
		isItem := m != nil && !thematicBreak.MatchString(rest)
		shift := blk.out - blk.col
		switch {
		case isItem && (len(blk.lists) > 0 || indent-blk.col < 4):
			// Find the deepest level this item nests in or continues.
			for len(blk.lists) > 0 && indent < blk.lists[len(blk.lists)-1].src {
				blk.lists = blk.lists[:len(blk.lists)-1]
			}
			var lvl saneLevel
			switch top := len(blk.lists) - 1; {
			case top < 0:
				lvl = saneLevel{src: indent, out: blk.out + min(indent-blk.col, 3)}
			case indent >= blk.lists[top].src+2:
				lvl = saneLevel{src: indent, out: blk.lists[top].content}
			default: // a sibling of the top level
				lvl = blk.lists[top]
				lvl.src = indent
				blk.lists = blk.lists[:top]
			}
			width := len(m[1]) + max(len(m[2]), 1)
			if len(m[2]) > 4 {
				width = len(m[1]) + 1 // content that starts with a code block
			}
			lvl.content = lvl.out + width
			blk.lists = append(blk.lists, lvl)
			out.WriteString(strings.Repeat(" ", lvl.out) + rest + eol)
			shift = lvl.out - indent
		case len(blk.lists) > 0:
			// A continuation line: it belongs to the deepest level it is
			// indented under; after a blank line, a line under none ends
			// the lists.
			for len(blk.lists) > 0 && indent < blk.lists[len(blk.lists)-1].src+2 && prevBlank {
				blk.lists = blk.lists[:len(blk.lists)-1]
			}
			for i := len(blk.lists) - 1; i >= 0; i-- {
				if indent >= blk.lists[i].src+2 {
					shift = blk.lists[i].shift()
					break
				}
			}
			out.WriteString(reindent(body, indent, shift) + eol)
		default:
			out.WriteString(reindent(body, indent, shift) + eol)
		}
		if f := fenceOpen.FindString(rest); f != "" && (len(blk.lists) > 0 || indent-blk.col < 4) {
			fence, fenceShift = f, shift
		}
		if containerHead.MatchString(rest) {
			blocks = append(blocks, &saneBlock{col: indent + 4, out: max(indent+shift, 0) + 4})
		}
		prevBlank = false
	}
	return []byte(out.String())
}

// leadingSpaces returns the indent of line (a tab counts to the next
// multiple of 4) and the line without it.
func leadingSpaces(line string) (int, string) {
	n := 0
	for i, c := range line {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 4 - n%4
		default:
			return n, line[i:]
		}
	}
	return n, ""
}

// reindent moves line (of the given indent) right by shift columns, or
// left as far as its indent allows.
func reindent(line string, indent, shift int) string {
	if shift == 0 {
		return line
	}
	_, rest := leadingSpaces(line)
	return strings.Repeat(" ", max(indent+shift, 0)) + rest
}
