package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"callboard"
)

// snippetLen is about how much text a highlight shows.
const snippetLen = 240

// highlight marks the words in the document's title and text, and in
// the name of an entity or template.
func (s *Service) highlight(d callboard.SearchDocument, words []string) Highlight {
	pre, post := "<"+s.tag+">", "</"+s.tag+">"
	text, _ := d.Fields["text"].(string)
	title, _ := d.Fields["title"].(string)
	h := Highlight{PreTag: pre, PostTag: post, Fields: map[string]string{
		"title": Mark(title, words, pre, post),
		"text":  Mark(Window(text, words, snippetLen), words, pre, post),
	}}
	if d.Name != "" {
		h.Fields["name"] = Mark(d.Name, words, pre, post)
	}
	return h
}

// Parts splits a highlighted field into plain and marked parts, for
// pages that render marks themselves.
func Parts(field string, h Highlight) []Part {
	var out []Part
	for field != "" {
		i := strings.Index(field, h.PreTag)
		if i < 0 {
			out = append(out, Part{Text: field})
			break
		}
		if i > 0 {
			out = append(out, Part{Text: field[:i]})
		}
		field = field[i+len(h.PreTag):]
		j := strings.Index(field, h.PostTag)
		if j < 0 {
			out = append(out, Part{Text: field, Mark: true})
			break
		}
		out = append(out, Part{Text: field[:j], Mark: true})
		field = field[j+len(h.PostTag):]
	}
	return out
}

// Part is a piece of a highlighted field.
type Part struct {
	Text string
	Mark bool
}

// matches returns, for each byte of text, whether it is inside a match:
// a latin word matches at the start of a word of text (prefixes count),
// a CJK word anywhere. Case is ignored.
func matches(text string, words []string) []bool {
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		return make([]bool, len(text)) // case mapping changed lengths: mark nothing rather than wrongly
	}
	mask := make([]bool, len(text))
	for _, w := range words {
		if w == "" {
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		cjk := unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], w)
			if i < 0 {
				break
			}
			i += from
			prev, _ := utf8.DecodeLastRuneInString(lower[:i])
			if cjk || i == 0 || !(unicode.IsLetter(prev) || unicode.IsNumber(prev)) {
				for j := i; j < i+len(w); j++ {
					mask[j] = true
				}
			}
			from = i + len(w)
		}
	}
	return mask
}

// Mark puts pre and post around each match of words in text.
func Mark(text string, words []string, pre, post string) string {
	mask := matches(text, words)
	var b strings.Builder
	in := false
	for i := 0; i < len(text); i++ {
		if mask[i] != in {
			if mask[i] {
				b.WriteString(pre)
			} else {
				b.WriteString(post)
			}
			in = mask[i]
		}
		b.WriteByte(text[i])
	}
	if in {
		b.WriteString(post)
	}
	return b.String()
}

// Window returns about n bytes of text around its first match, cut at
// spaces where it can, with "…" where text was cut.
func Window(text string, words []string, n int) string {
	if len(text) <= n {
		return text
	}
	mask := matches(text, words)
	first := 0
	for i, m := range mask {
		if m {
			first = i
			break
		}
	}
	start := max(0, first-n/3)
	if start > 0 {
		if sp := strings.IndexByte(text[start:first], ' '); sp >= 0 {
			start += sp + 1
		}
	}
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	end := min(len(text), start+n)
	if end < len(text) {
		if sp := strings.LastIndexByte(text[start:end], ' '); sp > n/2 {
			end = start + sp
		}
		for end > start && !utf8.RuneStart(text[end]) {
			end--
		}
	}
	out := text[start:end]
	if start > 0 {
		out = "… " + out
	}
	if end < len(text) {
		out += " …"
	}
	return out
}
