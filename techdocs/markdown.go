package techdocs

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	emoji "github.com/yuin/goldmark-emoji"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/text/unicode/norm"
)

// renderer turns one page's Markdown into sanitized HTML. It is shared by
// the build's workers: goldmark and the sanitizer are safe for concurrent
// use, and all per-page state lives in a pageState.
type markdown struct {
	b  *builder
	md goldmark.Markdown
}

var pageStateKey = parser.NewContextKey()

func newRenderer(b *builder) *markdown {
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.Linkify,
			extension.TaskList,
			extension.DefinitionList,
			extension.NewFootnote(),
			emoji.Emoji,
		),
		goldmark.WithParserOptions(
			parser.WithBlockParsers(
				util.Prioritized(containerParser{}, 90),
				util.Prioritized(abbrParser{}, 95),
			),
			parser.WithASTTransformers(util.Prioritized(transformer{}, 10000)),
		),
		goldmark.WithRendererOptions(
			html.WithUnsafe(), // authors' raw HTML is kept, then sanitized
			renderer.WithNodeRenderers(util.Prioritized(&nodeRenderer{permalink: b.cfg.Permalink, linenums: b.cfg.LineNumbers}, 100)),
		),
	)
	return &markdown{b: b, md: md}
}

// pageState is what the transformer learns about one page while parsing.
type pageState struct {
	b          *builder
	page       *Page
	src        []byte
	locs       []srcLoc // output line -> source location
	lineStarts []int
	warns      []Warning
	ids        map[string]bool
	headings   []TOCEntry // flat, in order
	h1         string
	tabSets    int
	codes      [][]byte // highlighted code blocks, spliced in after sanitizing
}

// renderPage reads, expands, parses and renders p. It returns the expanded
// source (hashed into the site's etag) and the page's warnings.
func (m *markdown) renderPage(p *Page) ([]byte, []Warning) {
	ps := &pageState{b: m.b, page: p, ids: map[string]bool{}}
	real, err := safePath(m.b.docs, p.Path)
	var raw []byte
	if err == nil {
		raw, err = fs.ReadFile(m.b.docs, real)
	}
	if err != nil {
		ps.warns = append(ps.warns, Warning{File: m.b.srcName(p.Path), Message: "cannot read page: " + err.Error()})
		p.Title = fileTitle(p.Path)
		return nil, ps.warns
	}
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	metaTitle, body, first := splitFrontMatter(raw)
	ps.src, ps.locs = ps.expandSnippets(p.Path, body, first, []string{real})
	ps.src = saneLists(ps.src) // techdocs-core's mdx_truly_sane_lists
	ps.lineStarts = []int{0}
	for i, c := range ps.src {
		if c == '\n' {
			ps.lineStarts = append(ps.lineStarts, i+1)
		}
	}

	pc := parser.NewContext()
	pc.Set(pageStateKey, ps)
	doc := m.md.Parser().Parse(text.NewReader(ps.src), parser.WithContext(pc))
	var buf bytes.Buffer
	if err := m.md.Renderer().Render(&buf, ps.src, doc); err != nil {
		ps.warns = append(ps.warns, Warning{File: m.b.srcName(p.Path), Message: "render: " + err.Error()})
	}
	p.HTML = template.HTML(spliceCode(sanitize(buf.Bytes()), ps.codes))
	p.TOC = nestTOC(ps.headings, m.b.cfg.TOCDepth)
	p.Text, p.Sections = plainText(doc, ps.src)
	switch {
	case metaTitle != "":
		p.Title = metaTitle
	case ps.h1 != "":
		p.Title = ps.h1
	default:
		p.Title = fileTitle(p.Path)
	}
	return ps.src, ps.warns
}

// warnAt records a warning at a byte offset of the expanded source.
func (ps *pageState) warnAt(offset int, msg string) {
	line := sort.Search(len(ps.lineStarts), func(i int) bool { return ps.lineStarts[i] > offset }) - 1
	if line >= 0 && line < len(ps.locs) {
		ps.warnLoc(ps.locs[line], msg)
		return
	}
	ps.warnLoc(srcLoc{file: ps.page.Path}, msg)
}

func (ps *pageState) warnLoc(at srcLoc, msg string) {
	ps.warns = append(ps.warns, Warning{File: ps.b.srcName(at.file), Line: at.line, Message: msg})
}

// transformer applies what Python-Markdown's tree processors do: attribute
// lists, heading ids, abbreviations, tab sets and link rewriting.
type transformer struct{}

func (transformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	ps, _ := pc.Get(pageStateKey).(*pageState)
	if ps == nil {
		return
	}
	src := reader.Source()
	var abbrs []*AbbrDefinition
	var headings, paragraphs, links []ast.Node
	var items []*ast.ListItem
	var fences []*ast.FencedCodeBlock
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *AbbrDefinition:
			abbrs = append(abbrs, n)
		case *ast.Heading:
			headings = append(headings, n)
		case *ast.Paragraph:
			paragraphs = append(paragraphs, n)
		case *ast.Link, *ast.Image:
			links = append(links, n)
		case *ast.FencedCodeBlock:
			fences = append(fences, n)
		case *east.TaskCheckBox:
			if li, ok := n.Parent().Parent().(*ast.ListItem); ok {
				items = append(items, li)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range paragraphs {
		ps.applyAttrList(n, src)
	}
	for _, n := range headings {
		h := n.(*ast.Heading)
		ps.applyAttrList(h, src)
		title := strings.TrimSpace(inlineText(h, src))
		id := ""
		if v, ok := h.AttributeString("id"); ok {
			id = string(v.([]byte))
		}
		if id == "" {
			id = slugify(title)
		}
		id = uniqueID(id, ps.ids)
		h.SetAttributeString("id", []byte(id))
		ps.headings = append(ps.headings, TOCEntry{Title: title, ID: id, Level: h.Level})
		if h.Level == 1 && ps.h1 == "" {
			ps.h1 = title
		}
	}
	for _, n := range links {
		switch l := n.(type) {
		case *ast.Link:
			l.Destination = []byte(ps.rewriteLink(string(l.Destination), nodeOffset(l), false))
		case *ast.Image:
			l.Destination = []byte(ps.rewriteLink(string(l.Destination), nodeOffset(l), true))
		}
	}
	// Highlighted code is chroma's output from escaped tokens: trusted, and
	// most of a page's markup. It skips the sanitizer (which would only
	// re-parse thousands of spans) and is spliced in afterwards at
	// placeholders that carry a per-process secret, so authors cannot forge one.
	for _, f := range fences {
		var fi fenceInfo
		if f.Info != nil {
			fi = parseFenceInfo(string(f.Info.Segment.Value(src)))
		}
		if fi.lang == "mermaid" {
			continue
		}
		var code bytes.Buffer
		for i := 0; i < f.Lines().Len(); i++ {
			seg := f.Lines().At(i)
			code.Write(seg.Value(src))
		}
		f.SetAttributeString(codeAttr, []byte(strconv.Itoa(len(ps.codes))))
		ps.codes = append(ps.codes, ps.b.highlight(code.String(), fi))
	}
	for _, li := range items {
		li.SetAttributeString("class", []byte("task-list-item"))
	}
	if len(abbrs) > 0 {
		markAbbreviations(doc, src, abbrs)
	}
	groupTabs(doc, &ps.tabSets)
}

// nodeOffset finds a byte offset in the source for n, for warnings.
func nodeOffset(n ast.Node) int {
	for c := n; c != nil; c = c.Parent() {
		if t, ok := c.(*ast.Text); ok {
			return t.Segment.Start
		}
		for ch := c.FirstChild(); ch != nil; ch = ch.NextSibling() {
			if t, ok := ch.(*ast.Text); ok {
				return t.Segment.Start
			}
		}
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			return c.Lines().At(0).Start
		}
	}
	return 0
}

// rewriteLink maps a link written against the Markdown tree ("../x/y.md#a",
// "img/a.png") to the built site's URL, relative to the page, as MkDocs
// does; targets that do not exist are reported.
func (ps *pageState) rewriteLink(dest string, offset int, image bool) string {
	if dest == "" || strings.HasPrefix(dest, "#") || isExternal(dest) || strings.HasPrefix(dest, "//") {
		return dest
	}
	target, frag := dest, ""
	if i := strings.IndexAny(target, "#"); i >= 0 {
		target, frag = target[:i], target[i:]
	}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		target = target[:i] // a query means nothing to a static site
	}
	if unescaped, err := pathUnescape(target); err == nil {
		target = unescaped
	}
	what := "link"
	if image {
		what = "image"
	}
	resolved := path.Join(path.Dir(ps.page.Path), target)
	if escapes(resolved) || strings.ContainsRune(target, '\\') {
		ps.warnAt(offset, fmt.Sprintf("%s %q points outside the docs directory", what, dest))
		return dest
	}
	from := path.Dir(ps.page.URL)
	if _, ok := ps.b.pages[resolved]; ok {
		return relURL(from, linkURL(ps.b.pageURL(resolved))) + frag
	}
	for _, idx := range []string{"index.md", "README.md"} {
		if _, ok := ps.b.pages[path.Join(resolved, idx)]; ok {
			return relURL(from, linkURL(ps.b.pageURL(path.Join(resolved, idx)))) + frag
		}
	}
	if ps.b.assets[resolved] {
		return relURL(from, resolved) + frag
	}
	if isMarkdown(resolved) {
		ps.warnAt(offset, fmt.Sprintf("link %q: page %s not found in the docs directory", dest, resolved))
	} else {
		ps.warnAt(offset, fmt.Sprintf("%s %q: %s not found in the docs directory", what, dest, resolved))
	}
	return dest
}

// relURL is the relative URL from a page's folder (fromDir, "." for the
// root) to a site path (a file, or a folder ending in "/", "" for the root).
func relURL(fromDir, to string) string {
	trailing := to == "" || strings.HasSuffix(to, "/")
	var from, parts []string
	if fromDir != "." && fromDir != "" {
		from = strings.Split(fromDir, "/")
	}
	if t := strings.Trim(to, "/"); t != "" {
		parts = strings.Split(t, "/")
	}
	i := 0
	for i < len(from) && i < len(parts)-boolInt(!trailing) && from[i] == parts[i] {
		i++
	}
	rest := parts[i:]
	for j, p := range rest {
		rest[j] = escapeSegment(p)
	}
	out := strings.Repeat("../", len(from)-i) + strings.Join(rest, "/")
	if trailing && len(rest) > 0 {
		out += "/"
	}
	if out == "" {
		return "./"
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var attrListRE = regexp.MustCompile(`\{:?[ \t]*([^{}\n]*?)[ \t]*\}[ \t]*$`)

// inlineText is the plain text of n's inline content.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

var (
	slugStrip = regexp.MustCompile(`[^\w\s-]`)
	slugJoin  = regexp.MustCompile(`[-\s]+`)
	idCount   = regexp.MustCompile(`^(.*)_([0-9]+)$`)
)

// slugify is Python-Markdown's toc slugify: NFKD, ASCII only, drop
// punctuation, lowercase, runs of spaces and dashes become one dash.
func slugify(s string) string {
	s = norm.NFKD.String(s)
	var ascii strings.Builder
	for _, r := range s {
		if r < 0x80 {
			ascii.WriteRune(r)
		}
	}
	s = strings.ToLower(strings.TrimSpace(slugStrip.ReplaceAllString(ascii.String(), "")))
	return slugJoin.ReplaceAllString(s, "-")
}

// uniqueID is Python-Markdown's toc unique(): "x", then "x_1", "x_2".
func uniqueID(id string, used map[string]bool) string {
	for used[id] || id == "" {
		if m := idCount.FindStringSubmatch(id); m != nil {
			n, _ := strconv.Atoi(m[2])
			id = m[1] + "_" + strconv.Itoa(n+1)
		} else {
			id += "_1"
		}
	}
	used[id] = true
	return id
}

// nestTOC turns the flat heading list into a tree, dropping levels deeper
// than depth.
func nestTOC(flat []TOCEntry, depth int) []TOCEntry {
	var build func(i, level int) ([]TOCEntry, int)
	build = func(i, level int) ([]TOCEntry, int) {
		var out []TOCEntry
		for i < len(flat) {
			h := flat[i]
			if h.Level > depth {
				i++
				continue
			}
			if h.Level < level && len(out) > 0 {
				return out, i
			}
			if h.Level < level {
				level = h.Level
			}
			i++
			var kids []TOCEntry
			if i < len(flat) && flat[i].Level > h.Level {
				kids, i = build(i, h.Level+1)
			}
			h.Children = kids
			out = append(out, h)
			if i < len(flat) && flat[i].Level < level {
				return out, i
			}
		}
		return out, i
	}
	out, _ := build(0, 1)
	return out
}

// plainText extracts the page's text for search, whole and per heading.
func plainText(doc ast.Node, src []byte) (string, []Section) {
	var all strings.Builder
	var sections []Section
	var cur *strings.Builder
	write := func(s string) {
		all.WriteString(s)
		if cur != nil {
			cur.WriteString(s)
		}
	}
	writeBytes := func(b []byte) {
		all.Write(b)
		if cur != nil {
			cur.Write(b)
		}
	}
	var texts []*strings.Builder
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock {
				write(" ")
			}
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			id, _ := n.AttributeString("id")
			title := strings.TrimSpace(inlineText(n, src))
			sections = append(sections, Section{ID: string(id.([]byte)), Title: title})
			cur = &strings.Builder{}
			texts = append(texts, cur)
			all.WriteString(title + " ")
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			writeBytes(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				write(" ")
			}
		case *ast.String:
			write(string(n.Value))
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				writeBytes(seg.Value(src))
			}
			return ast.WalkSkipChildren, nil
		case *Admonition:
			write(n.Title + " ")
		case *Tab:
			write(n.Title + " ")
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	for i := range sections {
		sections[i].Text = collapseSpace(texts[i].String())
	}
	return collapseSpace(all.String()), sections
}

// collapseSpace is strings.Join(strings.Fields(s), " ") without the slice.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for f := range strings.FieldsSeq(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}
