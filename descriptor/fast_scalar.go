package descriptor

import "strings"

// The fast path's lexical rules: what a key, a plain or quoted scalar and
// a marker line look like in the subset fastDoc accepts.

// splitKey splits a "key: rest" line at the first ": " (or a final ":")
// into a plain key and what follows the spaces after the colon. It
// returns a nil key when the line is not such an entry in the subset.
func splitKey(line string) (key, rest string, ok bool) {
	if len(line) == 0 || isIndicator(line[0]) {
		return "", "", false
	}
	for j := 0; j < len(line); j++ {
		switch line[j] {
		case ':':
			if j+1 == len(line) || line[j+1] == ' ' {
				key = line[:j]
				if key[len(key)-1] == ' ' || len(key) > 1024 {
					return "", "", false
				}
				return key, line[skipSpaces(line, j+1):], true
			}
		case '#':
			if line[j-1] == ' ' {
				return "", "", false
			}
		}
	}
	return "", "", false
}

// looksLikeKey reports whether a list item starts a mapping ("- key: v").
// A quoted key is not in the subset: the item is then declined.
func looksLikeKey(item string) bool {
	_, _, ok := splitKey(item)
	return ok
}

// plain returns a one-line plain scalar (trailing comment and spaces
// removed), or false when s is not one: it starts with an indicator, holds
// ": " or " #", or ends with ":". In a flow list, s is one item and flow
// indicators and "#" are refused too.
func plain(s string, flow bool) (string, bool) {
	if len(s) == 0 {
		return "", false
	}
	c := s[0]
	if isIndicator(c) && (c != '-' || len(s) == 1 || s[1] == ' ') {
		return "", false
	}
	end := len(s)
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case ':':
			if j+1 == len(s) || s[j+1] == ' ' || (flow && strings.IndexByte(",?[]{}", s[j+1]) >= 0) {
				return "", false
			}
		case '?':
			if flow {
				return "", false
			}
		case '#':
			if flow {
				return "", false
			}
			if s[j-1] == ' ' {
				end = j
				j = len(s)
			}
		case '[', ']', '{', '}':
			if flow {
				return "", false
			}
		}
	}
	for end > 0 && s[end-1] == ' ' {
		end--
	}
	if end == 0 {
		return "", false
	}
	return s[:end], true
}

// quoted reads a one-line quoted scalar at the start of s. It returns the
// string and the index after the closing quote, or -1 for escapes ("\"),
// a missing closing quote, or a quote not followed by a space, ",", "]" or
// the end.
func quoted(s string) (string, int) {
	q := s[0]
	var b []byte
	j := 1
	for ; ; j++ {
		if j == len(s) {
			return "", -1
		}
		c := s[j]
		if q == '"' && c == '\\' {
			return "", -1
		}
		if c == q {
			if q == '\'' && j+1 < len(s) && s[j+1] == '\'' {
				if b == nil {
					b = append([]byte{}, s[1:j]...)
				}
				b = append(b, '\'')
				j++
				continue
			}
			break
		}
		if b != nil {
			b = append(b, c)
		}
	}
	after := j + 1
	if after < len(s) && s[after] != ' ' && s[after] != ',' && s[after] != ']' {
		return "", -1
	}
	if b != nil {
		return string(b), after
	}
	return s[1:j], after
}

// isIndicator reports whether c cannot start a plain scalar in the subset.
func isIndicator(c byte) bool {
	return strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", c) >= 0
}

// isSeqItem reports whether a line's text (after its indent) is a list
// item: "-" alone or before a space.
func isSeqItem(text string) bool {
	return len(text) > 0 && text[0] == '-' && (len(text) == 1 || text[1] == ' ')
}

// isMarker reports whether a line at column 0 starts "---": a document
// start. ("..." ends a document; the fast path leaves it to yaml.v3.)
func isMarker[T string | []byte](line T) bool {
	if len(line) < 3 || string(line[:3]) != "---" {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' || line[3] == '\n'
}

// isCommentTail reports whether s, which follows a token, is spaces
// only, or at least one space and a comment.
func isCommentTail(s string) bool {
	j := skipSpaces(s, 0)
	return j == len(s) || (j > 0 && s[j] == '#')
}

func skipSpaces(s string, j int) int {
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j
}
