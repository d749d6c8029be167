package techdocs

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Attribute lists ({: .class #id }) and abbreviations (*[HTML]: ...).

// applyAttrList moves a trailing `{: #id .class key=value }` of a heading or
// paragraph onto the element (or onto an image or link it directly follows).
func (ps *pageState) applyAttrList(block ast.Node, src []byte) {
	var run []*ast.Text
	for c := block.LastChild(); c != nil; c = c.PreviousSibling() {
		t, ok := c.(*ast.Text)
		if !ok {
			break
		}
		run = append([]*ast.Text{t}, run...)
	}
	if len(run) == 0 {
		return
	}
	var joined strings.Builder
	starts := make([]int, len(run))
	for i, t := range run {
		starts[i] = joined.Len()
		joined.Write(t.Segment.Value(src))
		if t.SoftLineBreak() && i < len(run)-1 {
			joined.WriteByte('\n')
		}
	}
	s := joined.String()
	loc := attrListRE.FindStringSubmatchIndex(s)
	if loc == nil {
		return
	}
	var target ast.Node = block
	switch {
	case loc[0] == 0:
		// Right after an inline element (an image, a link, emphasis):
		// the attributes are that element's.
		if target = run[0].PreviousSibling(); target == nil {
			return
		}
	case strings.ContainsAny(s[loc[0]-1:loc[0]], " \t\n"):
		if strings.TrimSpace(s[:loc[0]]) == "" && run[0].PreviousSibling() == nil {
			return // nothing left to carry the attributes
		}
	default:
		return // "word{...}" is text
	}
	ps.setAttrs(target, s[loc[2]:loc[3]], run[0].Segment.Start)
	// Cut the attribute list out of the text nodes.
	for i := len(run) - 1; i >= 0; i-- {
		t := run[i]
		if starts[i] >= loc[0] {
			block.RemoveChild(block, t)
			continue
		}
		keep := loc[0] - starts[i]
		if keep < t.Segment.Len() {
			t.Segment = t.Segment.WithStop(t.Segment.Start + keep)
		}
		t.Segment = t.Segment.TrimRightSpace(src)
		t.SetSoftLineBreak(false)
		break
	}
}

// allowedAttrs are the key=value attributes an attribute list may set;
// id and class come from #id and .class. The sanitizer checks again.
var allowedAttrs = map[string]bool{"title": true, "width": true, "height": true, "align": true, "lang": true, "loading": true, "alt": true}

var attrTokenRE = regexp.MustCompile(`([#.][^\s#.=]+)|([\w-]+)=("[^"]*"|'[^']*'|\S+)|(\S+)`)

func (ps *pageState) setAttrs(n ast.Node, list string, offset int) {
	var classes []string
	if v, ok := n.AttributeString("class"); ok {
		classes = strings.Fields(string(v.([]byte)))
	}
	for _, m := range attrTokenRE.FindAllStringSubmatch(list, -1) {
		switch {
		case strings.HasPrefix(m[1], "#"):
			n.SetAttributeString("id", []byte(m[1][1:]))
		case strings.HasPrefix(m[1], "."):
			classes = append(classes, m[1][1:])
		case m[2] != "":
			key, val := strings.ToLower(m[2]), strings.Trim(m[3], `"'`)
			if !allowedAttrs[key] && !strings.HasPrefix(key, "data-") {
				ps.warnAt(offset, fmt.Sprintf("attribute %q is not allowed in attribute lists; dropped", key))
				continue
			}
			n.SetAttributeString(key, []byte(val))
		}
	}
	if len(classes) > 0 {
		n.SetAttributeString("class", []byte(strings.Join(classes, " ")))
	}
}

// markAbbreviations wraps whole-word uses of each defined abbreviation in
// an Abbr node, except inside code, and removes the definitions.
func markAbbreviations(doc ast.Node, src []byte, defs []*AbbrDefinition) {
	titles := map[string]string{}
	var terms []string
	for _, d := range defs {
		if _, ok := titles[d.Term]; !ok {
			terms = append(terms, d.Term)
		}
		titles[d.Term] = d.Title
		d.Parent().RemoveChild(d.Parent(), d)
	}
	sort.Slice(terms, func(i, j int) bool { return len(terms[i]) > len(terms[j]) })
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = regexp.QuoteMeta(t)
	}
	re := regexp.MustCompile(`\b(?:` + strings.Join(quoted, "|") + `)\b`)
	var texts []*ast.Text
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.CodeSpan, *ast.CodeBlock, *ast.FencedCodeBlock, *ast.RawHTML, *ast.HTMLBlock, *Abbr:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			texts = append(texts, n)
		}
		return ast.WalkContinue, nil
	})
	for _, t := range texts {
		val := t.Segment.Value(src)
		matches := re.FindAllIndex(val, -1)
		if matches == nil {
			continue
		}
		parent, seg := t.Parent(), t.Segment
		pos := 0
		for _, m := range matches {
			if m[0] > pos {
				parent.InsertBefore(parent, t, ast.NewTextSegment(text.NewSegment(seg.Start+pos, seg.Start+m[0])))
			}
			a := &Abbr{Title: titles[string(val[m[0]:m[1]])]}
			a.AppendChild(a, ast.NewTextSegment(text.NewSegment(seg.Start+m[0], seg.Start+m[1])))
			parent.InsertBefore(parent, t, a)
			pos = m[1]
		}
		t.Segment = seg.WithStart(seg.Start + pos)
	}
}
