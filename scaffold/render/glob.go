package render

import (
	"path"
	"strings"

	"callboard"
)

// glob is one copyWithoutTemplating pattern, matched as Backstage's globby
// call matches it: `**` spans directories, `*` matches dot files, {a,b}
// alternates, and a pattern naming a directory covers everything under it.
type glob struct {
	raw  string
	alts [][]string // brace alternatives, split into path segments
}

func compileGlobs(patterns []string) ([]glob, error) {
	var out []glob
	for _, p := range patterns {
		g := glob{raw: p}
		for _, alt := range expandBraces(p) {
			alt = strings.TrimPrefix(strings.Trim(alt, "/"), "./")
			segs := strings.Split(alt, "/")
			for _, s := range segs {
				if _, err := path.Match(s, ""); err != nil {
					return nil, callboard.Errorf(callboard.Invalid, "copyWithoutTemplating: bad pattern %q", p)
				}
			}
			g.alts = append(g.alts, segs)
		}
		out = append(out, g)
	}
	return out, nil
}

// matchAny reports whether name (slash-separated, relative) or one of its
// parent directories matches one of globs.
func matchAny(globs []glob, name string) bool {
	segs := strings.Split(strings.Trim(name, "/"), "/")
	for _, g := range globs {
		for _, alt := range g.alts {
			for n := len(segs); n > 0; n-- {
				if matchSegments(alt, segs[:n]) {
					return true
				}
			}
		}
	}
	return false
}

func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			pat = pat[1:]
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat, segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// expandBraces expands the first {a,b} group of p, recursively.
func expandBraces(p string) []string {
	open := strings.IndexByte(p, '{')
	if open < 0 {
		return []string{p}
	}
	depth := 0
	for i := open; i < len(p); i++ {
		switch p[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				var out []string
				for _, alt := range splitTop(p[open+1 : i]) {
					out = append(out, expandBraces(p[:open]+alt+p[i+1:])...)
				}
				return out
			}
		}
	}
	return []string{p} // unbalanced: literal
}

// splitTop splits s on commas outside nested braces.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
