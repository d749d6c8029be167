package techdocs

import (
	"io/fs"
	"path"
	"strings"
)

// The monorepo plugin (which techdocs-core enables): a nav entry
// `Title: '!include ./v1/mkdocs.yml'` merges a sub-site into the site.
// The sub-site's docs_dir (relative to its mkdocs.yml) is served under its
// site_name ("versions/v1" gives versions/v1/reference/), and the entry
// becomes a section holding the sub-site's own nav, or its derived one.

const maxIncludeDepth = 8

// includeSubsites replaces the !include entries of nav (written in the
// config at cfgPath) by sections, adding a mount per sub-site. Problems
// are warnings on the config that names them; the entry is dropped.
func (b *builder) includeSubsites(fsys fs.FS, cfgPath string, nav []navEntry, mounts *[]mountPoint, depth int) []navEntry {
	out := make([]navEntry, 0, len(nav))
	warn := func(line int, format string, args ...any) {
		b.warnings = append(b.warnings, Warning{File: cfgPath, Line: line, Message: sprintf(format, args...)})
	}
	for _, e := range nav {
		if e.Section {
			e.Children = b.includeSubsites(fsys, cfgPath, e.Children, mounts, depth)
			out = append(out, e)
			continue
		}
		if e.Include == "" {
			out = append(out, e)
			continue
		}
		if depth >= maxIncludeDepth {
			warn(e.Line, "nav: !include %s is nested more than %d deep; ignored", e.Include, maxIncludeDepth)
			continue
		}
		sub := path.Join(path.Dir(cfgPath), e.Include)
		if strings.ContainsAny(e.Include, "*?[") || path.IsAbs(e.Include) || escapes(sub) {
			warn(e.Line, "nav: !include %q must name a mkdocs.yml inside the source directory; ignored", e.Include)
			continue
		}
		data, err := fs.ReadFile(fsys, sub)
		if err != nil {
			warn(e.Line, "nav: !include %s: cannot read it; ignored", e.Include)
			continue
		}
		cfg, err := parseConfig(sub, data)
		if err != nil {
			warn(e.Line, "nav: !include %s: %v; ignored", e.Include, err)
			continue
		}
		for _, w := range cfg.warnings {
			if !strings.Contains(w.Message, "site_name") {
				b.warnings = append(b.warnings, w)
			}
		}
		alias := path.Clean(strings.Trim(cfg.SiteName, "/"))
		docs := path.Join(path.Dir(sub), cfg.DocsDir)
		switch {
		case cfg.SiteName == "" || alias == "." || escapes(alias) || strings.ContainsAny(alias, "\\:"):
			warn(e.Line, "nav: !include %s: its site_name %q must be a folder path, where its pages are served", e.Include, cfg.SiteName)
			continue
		case escapes(docs) || path.IsAbs(cfg.DocsDir):
			warn(e.Line, "nav: !include %s: its docs_dir %q leaves the source directory; ignored", e.Include, cfg.DocsDir)
			continue
		}
		taken := false
		for _, mp := range *mounts {
			if mp.alias == alias || strings.HasPrefix(alias, mp.alias+"/") || strings.HasPrefix(mp.alias, alias+"/") {
				taken = true
			}
		}
		if taken {
			warn(e.Line, "nav: !include %s: site_name %q overlaps another included site; ignored", e.Include, cfg.SiteName)
			continue
		}
		docsFS, err := fs.Sub(fsys, docs)
		if err == nil {
			var fi fs.FileInfo
			if fi, err = fs.Stat(docsFS, "."); err == nil && !fi.IsDir() {
				err = fs.ErrNotExist
			}
		}
		if err != nil {
			warn(e.Line, "nav: !include %s: its docs_dir %s is not a folder; ignored", e.Include, docs)
			continue
		}
		*mounts = append(*mounts, mountPoint{alias: alias, srcDir: docs, fsys: docsFS})
		section := navEntry{Title: e.Title, Section: true, Subsite: true, Line: e.Line}
		if cfg.Nav == nil {
			section.DeriveUnder = alias
		} else {
			children := b.includeSubsites(fsys, sub, cfg.Nav, mounts, depth+1)
			section.Children = prefixNav(children, alias, sub)
		}
		out = append(out, section)
	}
	return out
}

// prefixNav puts a sub-site's page targets under its alias; links and
// sections of sub-sites it includes itself are left as they are.
func prefixNav(nav []navEntry, alias, file string) []navEntry {
	out := make([]navEntry, len(nav))
	for i, e := range nav {
		switch {
		case e.Section && !e.Subsite:
			e.Children = prefixNav(e.Children, alias, file)
		case !e.Section && e.Target != "" && !isExternal(e.Target):
			e.Target = alias + "/" + strings.TrimPrefix(path.Clean(e.Target), "./")
		}
		if e.File == "" {
			e.File = file
		}
		out[i] = e
	}
	return out
}
