package techdocs

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard"
)

// config is the part of mkdocs.yml that shapes the built site.
type config struct {
	SiteName         string
	SiteDescription  string
	DocsDir          string
	RepoURL          string
	EditURI          string
	editURISet       bool
	UseDirectoryURLs bool
	Nav              []navEntry // nil: derive from the tree
	Extensions       map[string]map[string]any
	ExcludeDocs      []string // gitignore-style patterns, relative to docs_dir

	// Options of the extensions we honour.
	Permalink   string // "" disables header permalinks
	TOCDepth    int    // deepest heading level in Page.TOC
	LineNumbers bool   // pymdownx.highlight linenums (true, as techdocs-core sets it)

	warnings []Warning
}

// navEntry is one nav item as written in mkdocs.yml, with its line.
type navEntry struct {
	Title    string
	Target   string // page path or URL; empty for sections
	Children []navEntry
	Section  bool
	Line     int
	// Include is the mkdocs.yml of a monorepo sub-site ("!include
	// ./v1/mkdocs.yml"), relative to the including config's folder.
	Include string
	// File is the config the entry was written in, when not the site's
	// own (a sub-site's mkdocs.yml), for warnings.
	File string
	// Subsite marks the section an Include became.
	Subsite bool
	// DeriveUnder is set on a sub-site's section without a nav of its
	// own: its children are derived from the pages under this folder.
	DeriveUnder string
}

// knownKeys are MkDocs config keys accepted without comment; the ones that
// change the output are read, the others only matter to MkDocs' themes.
var knownKeys = map[string]bool{
	"site_name": true, "site_description": true, "site_author": true, "site_url": true,
	"docs_dir": true, "site_dir": true, "repo_url": true, "repo_name": true, "edit_uri": true,
	"edit_uri_template": true, "nav": true, "pages": true, "theme": true, "plugins": true,
	"markdown_extensions": true, "extra": true, "extra_css": true, "extra_javascript": true,
	"copyright": true, "use_directory_urls": true, "strict": true, "dev_addr": true,
	"exclude_docs": true, "not_in_nav": true, "validation": true, "watch": true, "hooks": true,
	"remote_branch": true, "remote_name": true, "google_analytics": true, "extra_templates": true,
	"INHERIT": true, "draft_docs": true,
}

// knownPlugins are accepted; techdocs-core's features are built in.
var knownPlugins = map[string]string{
	"techdocs-core":   "",
	"search":          "",
	"material/search": "",
	"monorepo":        "", // !include in nav (monorepo.go); techdocs-core enables it anyway
}

// supportedExtensions are rendered; aliases map Python-Markdown's names.
var supportedExtensions = map[string]bool{
	"toc": true, "admonition": true, "pymdownx.details": true, "pymdownx.superfences": true,
	"pymdownx.tabbed": true, "pymdownx.emoji": true, "pymdownx.snippets": true, "abbr": true,
	"attr_list": true, "def_list": true, "footnotes": true, "tables": true, "fenced_code": true,
	"pymdownx.tasklist": true, "extra": true, "pymdownx.extra": true, "meta": true,
	"pymdownx.highlight": true, "codehilite": true, "pymdownx.magiclink": true,
	"pymdownx.tilde": true, "md_in_html": true, "sane_lists": true, "mdx_truly_sane_lists": true,
	"pymdownx.betterem": true, "pymdownx.inlinehilite": true, "pymdownx.superfences.fence_code_format": true,
	"markdown.extensions.toc": true, "markdown.extensions.admonition": true,
	"markdown.extensions.tables": true, "markdown.extensions.footnotes": true,
	"markdown.extensions.attr_list": true, "markdown.extensions.def_list": true,
	"markdown.extensions.abbr": true, "markdown.extensions.fenced_code": true,
	"markdown.extensions.meta": true, "markdown.extensions.extra": true,
	"markdown.extensions.md_in_html": true,
}

// ignoredExtensions are known and harmless, but their syntax is left as
// text (techdocs-core enables them, so nearly every site lists them).
var ignoredExtensions = map[string]bool{
	"pymdownx.caret": true, "pymdownx.mark": true, "pymdownx.critic": true,
	"pymdownx.smartsymbols": true, "pymdownx.keys": true, "pymdownx.escapeall": true,
	"pymdownx.arithmatex": true, "pymdownx.progressbar": true, "markdown_inline_graphviz": true,
	"plantuml_markdown": true, "smarty": true, "nl2br": true, "wikilinks": true,
	"pymdownx.striphtml": true, "pymdownx.saneheaders": true,
}

// readConfig finds and decodes the MkDocs config.
func readConfig(fsys fs.FS, name string) (*config, string, []byte, error) {
	names := []string{"mkdocs.yml", "mkdocs.yaml"}
	if name != "" {
		names = []string{name}
	}
	var data []byte
	var err error
	for _, n := range names {
		data, err = fs.ReadFile(fsys, n)
		if err == nil {
			name = n
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, n, nil, callboard.Wrap(callboard.Invalid, err, "read %s", n)
		}
	}
	if err != nil {
		return nil, names[0], nil, callboard.Errorf(callboard.Invalid, "no %s found in the source directory", strings.Join(names, " or "))
	}
	cfg, err := parseConfig(name, data)
	return cfg, name, data, err
}

// parseConfig decodes mkdocs.yml. MkDocs configs carry Python tags
// (!!python/name:..., !ENV); they are read as plain strings.
func parseConfig(name string, data []byte) (*config, error) {
	cfg := &config{DocsDir: "docs", UseDirectoryURLs: true, Permalink: "¶", TOCDepth: 6, Extensions: map[string]map[string]any{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "%s", name)
	}
	if len(doc.Content) == 0 {
		return cfg, nil // an empty file: all defaults
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, callboard.Errorf(callboard.Invalid, "%s:%d: the config must be a mapping", name, root.Line)
	}
	warn := func(line int, format string, args ...any) {
		cfg.warnings = append(cfg.warnings, Warning{File: name, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "site_name":
			cfg.SiteName = v.Value
		case "site_description":
			cfg.SiteDescription = v.Value
		case "docs_dir":
			cfg.DocsDir = v.Value
		case "repo_url":
			if webURL(v.Value) {
				cfg.RepoURL = v.Value
			} else {
				warn(v.Line, "repo_url %q is not an http or https URL; pages get no edit link", v.Value)
			}
		case "edit_uri":
			if strings.Contains(v.Value, ":") && !webURL(v.Value) {
				warn(v.Line, "edit_uri %q is neither a path nor an http or https URL; pages get no edit link", v.Value)
				cfg.editURISet = true // and nothing derived from repo_url
				break
			}
			cfg.EditURI, cfg.editURISet = v.Value, true
		case "exclude_docs":
			for _, l := range strings.Split(v.Value, "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					cfg.ExcludeDocs = append(cfg.ExcludeDocs, l)
				}
			}
		case "use_directory_urls":
			cfg.UseDirectoryURLs = v.Value != "false"
		case "nav", "pages":
			nav, err := parseNav(v, warn)
			if err != nil {
				return nil, callboard.Errorf(callboard.Invalid, "%s:%d: nav: %v", name, v.Line, err)
			}
			cfg.Nav = nav
		case "plugins":
			for _, p := range namedItems(v) {
				msg, ok := knownPlugins[p.name]
				switch {
				case !ok:
					warn(p.line, "plugin %q is not supported; ignored", p.name)
				case msg != "":
					warn(p.line, "%s", msg)
				}
			}
		case "markdown_extensions":
			for _, e := range namedItems(v) {
				switch {
				case supportedExtensions[e.name]:
					cfg.Extensions[strings.TrimPrefix(e.name, "markdown.extensions.")] = e.options
				case ignoredExtensions[e.name]:
				default:
					warn(e.line, "markdown extension %q is not supported; ignored", e.name)
				}
			}
		default:
			if !knownKeys[k.Value] {
				warn(k.Line, "unrecognised configuration name %q", k.Value)
			}
		}
	}
	if cfg.SiteName == "" {
		warn(root.Line, "site_name is missing")
	}
	if toc, ok := cfg.Extensions["toc"]; ok {
		switch p := toc["permalink"].(type) {
		case bool:
			if !p {
				cfg.Permalink = ""
			}
		case string:
			cfg.Permalink = p
		}
		if d, ok := toc["toc_depth"].(int); ok && d > 0 {
			cfg.TOCDepth = d
		}
	}
	// techdocs-core turns pymdownx.highlight's linenums on; the site's own
	// setting overrides it, as techdocs-core merges mdx_configs.
	cfg.LineNumbers = true
	if ln, ok := cfg.Extensions["pymdownx.highlight"]["linenums"].(bool); ok {
		cfg.LineNumbers = ln
	}
	return cfg, nil
}

type namedItem struct {
	name    string
	options map[string]any
	line    int
}

// namedItems reads a plugins or markdown_extensions value: a list of names
// or one-key mappings of name to options, or a mapping of name to options.
func namedItems(n *yaml.Node) []namedItem {
	var out []namedItem
	add := func(k, v *yaml.Node) {
		opts, _ := toValue(v).(map[string]any)
		out = append(out, namedItem{name: k.Value, options: opts, line: k.Line})
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, it := range n.Content {
			switch it.Kind {
			case yaml.ScalarNode:
				out = append(out, namedItem{name: it.Value, line: it.Line})
			case yaml.MappingNode:
				for i := 0; i+1 < len(it.Content); i += 2 {
					add(it.Content[i], it.Content[i+1])
				}
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			add(n.Content[i], n.Content[i+1])
		}
	}
	return out
}

// toValue converts a YAML node to plain Go values; unknown tags become
// their scalar text, so Python tags never fail the build.
func toValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!bool":
			return n.Value == "true" || n.Value == "True" || n.Value == "yes"
		case "!!int":
			v, _ := strconv.Atoi(n.Value)
			return v
		case "!!null":
			return nil
		}
		return n.Value
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = toValue(c)
		}
		return out
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = toValue(n.Content[i+1])
		}
		return out
	case yaml.AliasNode:
		return toValue(n.Alias)
	}
	return nil
}

// parseNav reads MkDocs' nav: a list whose items are "page.md",
// {Title: page.md}, {Title: https://...} or {Section: [items]}.
func parseNav(n *yaml.Node, warn func(int, string, ...any)) ([]navEntry, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("must be a list")
	}
	out := []navEntry{}
	for _, it := range n.Content {
		switch it.Kind {
		case yaml.ScalarNode:
			out = append(out, navEntry{Target: it.Value, Line: it.Line})
		case yaml.MappingNode:
			if len(it.Content) != 2 {
				warn(it.Line, "nav item must have exactly one title; ignored")
				continue
			}
			k, v := it.Content[0], it.Content[1]
			switch v.Kind {
			case yaml.ScalarNode:
				if inc, ok := strings.CutPrefix(v.Value, "!include"); ok || v.Tag == "!include" {
					if !ok {
						inc = v.Value
					}
					out = append(out, navEntry{Title: k.Value, Include: strings.TrimSpace(inc), Line: k.Line})
					continue
				}
				out = append(out, navEntry{Title: k.Value, Target: v.Value, Line: k.Line})
			case yaml.SequenceNode:
				children, err := parseNav(v, warn)
				if err != nil {
					return nil, err
				}
				out = append(out, navEntry{Title: k.Value, Children: children, Section: true, Line: k.Line})
			default:
				warn(k.Line, "nav item %q has an unsupported value; ignored", k.Value)
			}
		default:
			warn(it.Line, "nav item has an unsupported form; ignored")
		}
	}
	return out, nil
}

// webURL reports whether s is an absolute http or https URL: the only
// addresses a site's edit links may have (never javascript: or data:).
func webURL(s string) bool {
	ok, scheme := callboard.LinkURL(s)
	return ok && (scheme == "http" || scheme == "https")
}
