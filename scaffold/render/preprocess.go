package render

import "strings"

// preprocess rewrites the Nunjucks spellings gonja's lexer does not know,
// inside tags only: === and !== (strict comparisons, the same as == and !=
// on template data) and {% elseif %} (Nunjucks's alias of elif).
func preprocess(src string, s syntax) string {
	if !strings.Contains(src, "==") && !strings.Contains(src, "elseif") {
		return src
	}
	varStart := "${{"
	if s.compat {
		varStart = "{{"
	}
	var b strings.Builder
	b.Grow(len(src))
	for {
		i, end := nextTag(src, varStart)
		if i < 0 {
			b.WriteString(src)
			return b.String()
		}
		b.WriteString(src[:i])
		src = src[i:]
		j := closing(src, end)
		if j < 0 {
			b.WriteString(src)
			return b.String()
		}
		b.WriteString(rewriteTag(src[:j]))
		src = src[j:]
	}
}

// nextTag finds the next variable or block tag and its closing delimiter.
func nextTag(src, varStart string) (int, string) {
	v, blk := strings.Index(src, varStart), strings.Index(src, "{%")
	switch {
	case v < 0 && blk < 0:
		return -1, ""
	case blk < 0 || v >= 0 && v < blk:
		return v, "}}"
	}
	// {% raw %} ... {% endraw %} is copied as it is.
	if rest := strings.TrimLeft(src[blk+2:], "- \t"); strings.HasPrefix(rest, "raw") {
		if k := strings.Index(src[blk:], "endraw"); k >= 0 {
			if c := strings.Index(src[blk+k:], "%}"); c >= 0 {
				n, e := nextTag(src[blk+k+c+2:], varStart)
				if n < 0 {
					return -1, ""
				}
				return blk + k + c + 2 + n, e
			}
		}
	}
	return blk, "%}"
}

// closing returns the index just past the tag's end delimiter, skipping
// quoted strings.
func closing(tag, end string) int {
	var quote byte
	for i := 2; i < len(tag); i++ {
		c := tag[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case strings.HasPrefix(tag[i:], end):
			return i + len(end)
		}
	}
	return -1
}

// rewriteTag rewrites one tag outside its quoted strings.
func rewriteTag(tag string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if quote != 0 {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(tag) {
				i++
				b.WriteByte(tag[i])
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch {
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case strings.HasPrefix(tag[i:], "==="), strings.HasPrefix(tag[i:], "!=="):
			b.WriteString(tag[i : i+2])
			i += 2
		case strings.HasPrefix(tag[i:], "elseif") && (i == 0 || !isIdent(tag[i-1])) && (i+6 == len(tag) || !isIdent(tag[i+6])):
			b.WriteString("elif")
			i += 5
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isIdent(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
