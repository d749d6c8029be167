package techdocs

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The block syntaxes of Python-Markdown and pymdownx that goldmark lacks.
// Admonitions, details and tabs are containers whose body is indented by
// four spaces, parsed like a list item's: the body is ordinary Markdown.

// Admonition is `!!! type "Title"` (a box) or `??? type "Title"` (a
// collapsible <details>, open with `???+`).
type Admonition struct {
	ast.BaseBlock
	Classes     []string // the type first, then extra classes
	Title       string
	NoTitle     bool // `!!! note ""`
	Collapsible bool
	Open        bool
}

// KindAdmonition is the node kind of Admonition.
var KindAdmonition = ast.NewNodeKind("Admonition")

func (n *Admonition) Kind() ast.NodeKind            { return KindAdmonition }
func (n *Admonition) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// Tab is one `=== "Title"` block of pymdownx.tabbed. Consecutive tabs are
// grouped into a TabSet after parsing.
type Tab struct {
	ast.BaseBlock
	Title    string
	Selected bool // `===+`
	NewSet   bool // `===!`
}

// KindTab is the node kind of Tab.
var KindTab = ast.NewNodeKind("Tab")

func (n *Tab) Kind() ast.NodeKind            { return KindTab }
func (n *Tab) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// TabSet groups consecutive tabs; ID numbers it within the page.
type TabSet struct {
	ast.BaseBlock
	ID int
}

// KindTabSet is the node kind of TabSet.
var KindTabSet = ast.NewNodeKind("TabSet")

func (n *TabSet) Kind() ast.NodeKind            { return KindTabSet }
func (n *TabSet) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// AbbrDefinition is a `*[HTML]: Hyper Text Markup Language` line; it
// renders nothing and is removed once its uses are marked.
type AbbrDefinition struct {
	ast.BaseBlock
	Term, Title string
}

// KindAbbrDefinition is the node kind of AbbrDefinition.
var KindAbbrDefinition = ast.NewNodeKind("AbbrDefinition")

func (n *AbbrDefinition) Kind() ast.NodeKind            { return KindAbbrDefinition }
func (n *AbbrDefinition) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// Abbr is a use of a defined abbreviation: <abbr title="...">.
type Abbr struct {
	ast.BaseInline
	Title string
}

// KindAbbr is the node kind of Abbr.
var KindAbbr = ast.NewNodeKind("Abbr")

func (n *Abbr) Kind() ast.NodeKind            { return KindAbbr }
func (n *Abbr) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

var (
	admonitionRE       = regexp.MustCompile(`^(!!!|\?\?\?\+?)[ \t]+([\w-]+(?:[ \t]+[\w-]+)*)(?:[ \t]+"(.*?)")?[ \t]*$`)
	admonitionNoTypeRE = regexp.MustCompile(`^(!!!|\?\?\?\+?)[ \t]+"(.*?)"[ \t]*$`)
	tabRE              = regexp.MustCompile(`^===([!+]{0,2})[ \t]+"(.*?)"[ \t]*$`)
	abbrRE             = regexp.MustCompile(`^\*\[([^\]\n]+)\]:[ \t]*(.*?)[ \t]*$`)
)

// containerParser parses admonitions, details and tabs.
type containerParser struct{}

func (containerParser) Trigger() []byte { return []byte{'!', '?', '='} }

func (containerParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, _ := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 {
		return nil, parser.NoChildren
	}
	l := strings.TrimRight(string(line[pos:]), "\r\n")
	var node ast.Node
	switch {
	case strings.HasPrefix(l, "==="):
		m := tabRE.FindStringSubmatch(l)
		if m == nil {
			return nil, parser.NoChildren
		}
		node = &Tab{Title: m[2], Selected: strings.Contains(m[1], "+"), NewSet: strings.Contains(m[1], "!")}
	default:
		a := &Admonition{}
		if m := admonitionRE.FindStringSubmatch(l); m != nil {
			a.Classes = strings.Fields(strings.ToLower(m[2]))
			a.Title = m[3]
			a.NoTitle = m[3] == "" && strings.Contains(l, `""`)
			if m[3] == "" && !a.NoTitle {
				a.Title = capitalize(a.Classes[0])
			}
			a.Collapsible, a.Open = m[1] != "!!!", m[1] == "???+"
		} else if m := admonitionNoTypeRE.FindStringSubmatch(l); m != nil {
			a.Classes = []string{"note"}
			a.Title, a.NoTitle = m[2], m[2] == ""
			a.Collapsible, a.Open = m[1] != "!!!", m[1] == "???+"
		} else {
			return nil, parser.NoChildren
		}
		node = a
	}
	reader.AdvanceToEOL()
	return node, parser.HasChildren
}

func (containerParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, _ := reader.PeekLine()
	if util.IsBlank(line) {
		reader.AdvanceToEOL()
		return parser.Continue | parser.HasChildren
	}
	if indent, _ := util.IndentWidth(line, reader.LineOffset()); indent < 4 {
		return parser.Close
	}
	pos, padding := util.IndentPosition(line, reader.LineOffset(), 4)
	reader.AdvanceAndSetPadding(pos, padding)
	return parser.Continue | parser.HasChildren
}

func (containerParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (containerParser) CanInterruptParagraph() bool                                { return true }
func (containerParser) CanAcceptIndentedLine() bool                                { return false }

// abbrParser parses abbreviation definitions.
type abbrParser struct{}

func (abbrParser) Trigger() []byte { return []byte{'*'} }

func (abbrParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, _ := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 {
		return nil, parser.NoChildren
	}
	m := abbrRE.FindStringSubmatch(strings.TrimRight(string(line[pos:]), "\r\n"))
	if m == nil {
		return nil, parser.NoChildren
	}
	reader.AdvanceToEOL()
	return &AbbrDefinition{Term: m[1], Title: m[2]}, parser.NoChildren
}

func (abbrParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	return parser.Close
}
func (abbrParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (abbrParser) CanInterruptParagraph() bool                                { return true }
func (abbrParser) CanAcceptIndentedLine() bool                                { return false }

// groupTabs wraps each run of consecutive Tab siblings in a TabSet. A tab
// marked `===!` starts a new set even right after another tab.
func groupTabs(parent ast.Node, next *int) {
	for c := parent.FirstChild(); c != nil; {
		tab, ok := c.(*Tab)
		if !ok {
			groupTabs(c, next)
			c = c.NextSibling()
			continue
		}
		*next++
		set := &TabSet{ID: *next}
		parent.InsertBefore(parent, c, set)
		for c != nil {
			t, ok := c.(*Tab)
			if !ok || (t.NewSet && t != tab) {
				break
			}
			following := c.NextSibling()
			parent.RemoveChild(parent, c)
			set.AppendChild(set, c)
			groupTabs(c, next)
			c = following
		}
	}
}
