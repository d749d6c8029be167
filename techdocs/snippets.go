package techdocs

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// srcLoc is where an expanded line came from: a docs-relative file and a
// 1-based line.
type srcLoc struct {
	file string
	line int
}

// Snippet markers, as pymdownx.snippets writes them: `--8<-- "file.md"` on a
// line of its own, or a block of file names between two `--8<--` lines. A
// leading ";" escapes the marker.
var (
	snippetLine  = regexp.MustCompile(`^([ \t]*)(;*)-{1,}8<-{1,}[ \t]+("(?:[^"\r\n])+?"|'(?:[^'\r\n])+?')[ \t]*$`)
	snippetBlock = regexp.MustCompile(`^([ \t]*)(;*)-{1,}8<-{1,}[ \t]*$`)
	snippetRange = regexp.MustCompile(`^(.*?):(-?\d*)(?::(-?\d*))?$`)
)

const maxSnippetDepth = 8

// expandSnippets replaces snippet markers in data (the page or snippet
// file, starting at firstLine) with the named files' lines. It returns the
// expanded text and, per output line, where it came from, so warnings
// found later point at the file that holds the text.
func (ps *pageState) expandSnippets(file string, data []byte, firstLine int, stack []string) ([]byte, []srcLoc) {
	var out bytes.Buffer
	var locs []srcLoc
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	emit := func(s string, loc srcLoc) {
		out.WriteString(s)
		out.WriteByte('\n')
		locs = append(locs, loc)
	}
	include := func(indent, name string, loc srcLoc) {
		b, l := ps.includeSnippet(name, loc, stack)
		for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if len(b) == 0 {
				break
			}
			if line != "" {
				line = indent + line
			}
			emit(line, l[i])
		}
	}
	inBlock := false
	for i, line := range lines {
		loc := srcLoc{file, firstLine + i}
		if inBlock {
			if m := snippetBlock.FindStringSubmatch(line); m != nil && m[2] == "" {
				inBlock = false
				continue
			}
			name := strings.TrimSpace(line)
			if name == "" || strings.HasPrefix(name, ";") {
				continue
			}
			include("", name, loc)
			continue
		}
		if m := snippetLine.FindStringSubmatch(line); m != nil {
			if m[2] != "" { // escaped: drop one ";" and keep the line
				emit(strings.Replace(line, ";", "", 1), loc)
				continue
			}
			include(m[1], m[3][1:len(m[3])-1], loc)
			continue
		}
		if m := snippetBlock.FindStringSubmatch(line); m != nil {
			if m[2] != "" {
				emit(strings.Replace(line, ";", "", 1), loc)
				continue
			}
			inBlock = true
			continue
		}
		emit(line, loc)
	}
	return out.Bytes(), locs
}

// includeSnippet reads one snippet, expanded recursively. Paths are
// relative to docs_dir (or to the source root when they start with
// docs_dir, as pymdownx's default base path writes them); anything that
// resolves outside docs_dir is refused with a warning.
func (ps *pageState) includeSnippet(name string, at srcLoc, stack []string) ([]byte, []srcLoc) {
	start, end := 0, 0
	if m := snippetRange.FindStringSubmatch(name); m != nil && (m[2] != "" || m[3] != "") {
		name = m[1]
		start, _ = strconv.Atoi(m[2])
		end, _ = strconv.Atoi(m[3])
	}
	if isExternal(name) || path.IsAbs(name) {
		ps.warnLoc(at, fmt.Sprintf("snippet %q is outside the docs directory; not included", name))
		return nil, nil
	}
	candidates := []string{name}
	if d := ps.b.docsDir; d != "." && strings.HasPrefix(path.Clean(name), d+"/") {
		candidates = append(candidates, strings.TrimPrefix(path.Clean(name), d+"/"))
	}
	var data []byte
	var real string
	var err error
	for _, c := range candidates {
		real, err = safePath(ps.b.docs, c)
		if err != nil {
			continue
		}
		data, err = fs.ReadFile(ps.b.docs, real)
		if err == nil {
			break
		}
	}
	switch {
	case err == errOutside:
		ps.warnLoc(at, fmt.Sprintf("snippet %q is outside the docs directory; not included", name))
		return nil, nil
	case err != nil:
		ps.warnLoc(at, fmt.Sprintf("snippet %q not found", name))
		return nil, nil
	}
	for _, s := range stack {
		if s == real {
			ps.warnLoc(at, fmt.Sprintf("snippet %q includes itself; not included again", name))
			return nil, nil
		}
	}
	if len(stack) >= maxSnippetDepth {
		ps.warnLoc(at, fmt.Sprintf("snippet %q nested too deeply; not included", name))
		return nil, nil
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	first := 1
	if start != 0 || end != 0 {
		lines := strings.SplitAfter(string(data), "\n")
		s, e := start, end
		if s <= 0 {
			s = 1
		}
		if e <= 0 || e > len(lines) {
			e = len(lines)
		}
		if s > e {
			return nil, nil
		}
		data, first = []byte(strings.Join(lines[s-1:e], "")), s
	}
	return ps.expandSnippets(real, data, first, append(stack[:len(stack):len(stack)], real))
}

// splitFrontMatter removes a leading YAML front matter block and returns
// its title, the body, and the body's first line number.
func splitFrontMatter(data []byte) (title string, body []byte, firstLine int) {
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return "", data, 1
	}
	rest := data[4:]
	for off, line := 0, 2; off < len(rest); line++ {
		nl := bytes.IndexByte(rest[off:], '\n')
		end := len(rest)
		if nl >= 0 {
			end = off + nl
		}
		l := strings.TrimRight(string(rest[off:end]), " \t")
		if l == "---" || l == "..." {
			var meta map[string]any
			if yaml.Unmarshal(rest[:off], &meta) != nil {
				return "", data, 1 // not front matter after all: a thematic break
			}
			title, _ = meta["title"].(string)
			if end < len(rest) {
				end++
			}
			return title, rest[end:], line + 1
		}
		if nl < 0 {
			break
		}
		off = end + 1
	}
	return "", data, 1
}
