package descriptor

import "strings"

// The fast path's lexical rules: what a key, a plain or quoted scalar and
// a marker line look like in the subset fastDoc accepts.

// splitKey splits a "key: rest" line at the first ": " (or a final ":")
// into a plain key and what follows the spaces after the colon. It
// returns a nil key when the line is not such an entry in the subset.
func splitKey(line []byte) (key, rest []byte) {
	if len(line) == 0 || isIndicator(line[0]) {
		return nil, nil
	}
	for j := 0; j < len(line); j++ {
		switch line[j] {
		case ':':
			if j+1 == len(line) || line[j+1] == ' ' {
				key = line[:j]
				if key[len(key)-1] == ' ' || len(key) > 1024 {
					return nil, nil
				}
				return key, line[skipSpaces(line, j+1):]
			}
		case '#':
			if line[j-1] == ' ' {
				return nil, nil
			}
		}
	}
	return nil, nil
}

// looksLikeKey reports whether a list item starts a mapping ("- key: v").
// A quoted key is not in the subset: the item is then declined.
func looksLikeKey(item []byte) bool {
	if k, _ := splitKey(item); k != nil {
		return true
	}
	return false
}

// plain returns a one-line plain scalar (trailing comment and spaces
// removed), or nil when s is not one: it starts with an indicator, holds
// ": " or " #", or ends with ":". In a flow list, s is one item and flow
// indicators and "#" are refused too.
func plain(s []byte, flow bool) []byte {
	if len(s) == 0 {
		return nil
	}
	c := s[0]
	if isIndicator(c) && (c != '-' || len(s) == 1 || s[1] == ' ') {
		return nil
	}
	end := len(s)
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case ':':
			if j+1 == len(s) || s[j+1] == ' ' || (flow && strings.IndexByte(",?[]{}", s[j+1]) >= 0) {
				return nil
			}
		case '?':
			if flow {
				return nil
			}
		case '#':
			if flow {
				return nil
			}
			if s[j-1] == ' ' {
				end = j
				j = len(s)
			}
		case '[', ']', '{', '}':
			if flow {
				return nil
			}
		}
	}
	for end > 0 && s[end-1] == ' ' {
		end--
	}
	if end == 0 {
		return nil
	}
	return s[:end]
}

// quoted reads a one-line quoted scalar at the start of s. It returns the
// string and the index after the closing quote, or -1 for escapes ("\"),
// a missing closing quote, or a quote not followed by a space, ",", "]" or
// the end.
func quoted(s []byte) (string, int) {
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
	return string(s[1:j]), after
}

// isIndicator reports whether c cannot start a plain scalar in the subset.
func isIndicator(c byte) bool {
	return strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", c) >= 0
}

// isSeqItem reports whether a line's text (after its indent) is a list
// item: "-" alone or before a space.
func isSeqItem(text []byte) bool {
	return len(text) > 0 && text[0] == '-' && (len(text) == 1 || text[1] == ' ')
}

// isMarker reports whether a line at column 0 starts "---": a document
// start. ("..." ends a document; the fast path leaves it to yaml.v3.)
func isMarker(line []byte) bool {
	if len(line) < 3 || string(line[:3]) != "---" {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' || line[3] == '\n'
}

// isCommentTail reports whether s, which follows a token, is spaces
// only, or at least one space and a comment.
func isCommentTail(s []byte) bool {
	j := skipSpaces(s, 0)
	return j == len(s) || (j > 0 && s[j] == '#')
}

func skipSpaces(s []byte, j int) int {
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j
}

// commonKeys are keys that most descriptors hold; internKey returns them
// without allocating.
var commonKeys = map[string]string{}

func init() {
	for _, k := range []string{"apiVersion", "kind", "metadata", "name", "namespace", "title", "description",
		"labels", "annotations", "tags", "links", "url", "icon", "type", "spec", "lifecycle", "owner", "system",
		"domain", "dependsOn", "dependencyOf", "providesApis", "consumesApis", "subcomponentOf", "definition",
		"profile", "displayName", "email", "picture", "parent", "children", "members", "memberOf", "targets", "target"} {
		commonKeys[k] = k
	}
}

func internKey(b []byte) string {
	if k, ok := commonKeys[string(b)]; ok {
		return k
	}
	return string(b)
}
