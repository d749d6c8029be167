package techdocs

import (
	"path"
	"strings"

	"callboard"
)

// nav returns the site's navigation: mkdocs.yml's nav resolved against the
// pages, or one derived from the tree as MkDocs does. Nav titles override
// page titles, as in MkDocs.
func (b *builder) nav(site *Site) []NavItem {
	if b.cfg.Nav == nil {
		return b.deriveNav(site)
	}
	return b.resolveNav(site, b.cfg.Nav)
}

func (b *builder) resolveNav(site *Site, entries []navEntry) []NavItem {
	out := []NavItem{}
	for _, e := range entries {
		warnf := b.warn
		if e.File != "" {
			warnf = func(line int, format string, args ...any) {
				b.warnings = append(b.warnings, Warning{File: e.File, Line: line, Message: sprintf(format, args...)})
			}
		}
		if e.DeriveUnder != "" {
			out = append(out, NavItem{Title: e.Title, Children: b.deriveFrom(site, e.DeriveUnder)})
			continue
		}
		if e.Section {
			out = append(out, NavItem{Title: e.Title, Children: b.resolveNav(site, e.Children)})
			continue
		}
		if isExternal(e.Target) {
			if ok, _ := callboard.LinkURL(e.Target); !ok {
				warnf(e.Line, "nav links to %q, which is not shown as a link; use an http, https or mailto URL", e.Target)
				continue
			}
			title := e.Title
			if title == "" {
				title = e.Target
			}
			out = append(out, NavItem{Title: title, Path: e.Target, URL: e.Target, External: true})
			continue
		}
		target := path.Clean(strings.TrimPrefix(e.Target, "./"))
		i, ok := b.pages[target]
		if !ok || escapes(target) {
			warnf(e.Line, "nav references %q, which is not found in the docs directory", e.Target)
			continue
		}
		p := &site.Pages[i]
		if e.Title != "" {
			p.Title = e.Title
		}
		out = append(out, NavItem{Title: p.Title, Path: p.Path, URL: linkURL(p.URL)})
	}
	return out
}

// deriveNav nests the pages by folder, in tree order: a folder becomes a
// section titled after its name, placed after the folder's own pages.
func (b *builder) deriveNav(site *Site) []NavItem { return b.deriveFrom(site, ".") }

// deriveFrom is deriveNav for the pages under folder root.
func (b *builder) deriveFrom(site *Site, root string) []NavItem {
	type item struct {
		dir  string
		page int
	}
	var items []item
	for i, p := range site.Pages {
		items = append(items, item{dir: path.Dir(p.Path), page: i})
	}
	var build func(dir string) []NavItem
	build = func(dir string) []NavItem {
		out := []NavItem{}
		var subdirs []string
		seen := map[string]bool{}
		for _, it := range items {
			p := &site.Pages[it.page]
			if it.dir == dir {
				out = append(out, NavItem{Title: p.Title, Path: p.Path, URL: linkURL(p.URL)})
				continue
			}
			if sub, ok := childDir(dir, it.dir); ok && !seen[sub] {
				seen[sub] = true
				subdirs = append(subdirs, sub)
			}
		}
		for _, sub := range subdirs {
			out = append(out, NavItem{Title: dirTitle(path.Base(sub)), Children: build(sub)})
		}
		return out
	}
	return build(root)
}

// childDir returns the immediate subfolder of dir that contains d.
func childDir(dir, d string) (string, bool) {
	if dir == "." {
		if d == "." {
			return "", false
		}
		return strings.SplitN(d, "/", 2)[0], true
	}
	if !strings.HasPrefix(d, dir+"/") {
		return "", false
	}
	rest := strings.TrimPrefix(d, dir+"/")
	return dir + "/" + strings.SplitN(rest, "/", 2)[0], true
}

// dirTitle is MkDocs' dirname_to_title: dashes and underscores become
// spaces, and an all-lowercase name is capitalised.
func dirTitle(name string) string {
	t := strings.NewReplacer("-", " ", "_", " ").Replace(name)
	if strings.ToLower(t) == t {
		return capitalize(t)
	}
	return t
}

// fileTitle is MkDocs' fallback page title: "Home" for the site's index,
// else the file (or, for index pages, folder) name like dirTitle.
func fileTitle(p string) string {
	stem := strings.TrimSuffix(path.Base(p), path.Ext(p))
	if strings.EqualFold(stem, "index") || strings.EqualFold(stem, "readme") {
		if path.Dir(p) == "." {
			return "Home"
		}
		stem = path.Base(path.Dir(p))
	}
	return dirTitle(stem)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(strings.ToLower(s))
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}

// isExternal reports whether a nav target or link is a URL rather than a
// path in the docs.
func isExternal(s string) bool {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "mailto:") {
		return true
	}
	i := strings.Index(s, ":")
	if i <= 0 {
		return false
	}
	for _, c := range s[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
