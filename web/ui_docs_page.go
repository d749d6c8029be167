package web

import (
	"bytes"
	"html/template"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"

	"callboard/techdocs"
)

// Reading a published page: its nav, TOC and content, with links rewritten
// to the portal reader.

// readPage fills the page fields of v from a built page: the article
// (sanitized with san, its links made to work in the portal), the nav, the TOC and
// the edit link.
func readPage(raw []byte, links linkResolver, san *techdocs.Sanitizer, v *docsView) {
	content, ok := techdocs.ExtractContent(raw)
	if !ok {
		content = raw // not a MkDocs page: show what sanitizing leaves
	}
	v.HTML, v.PageTitle = rewriteLinks(san.Sanitize(content), links)
	v.ArticleH1 = strings.Contains(string(v.HTML), "<h1")
	doc, err := html.Parse(bytes.NewReader(raw))
	if err != nil {
		return
	}
	var primary, secondary *html.Node
	var walk func(n *html.Node, inPrimary bool)
	walk = func(n *html.Node, inPrimary bool) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "nav" && hasClass(n, "md-nav--primary") && primary == nil:
				primary, inPrimary = n, true
			case n.Data == "nav" && hasClass(n, "md-nav--secondary") && (secondary == nil || !inPrimary):
				if !inPrimary || secondary == nil {
					secondary = n
				}
			case n.Data == "a" && v.EditURL == "" && (hasClass(n, "md-content__button") || hasClass(n, "md-source-edit")):
				if h := attr(n, "href"); strings.HasPrefix(h, "https://") || strings.HasPrefix(h, "http://") {
					if strings.Contains(strings.ToLower(attr(n, "title")+text(n)), "edit") {
						v.EditURL = h
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inPrimary)
		}
	}
	walk(doc, false)
	if primary != nil {
		if ul := firstList(primary); ul != nil {
			v.Nav = navList(ul, links, 0)
		}
	}
	if secondary != nil {
		if ul := firstList(secondary); ul != nil {
			v.TOC = navList(ul, links, 0)
		}
	}
	if v.PageTitle == "" {
		v.PageTitle = activeTitle(v.Nav)
	}
}

func activeTitle(items []docsLink) string {
	for _, it := range items {
		if it.Active {
			return it.Title
		}
		if t := activeTitle(it.Children); t != "" {
			return t
		}
	}
	return ""
}

// firstList returns the first <ul> under n, not looking inside a nested
// TOC (mkdocs-material puts the current page's TOC inside the nav).
func firstList(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.Data == "ul" || c.Data == "ol" {
			return c
		}
		if c.Data == "nav" && hasClass(c, "md-nav--secondary") {
			continue
		}
		if ul := firstList(c); ul != nil {
			return ul
		}
	}
	return nil
}

// navList reads a nav or TOC list: each <li> is a link (its first <a>) or a
// section title (its first label or span), with the first nested list as
// its children. Only text and resolved links are kept, never markup.
func navList(ul *html.Node, links linkResolver, depth int) []docsLink {
	if depth > 8 {
		return nil
	}
	var out []docsLink
	for li := ul.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode || li.Data != "li" {
			continue
		}
		var item docsLink
		var a, label, sub *html.Node
		var find func(n *html.Node)
		find = func(n *html.Node) {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type != html.ElementNode {
					continue
				}
				switch {
				case c.Data == "nav" && hasClass(c, "md-nav--secondary"):
					continue
				case c.Data == "ul" || c.Data == "ol":
					if sub == nil {
						sub = c
					}
					continue
				case c.Data == "a" && a == nil:
					a = c
					continue
				case (c.Data == "label" || c.Data == "span") && label == nil && strings.TrimSpace(text(c)) != "":
					label = c
					continue
				}
				find(c)
			}
		}
		find(li)
		switch {
		case a != nil:
			item.Title = text(a)
			item.URL, item.External = links.resolve(attr(a, "href"))
			item.Active = !item.External && item.URL == links.current
		case label != nil:
			item.Title = text(label)
		default:
			continue
		}
		if sub != nil {
			item.Children = navList(sub, links, depth+1)
		}
		if item.Title == "" && len(item.Children) == 0 {
			continue
		}
		out = append(out, item)
	}
	return out
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text returns the text of n with whitespace collapsed, without the
// permalink signs of headings.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && (hasClass(n, "headerlink") || n.Data == "svg") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "¶", "")), " ")
}

// linkResolver maps links of a built page to portal URLs: pages to the
// reader, other files to the sandboxed static route.
type linkResolver struct {
	dir     string // the page file's folder in the site ("." or "runbook")
	base    string // reader URL of the site root
	static  string // static URL of the site root
	current string // reader URL of this page
}

// resolve returns the portal URL for href and whether it leaves the
// portal. Links that leave the site by ".." or use other schemes are
// dropped ("").
func (l linkResolver) resolve(href string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" {
		switch strings.ToLower(u.Scheme) {
		case "http", "https", "mailto":
			return u.String(), true
		}
		return "", false
	}
	if u.Path == "" {
		return href, false // #fragment or ?query on this page
	}
	if strings.HasPrefix(u.Path, "/") {
		return "", false // absolute paths mean nothing inside a site
	}
	p := path.Join(l.dir, u.Path)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	if p == "." {
		p = ""
	}
	dirLike := strings.HasSuffix(u.Path, "/") || u.Path == "." || u.Path == ".."
	frag := ""
	if u.Fragment != "" {
		frag = "#" + url.PathEscape(u.Fragment)
	}
	ext := path.Ext(p)
	switch {
	case dirLike || ext == "":
		if p != "" {
			p += "/"
		}
		return l.base + escapePath(p) + frag, false
	case path.Base(p) == "index.html":
		return l.base + escapePath(strings.TrimSuffix(p, "index.html")) + frag, false
	case ext == ".html":
		return l.base + escapePath(p) + frag, false
	}
	return l.static + escapePath(p), false
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// rewriteLinks points the sanitized page's links and images at portal URLs
// and returns the page with its first heading's text.
func rewriteLinks(b []byte, links linkResolver) (template.HTML, string) {
	var out bytes.Buffer
	z := html.NewTokenizer(bytes.NewReader(b))
	title, inH1, h1Done := "", false, false
	depthSkip := 0 // inside a permalink of the h1
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return template.HTML(out.String()), strings.Join(strings.Fields(strings.ReplaceAll(title, "¶", "")), " ") //nolint:gosec // sanitized above
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			changed := false
			for i, a := range tok.Attr {
				if (tok.Data == "a" && a.Key == "href") || (tok.Data == "img" && a.Key == "src") {
					if strings.HasPrefix(a.Val, "data:") && tok.Data == "img" {
						continue
					}
					u, _ := links.resolve(a.Val)
					tok.Attr[i].Val = u
					changed = true
				}
			}
			if tok.Data == "h1" && !h1Done {
				inH1 = true
			}
			if inH1 && tok.Data == "a" && tt == html.StartTagToken && strings.Contains(attrOf(tok, "class"), "headerlink") {
				depthSkip++
			}
			if changed {
				out.WriteString(tok.String())
			} else {
				out.Write(z.Raw())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if inH1 && string(name) == "a" && depthSkip > 0 {
				depthSkip--
			}
			if string(name) == "h1" && inH1 {
				inH1, h1Done = false, true
			}
			out.Write(z.Raw())
		case html.TextToken:
			if inH1 && depthSkip == 0 {
				title += html.UnescapeString(string(z.Raw()))
			}
			out.Write(z.Raw())
		default:
			out.Write(z.Raw())
		}
	}
}

func attrOf(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
