package techdocs

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alecthomas/chroma/v2"
	chtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	ghtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// nodeRenderer writes the HTML that MkDocs with techdocs-core writes for
// headings (with permalinks), code (pymdownx.highlight markup, chroma's
// class names), mermaid fences, admonitions, details, tabs and
// abbreviations.
type nodeRenderer struct {
	permalink string
	linenums  bool
}

func (r *nodeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, r.heading)
	reg.Register(ast.KindFencedCodeBlock, r.fencedCode)
	reg.Register(KindAdmonition, r.admonition)
	reg.Register(KindTabSet, r.tabSet)
	reg.Register(KindTab, r.tab)
	reg.Register(KindAbbr, r.abbr)
	reg.Register(KindAbbrDefinition, func(util.BufWriter, []byte, ast.Node, bool) (ast.WalkStatus, error) {
		return ast.WalkSkipChildren, nil
	})
}

func (r *nodeRenderer) heading(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	if entering {
		fmt.Fprintf(w, "<h%d", n.Level)
		ghtml.RenderAttributes(w, n, nil)
		w.WriteByte('>')
		return ast.WalkContinue, nil
	}
	if id, ok := n.AttributeString("id"); ok && r.permalink != "" {
		fmt.Fprintf(w, `<a class="headerlink" href="#%s" title="Permanent link">%s</a>`,
			html.EscapeString(string(id.([]byte))), html.EscapeString(r.permalink))
	}
	fmt.Fprintf(w, "</h%d>\n", n.Level)
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) admonition(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*Admonition)
	classes := html.EscapeString(strings.Join(n.Classes, " "))
	if n.Collapsible {
		if entering {
			open := ""
			if n.Open {
				open = " open"
			}
			fmt.Fprintf(w, "<details class=\"%s\"%s>\n<summary>%s</summary>\n", classes, open, html.EscapeString(n.Title))
		} else {
			w.WriteString("</details>\n")
		}
		return ast.WalkContinue, nil
	}
	if entering {
		fmt.Fprintf(w, "<div class=\"admonition %s\">\n", classes)
		if !n.NoTitle {
			fmt.Fprintf(w, "<p class=\"admonition-title\">%s</p>\n", html.EscapeString(n.Title))
		}
	} else {
		w.WriteString("</div>\n")
	}
	return ast.WalkContinue, nil
}

// tabSet writes pymdownx.tabbed's alternate style: radio inputs, labels,
// then one block per tab; CSS shows the block of the checked input.
func (r *nodeRenderer) tabSet(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*TabSet)
	if !entering {
		w.WriteString("</div>\n</div>\n")
		return ast.WalkContinue, nil
	}
	var tabs []*Tab
	selected := 0
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*Tab); ok {
			if t.Selected {
				selected = len(tabs)
			}
			tabs = append(tabs, t)
		}
	}
	fmt.Fprintf(w, "<div class=\"tabbed-set tabbed-alternate\" data-tabs=\"%d:%d\">", n.ID, len(tabs))
	for i := range tabs {
		checked := ""
		if i == selected {
			checked = ` checked="checked"`
		}
		fmt.Fprintf(w, `<input%s id="__tabbed_%d_%d" name="__tabbed_%d" type="radio">`, checked, n.ID, i+1, n.ID)
	}
	w.WriteString(`<div class="tabbed-labels">`)
	for i, t := range tabs {
		fmt.Fprintf(w, `<label for="__tabbed_%d_%d">%s</label>`, n.ID, i+1, html.EscapeString(t.Title))
	}
	w.WriteString("</div>\n<div class=\"tabbed-content\">\n")
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) tab(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString("<div class=\"tabbed-block\">\n")
	} else {
		w.WriteString("</div>\n")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) abbr(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		fmt.Fprintf(w, `<abbr title="%s">`, html.EscapeString(node.(*Abbr).Title))
	} else {
		w.WriteString("</abbr>")
	}
	return ast.WalkContinue, nil
}

// fenceInfo is a parsed fence info string: "python title=\"a.py\"
// linenums=\"1\" hl_lines=\"2 3\"" or superfences' "{.python title=...}".
type fenceInfo struct {
	lang, title string
	linenums    int
	hlLines     [][2]int
}

var fenceAttrRE = regexp.MustCompile(`([\w-]+)=("[^"]*"|'[^']*'|\S+)`)

func parseFenceInfo(info string) fenceInfo {
	info = strings.TrimSpace(info)
	info = strings.TrimSuffix(strings.TrimPrefix(info, "{"), "}")
	var fi fenceInfo
	fields := strings.Fields(info)
	if len(fields) > 0 && !strings.Contains(fields[0], "=") {
		fi.lang = strings.ToLower(strings.TrimPrefix(fields[0], "."))
	}
	for _, m := range fenceAttrRE.FindAllStringSubmatch(info, -1) {
		v := strings.Trim(m[2], `"'`)
		switch m[1] {
		case "title":
			fi.title = v
		case "linenums":
			fi.linenums, _ = strconv.Atoi(strings.Fields(v + " 0")[0])
		case "hl_lines":
			for _, f := range strings.Fields(v) {
				a, b, ok := strings.Cut(f, "-")
				from, _ := strconv.Atoi(a)
				to := from
				if ok {
					to, _ = strconv.Atoi(b)
				}
				if from > 0 && to >= from {
					fi.hlLines = append(fi.hlLines, [2]int{from, to})
				}
			}
		}
	}
	return fi
}

func (r *nodeRenderer) fencedCode(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	if v, ok := n.AttributeString(codeAttr); ok {
		fmt.Fprintf(w, "<div class=\"%s%s\"></div>\n", codePlaceholder, v.([]byte))
		return ast.WalkSkipChildren, nil
	}
	var code bytes.Buffer
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		code.Write(seg.Value(src))
	}
	var fi fenceInfo
	if n.Info != nil {
		fi = parseFenceInfo(string(n.Info.Segment.Value(src)))
	}
	if fi.lang == "mermaid" {
		// Passed through for mermaid.js in the browser.
		fmt.Fprintf(w, "<pre class=\"mermaid\">%s</pre>\n", html.EscapeString(code.String()))
		return ast.WalkSkipChildren, nil
	}
	highlightCode(w, code.String(), fi, r.linenums)
	return ast.WalkSkipChildren, nil
}

// highlightCode writes pymdownx.highlight's wrapper around chroma's
// class-based output: <div class="highlight"><pre class="chroma">...
func highlightCode(w codeWriter, code string, fi fenceInfo, linenums bool) {
	lexer := lexerFor(fi.lang)
	opts := []chtml.Option{chtml.WithClasses(true), chtml.PreventSurroundingPre(false)}
	if fi.linenums > 0 || linenums {
		start := fi.linenums
		if start == 0 {
			start = 1
		}
		opts = append(opts, chtml.WithLineNumbers(true), chtml.LineNumbersInTable(true), chtml.BaseLineNumber(start))
	}
	if len(fi.hlLines) > 0 {
		opts = append(opts, chtml.HighlightLines(fi.hlLines))
	}
	lang := ""
	if fi.lang != "" {
		lang = " language-" + html.EscapeString(fi.lang)
	}
	fmt.Fprintf(w, "<div class=\"highlight%s\">", lang)
	if fi.title != "" {
		fmt.Fprintf(w, "<span class=\"filename\">%s</span>", html.EscapeString(fi.title))
	}
	formatter := plainFormatter
	if len(opts) > 2 {
		formatter = chtml.New(opts...)
	}
	it, err := lexer.Tokenise(nil, code)
	if err == nil {
		err = formatter.Format(w, styles.Fallback, it)
	}
	if err != nil {
		fmt.Fprintf(w, "<pre><code>%s</code></pre>", html.EscapeString(code))
	}
	w.WriteString("</div>\n")
}

// codeWriter is what highlightCode writes to: goldmark's bufio.Writer, or
// a bytes.Buffer directly.
type codeWriter interface {
	io.Writer
	io.StringWriter
}

// lexerCache maps a fence's language to its coalesced lexer, so each block
// skips the registry lookup (which, for a name that is no lexer's, tries
// every lexer's filename globs) and the Coalesce wrapper. Languages come
// from authors, so the cache is bounded: past lexerCacheMax names, new
// ones are looked up each time.
var (
	lexerCache     sync.Map // string -> chroma.Lexer
	lexerCacheSize atomic.Int32
)

const lexerCacheMax = 1024

func lexerFor(lang string) chroma.Lexer {
	if l, ok := lexerCache.Load(lang); ok {
		return l.(chroma.Lexer)
	}
	lexer := lexers.Get(lang)
	if lexer == nil {
		lexer = lexers.Fallback
	}
	if rl, ok := lexer.(*chroma.RegexLexer); ok {
		if fl, err := newFastLexer(rl); err == nil {
			lexer = fl
		}
	}
	lexer = chroma.Coalesce(lexer)
	if lexerCacheSize.Add(1) <= lexerCacheMax {
		lexerCache.Store(lang, lexer)
	}
	return lexer
}

// codeAttr marks a fenced block highlighted by the transformer.
const codeAttr = "data-callboard-code"

// codePlaceholder is the class of the element that stands for a
// highlighted block until spliceCode replaces it. Its random part is made
// once per process, so Markdown cannot contain a valid one.
var codePlaceholder = "cb-code-" + randomHex() + "-"

func randomHex() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// spliceCode replaces the placeholders in sanitized HTML with the
// highlighted blocks.
func spliceCode(html []byte, codes [][]byte) []byte {
	if len(codes) == 0 {
		return html
	}
	var out bytes.Buffer
	out.Grow(len(html) + len(codes)*512)
	prefix := []byte(`<div class="` + codePlaceholder)
	for {
		i := bytes.Index(html, prefix)
		if i < 0 {
			break
		}
		rest := html[i+len(prefix):]
		j := bytes.Index(rest, []byte(`"></div>`))
		n, err := strconv.Atoi(string(rest[:max(j, 0)]))
		if j < 0 || err != nil || n < 0 || n >= len(codes) {
			out.Write(html[:i+len(prefix)])
			html = rest
			continue
		}
		out.Write(html[:i])
		out.Write(bytes.TrimSuffix(codes[n], []byte("\n")))
		html = rest[j+len(`"></div>`):]
	}
	out.Write(html)
	return out.Bytes()
}

// plainFormatter serves the common case; a formatter caches per-style
// work, so building one per block would redo it for every block.
var plainFormatter = chtml.New(chtml.WithClasses(true), chtml.PreventSurroundingPre(false))

//go:embed assets/techdocs.css
var baseCSS string

// CodeStyle and CodeStyleDark are the chroma styles whose colours
// StyleSheet uses, the dark one under prefers-color-scheme: dark.
const (
	CodeStyle     = "github"
	CodeStyleDark = "github-dark"
)

// StyleSheet returns the CSS for rendered pages: admonitions, details,
// tabs, task lists, permalinks and code highlighting (chroma classes in the
// CodeStyle colours, and CodeStyleDark's in dark mode). The portal serves
// it beside the page HTML; Write puts it in each site as
// assets/stylesheets/callboard.css.
func StyleSheet() []byte {
	var b bytes.Buffer
	b.WriteString(baseCSS)
	if err := chtml.New(chtml.WithClasses(true)).WriteCSS(&b, styles.Get(CodeStyle)); err != nil {
		b.WriteString("/* chroma: " + err.Error() + " */\n")
	}
	var dark bytes.Buffer
	if err := chtml.New(chtml.WithClasses(true)).WriteCSS(&dark, styles.Get(CodeStyleDark)); err != nil {
		b.WriteString("/* chroma: " + err.Error() + " */\n")
		return b.Bytes()
	}
	// chroma writes a class only where the style differs from its plain
	// text, so a light colour the dark style leaves plain would survive
	// (dark on dark). Under .md-typeset the dark rules outrank the light
	// ones, after a reset of every token to the dark text colour.
	var rules strings.Builder
	rules.WriteString(".md-typeset .chroma span { color: inherit; background-color: transparent; font-weight: inherit; font-style: inherit; text-decoration: none; }\n")
	for line := range strings.Lines(dark.String()) {
		if strings.HasPrefix(line, "/* Background */") {
			continue // a global .bg class; pages never use it
		}
		rules.WriteString(strings.ReplaceAll(line, ".chroma", ".md-typeset .chroma"))
	}
	// github-dark's highlighted-line grey leaves light text at 4:1; a dim
	// amber as GitHub's own dark theme uses keeps it readable.
	rules.WriteString(".md-typeset .chroma .hl { background-color: #2e2a1e; }\n")
	// Dark is the system's unless the portal's Settings chose light, or
	// the one chosen there (data-theme on <html>); a site read outside the
	// portal has no data-theme and follows the system.
	scoped := func(root string) string {
		return strings.ReplaceAll(rules.String(), ".md-typeset .chroma", root+" .md-typeset .chroma")
	}
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	b.WriteString(scoped(`:root:not([data-theme="light"])`))
	b.WriteString("}\n")
	b.WriteString(scoped(`:root[data-theme="dark"]`))
	return b.Bytes()
}

// Small helpers shared by the package.

func itoa(n int) string { return strconv.Itoa(n) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func pathUnescape(s string) (string, error) { return url.PathUnescape(s) }

func escapeSegment(s string) string { return url.PathEscape(s) }
