package graph

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Typography used for sizing; the CSS below uses the same sizes.
const (
	nameSize  = 13.0
	kindSize  = 10.0
	titleSize = 11.0
	labelSize = 11.0
	minNodeW  = 150.0
	maxNodeW  = 240.0
	textPad   = 12.0 // inside a node, left and right
)

// style is the SVG's own stylesheet. Every rule is scoped to .cb-graph and
// reads the page's variables first, with light and dark fallbacks.
const style = `.cb-graph{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;--k:var(--cb-kind-other,#64748b)}
.cb-graph .node rect.box{fill:var(--cb-surface,#fff);stroke:var(--k);stroke-width:1.25}
.cb-graph .node rect.bar{fill:var(--k)}
.cb-graph .node.focus rect.box{fill:var(--cb-accent-soft,#eaf1ff);stroke-width:2.5}
.cb-graph .node.more rect.box{stroke-dasharray:4 3}
.cb-graph .node:hover rect.box,.cb-graph .node:focus rect.box{stroke-width:2.5}
.cb-graph .node:focus{outline:none}.cb-graph .node:focus-visible rect.box{stroke:var(--cb-accent,#2563eb);stroke-width:3}
.cb-graph .kind{fill:var(--k);font-size:10px;font-weight:600;letter-spacing:.06em}
.cb-graph .name{fill:var(--cb-text,#111827);font-size:13px;font-weight:500}
.cb-graph .focus .name{font-weight:700}
.cb-graph .title{fill:var(--cb-muted,#6b7280);font-size:11px}
.cb-graph .edge path{fill:none;stroke:var(--cb-graph-edge,#9ca3af);stroke-width:1.25}
.cb-graph .arrow{fill:var(--cb-graph-edge,#9ca3af)}
.cb-graph .label{fill:var(--cb-muted,#6b7280);font-size:11px;paint-order:stroke;stroke:var(--cb-surface,#fff);stroke-width:4px;stroke-linejoin:round}
.cb-graph .kind-component{--k:var(--cb-kind-component,#2563eb)}
.cb-graph .kind-api{--k:var(--cb-kind-api,#7c3aed)}
.cb-graph .kind-resource{--k:var(--cb-kind-resource,#0f766e)}
.cb-graph .kind-system{--k:var(--cb-kind-system,#c2410c)}
.cb-graph .kind-domain{--k:var(--cb-kind-domain,#a21caf)}
.cb-graph .kind-group{--k:var(--cb-kind-group,#4d7c0f)}
.cb-graph .kind-user{--k:var(--cb-kind-user,#475569)}
@media (prefers-color-scheme:dark){
.cb-graph{--k:var(--cb-kind-other,#94a3b8)}
.cb-graph .node rect.box{fill:var(--cb-surface,#1f2937)}
.cb-graph .node.focus rect.box{fill:var(--cb-accent-soft,#1e3a5f)}
.cb-graph .name{fill:var(--cb-text,#e5e7eb)}
.cb-graph .title,.cb-graph .label{fill:var(--cb-muted,#9ca3af)}
.cb-graph .label{stroke:var(--cb-surface,#1f2937)}
.cb-graph .edge path{stroke:var(--cb-graph-edge,#6b7280)}
.cb-graph .arrow{fill:var(--cb-graph-edge,#6b7280)}
.cb-graph .kind-component{--k:var(--cb-kind-component,#60a5fa)}
.cb-graph .kind-api{--k:var(--cb-kind-api,#a78bfa)}
.cb-graph .kind-resource{--k:var(--cb-kind-resource,#2dd4bf)}
.cb-graph .kind-system{--k:var(--cb-kind-system,#fb923c)}
.cb-graph .kind-domain{--k:var(--cb-kind-domain,#e879f9)}
.cb-graph .kind-group{--k:var(--cb-kind-group,#a3e635)}
.cb-graph .kind-user{--k:var(--cb-kind-user,#cbd5e1)}
}`

// esc escapes s for XML text and attributes, dropping characters XML 1.0
// cannot carry (most control characters) so the result always parses.
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r <= 0xDFFF)) {
			return r
		}
		return -1
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return template.HTMLEscapeString(s)
}

// safeURL returns u when it is a relative path or an http(s) URL, else "#":
// a node link never runs script.
func safeURL(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return u
	}
	if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
		return u
	}
	return "#"
}

// classToken makes s usable in a class attribute: lowercase letters,
// digits and dashes only.
func classToken(s string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			return r
		}
		return -1
	}, s)
}

// textWidth estimates the rendered width of s at size px: wide (CJK) runes
// take a full em, others about 0.6 em, which is generous for system fonts.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case isWide(r):
			w += size
		case unicode.IsUpper(r) || r == 'm' || r == 'w':
			w += 0.72 * size
		default:
			w += 0.58 * size
		}
	}
	return w
}

func isWide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x3000 && r <= 0x303F) || r >= 0x1F300
}

// fit shortens s with an ellipsis so it fits in width at size.
func fit(s string, size, width float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	for s != "" {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
		if textWidth(s+"…", size) <= width {
			break
		}
	}
	return s + "…"
}

func nodeWidth(nodes []Node) float64 {
	w := minNodeW
	for _, n := range nodes {
		w = max(w, textWidth(n.Name, nameSize)+2*textPad+4, textWidth(n.Title, titleSize)+2*textPad+4)
	}
	return min(w, maxNodeW)
}

func f(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func (l *layout) x(layer int) float64 { return pad + float64(layer)*(l.nodeW+gapX) }

// svg writes the drawing. IDs are prefixed with a hash of the content so
// several graphs can share a page.
func (l *layout) svg(opts Options) string {
	w := pad*2 + float64(len(l.layers))*l.nodeW + float64(max(len(l.layers)-1, 0))*gapX
	h := pad * 2
	for _, v := range l.verts {
		h = max(h, v.y+v.h+pad)
	}
	var focus []*Node
	for _, v := range l.verts {
		if v.node != nil && v.node.Focus {
			focus = append(focus, v.node)
		}
	}
	title := opts.Title
	if title == "" {
		title = "Relations"
		if len(focus) > 0 {
			title = "Relations of " + focus[0].Ref
		}
	}
	desc := l.describe()
	hs := fnv.New64a()
	hs.Write([]byte(title + desc))
	id := fmt.Sprintf("cbg%x", hs.Sum64()&0xffffffff)

	dw, dh := w, h
	if opts.Width > 0 {
		dw, dh = float64(opts.Width), h*float64(opts.Width)/w
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="cb-graph" role="group" aria-labelledby="%s-t %s-d" viewBox="0 0 %s %s" width="%s" height="%s" style="max-width:100%%;height:auto">`+"\n",
		id, id, f(w), f(h), f(dw), f(dh))
	fmt.Fprintf(&b, "<title id=\"%s-t\">%s</title>\n<desc id=\"%s-d\">%s</desc>\n", id, esc(title), id, esc(desc))
	b.WriteString("<style>" + style + "</style>\n")
	fmt.Fprintf(&b, `<defs><marker id="%s-a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow" fill="#9ca3af" d="M0,0L10,5L0,10z"/></marker></defs>`+"\n", id)
	b.WriteString(`<g class="edges">` + "\n")
	for _, lb := range l.edges(&b, id) {
		fmt.Fprintf(&b, `<text class="label" x="%s" y="%s" text-anchor="middle" fill="#6b7280" font-size="11">%s</text>`+"\n", f(lb.x), f(lb.y), esc(lb.text))
	}
	b.WriteString("</g>\n<g class=\"nodes\">\n")
	for _, v := range l.verts {
		if v.node != nil {
			l.node(&b, v)
		}
	}
	b.WriteString("</g>\n</svg>")
	return b.String()
}

// curveY is the height at x of the edge curve from (xa, ya) to (xb, yb),
// whose control points sit half a gap out horizontally; x grows with the
// curve parameter, so bisection finds it.
func curveY(xa, ya, xb, yb, x float64) float64 {
	at := func(t float64, p0, p1, p2, p3 float64) float64 {
		u := 1 - t
		return u*u*u*p0 + 3*u*u*t*p1 + 3*u*t*t*p2 + t*t*t*p3
	}
	lo, hi := 0.0, 1.0
	for range 40 {
		m := (lo + hi) / 2
		if at(m, xa, xa+gapX/2, xb-gapX/2, xb) < x {
			lo = m
		} else {
			hi = m
		}
	}
	return at(lo, ya, ya, yb, yb)
}

type label struct {
	x, y, top, w float64
	gap          int
	text         string
}

// edges writes every edge path and returns the labels, spread vertically
// so that labels in the same gap between layers never overlap.
func (l *layout) edges(b *strings.Builder, id string) []label {
	var labels []label
	for _, r := range l.routes {
		c := r.chain
		cls := "edge rel-" + classToken(r.edge.Label)
		var d strings.Builder
		x0 := l.x(c[0].layer) + l.nodeW
		fmt.Fprintf(&d, "M%s,%s", f(x0), f(c[0].cy()))
		for i := 1; i < len(c); i++ {
			xa, ya := l.x(c[i-1].layer)+l.nodeW, c[i-1].cy()
			xb, yb := l.x(c[i].layer), c[i].cy()
			if i == len(c)-1 && !r.reversed {
				xb-- // the arrow's tip touches the border
			}
			fmt.Fprintf(&d, "C%s,%s %s,%s %s,%s", f(xa+gapX/2), f(ya), f(xb-gapX/2), f(yb), f(xb), f(yb))
			if c[i].node == nil {
				fmt.Fprintf(&d, "L%s,%s", f(xb+l.nodeW), f(yb))
			}
		}
		marker := "marker-end"
		if r.reversed {
			marker = "marker-start"
		}
		fmt.Fprintf(b, `<g class="%s"><path d="%s" fill="none" stroke="#9ca3af" %s="url(#%s-a)"/><title>%s</title></g>`+"\n",
			esc(cls), d.String(), marker, id, esc(r.edge.From+" "+r.edge.Label+" "+r.edge.To))
		// Where edges fan out of a vertex the label goes near the far end,
		// where they are apart; where they fan in, near the near end.
		s := 0
		if r.reversed {
			s = len(c) - 2
		}
		a, z := c[s], c[s+1]
		xa, xb := l.x(a.layer)+l.nodeW, l.x(z.layer)
		lx := xa + gapX/2
		switch {
		case len(a.down) > len(z.up):
			lx = xb - gapX*0.34
		case len(a.down) < len(z.up):
			lx = xa + gapX*0.34
		}
		labels = append(labels, label{x: lx, y: curveY(xa, a.cy(), xb, z.cy(), lx), gap: a.layer, text: r.edge.Label})
	}
	// Place labels top-down; one that would overlap a placed label of the
	// same gap moves below it until it is clear.
	sort.SliceStable(labels, func(i, j int) bool { return labels[i].y < labels[j].y })
	const lineH = labelSize + 4
	for i := range labels {
		li := &labels[i]
		li.w = textWidth(li.text, labelSize)
		li.top = li.y - lineH/2
		for moved := true; moved; {
			moved = false
			for j := range i {
				lj := labels[j]
				if lj.gap == li.gap && math.Abs(lj.x-li.x) < (lj.w+li.w)/2+4 &&
					li.top < lj.top+lineH && lj.top < li.top+lineH {
					li.top, moved = lj.top+lineH, true
				}
			}
		}
		li.y = li.top + lineH/2 + labelSize*0.35
	}
	return labels
}

// node writes one node: a link around a box with a kind-coloured bar, the
// kind as a small label, the name and, when it adds something, the title.
func (l *layout) node(b *strings.Builder, v *vertex) {
	n := v.node
	kind := classToken(n.Kind)
	cls := "node kind-" + kind
	if n.Focus {
		cls += " focus"
	}
	if isMore(n) {
		cls += " more"
	}
	tip := n.Ref
	if isMore(n) {
		tip = n.Name
	} else if n.Title != "" {
		tip = n.Title + " (" + n.Ref + ")"
	}
	x, y := l.x(v.layer), v.y
	inner := l.nodeW - 2*textPad - 4
	fmt.Fprintf(b, `<a class="%s" href="%s"`, cls, esc(safeURL(n.URL)))
	if n.Focus {
		b.WriteString(` aria-current="page"`)
	}
	fmt.Fprintf(b, "><title>%s</title>", esc(tip))
	fmt.Fprintf(b, `<rect class="box" x="%s" y="%s" width="%s" height="%s" rx="6" fill="#fff" stroke="#64748b"/>`, f(x), f(y), f(l.nodeW), f(v.h))
	fmt.Fprintf(b, `<rect class="bar" x="%s" y="%s" width="4" height="%s" rx="2" fill="#64748b"/>`, f(x+1), f(y+1), f(v.h-2))
	tx := x + textPad + 2
	fmt.Fprintf(b, `<text class="kind" x="%s" y="%s" fill="#64748b" font-size="10">%s</text>`, f(tx), f(y+16), esc(fit(strings.ToUpper(n.Kind), kindSize*1.1, inner)))
	fmt.Fprintf(b, `<text class="name" x="%s" y="%s" fill="#111827" font-size="13">%s</text>`, f(tx), f(y+34), esc(fit(n.Name, nameSize, inner)))
	if n.Title != "" && n.Title != n.Name {
		fmt.Fprintf(b, `<text class="title" x="%s" y="%s" fill="#6b7280" font-size="11">%s</text>`, f(tx), f(y+50), esc(fit(n.Title, titleSize, inner)))
	}
	b.WriteString("</a>\n")
}

// describe is the text alternative: every node and every relation in words.
func (l *layout) describe() string {
	var parts []string
	for _, v := range l.verts {
		if v.node != nil && v.node.Focus {
			parts = append(parts, v.node.Ref+" (focus)")
		}
	}
	n := 0
	for _, v := range l.verts {
		if v.node != nil {
			n++
		}
	}
	s := fmt.Sprintf("%d entities, %d relations", n, len(l.routes))
	if len(parts) > 0 {
		s += "; " + strings.Join(parts, ", ")
	}
	var rels []string
	for _, r := range l.routes {
		rels = append(rels, r.edge.From+" "+r.edge.Label+" "+r.edge.To)
	}
	if len(rels) > 0 {
		s += ". " + strings.Join(rels, "; ") + "."
	}
	return s
}
