// Package sitegen generates a deterministic MkDocs site of realistic pages
// (headings, prose, tables, code, admonitions, details, links between
// pages) for benchmarks: the same bytes for the same page count, so
// callboard and mkdocs build exactly the same input.
package sitegen

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// PagesPerSection is how many pages share a folder.
const PagesPerSection = 10

// Config is the generated mkdocs.yml. It uses only extensions that both
// callboard and a stock mkdocs + mkdocs-material install understand.
const Config = `site_name: Generated benchmark site
site_description: A deterministic site for comparing docs builders.
repo_url: https://github.com/example/bench-docs
markdown_extensions:
  - toc:
      permalink: true
  - admonition
  - pymdownx.details
  - pymdownx.superfences
  - pymdownx.highlight
  - tables
  - attr_list
  - def_list
  - footnotes
`

// Files returns the site's files, mkdocs.yml and docs/..., for n pages
// (index.md included).
func Files(n int) map[string]string {
	files := map[string]string{"mkdocs.yml": Config}
	paths := pagePaths(n)
	for i, p := range paths {
		files["docs/"+p] = page(i, paths)
	}
	return files
}

// Write writes Files(n) under dir.
func Write(dir string, n int) error {
	files := Files(n)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func pagePaths(n int) []string {
	paths := []string{"index.md"}
	for i := 1; i < n; i++ {
		paths = append(paths, fmt.Sprintf("section-%02d/page-%03d.md", (i-1)/PagesPerSection+1, i))
	}
	return paths
}

var words = strings.Fields(`service request latency budget deploy rollout cluster queue retry
timeout payment order merchant ledger event topic schema migration index cache token owner
pipeline artifact release region replica shard backup restore alert runbook dashboard metric`)

// sentence makes a deterministic sentence from a seed.
func sentence(seed, length int) string {
	var b strings.Builder
	for i := 0; i < length; i++ {
		w := words[(seed*7+i*13+i*i)%len(words)]
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	b.WriteByte('.')
	return b.String()
}

func paragraph(seed int) string {
	var s []string
	for i := 0; i < 5; i++ {
		s = append(s, sentence(seed+i, 8+(seed+i)%9))
	}
	return strings.Join(s, " ")
}

// rel is the relative link from page from to page to, as an author writes it.
func rel(from, to string) string {
	depth := strings.Count(from, "/")
	return strings.Repeat("../", depth) + to
}

func page(i int, paths []string) string {
	var b strings.Builder
	self := paths[i]
	title := "Home"
	if i > 0 {
		title = fmt.Sprintf("Page %d: %s", i, strings.TrimSuffix(sentence(i, 3), "."))
	}
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", title, paragraph(i))
	next, prev := paths[(i+1)%len(paths)], paths[(i+len(paths)-1)%len(paths)]
	fmt.Fprintf(&b, "See the [next page](%s) and the [previous page](%s#overview).\n\n", rel(self, next), rel(self, prev))
	for s := 0; s < 6; s++ {
		seed := i*31 + s
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", strings.TrimSuffix(sentence(seed, 3), "."), paragraph(seed))
		if s == 0 {
			b.WriteString("## Overview\n\n")
		}
		switch s % 3 {
		case 0:
			b.WriteString("| Setting | Default | Description |\n|---|---|---|\n")
			for r := 0; r < 6; r++ {
				fmt.Fprintf(&b, "| `%s_%d` | %d | %s |\n", words[(seed+r)%len(words)], r, (seed*r)%100, sentence(seed+r, 6))
			}
			b.WriteString("\n")
		case 1:
			fmt.Fprintf(&b, "```go\npackage svc%d\n\n// Handle serves one request.\nfunc Handle(ctx context.Context, req *Request) (*Response, error) {\n\tif req.ID == \"\" {\n\t\treturn nil, fmt.Errorf(\"missing id\")\n\t}\n\tfor i := 0; i < %d; i++ {\n\t\tlog.Printf(\"attempt %%d\", i)\n\t}\n\treturn &Response{Status: 200}, nil\n}\n```\n\n", seed, seed%7+1)
			fmt.Fprintf(&b, "```python\ndef handle(request):\n    \"\"\"%s\"\"\"\n    return {\"status\": %d, \"items\": [x for x in range(%d)]}\n```\n\n", sentence(seed, 5), 200+seed%5, seed%9)
		case 2:
			fmt.Fprintf(&b, "!!! warning \"%s\"\n    %s\n\n", strings.TrimSuffix(sentence(seed, 2), "."), paragraph(seed+3))
			fmt.Fprintf(&b, "??? note \"Details\"\n    %s\n\n    ```yaml\n    key: value-%d\n    list: [a, b, c]\n    ```\n\n", sentence(seed, 10), seed)
		}
		fmt.Fprintf(&b, "### Checklist\n\n- %s\n- %s\n- %s\n\n", sentence(seed+1, 6), sentence(seed+2, 7), sentence(seed+3, 5))
	}
	fmt.Fprintf(&b, "Term %d\n:   %s\n\nA closing remark with a footnote.[^1]\n\n[^1]: %s\n", i, sentence(i, 6), sentence(i+1, 4))
	return b.String()
}
