package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The search index stores words the same way in both databases: Go splits
// text into lowercase runs of letters and digits, and runs of CJK
// characters, which have no spaces between words, into their single
// characters and overlapping pairs ("支付服务" → 支 付 服 务 支付 付服
// 服务). A query for a CJK run then asks for all of its pairs, so any
// substring of two characters or more is found without a dictionary.

// isCJK reports whether r belongs to a script written without spaces.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// isWordRune reports whether r is part of a word: letters and numbers,
// as the unicode61 tokenizer of SQLite FTS5 has them by default.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// maxWordLen caps an indexed word, in bytes: longer runs (hashes, base64)
// are cut, so one document cannot bloat the vocabulary.
const maxWordLen = 64

// textRun is a run of word characters: cjk runs are split into grams.
type textRun struct {
	text string
	cjk  bool
}

// splitRuns returns the lowercased runs of s.
func splitRuns(s string) []textRun {
	var runs []textRun
	s = strings.ToLower(s)
	start, cjk := -1, false
	flush := func(end int) {
		if start >= 0 {
			runs = append(runs, textRun{s[start:end], cjk})
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case !isWordRune(r):
			flush(i)
		case start >= 0 && isCJK(r) != cjk:
			flush(i)
			start, cjk = i, isCJK(r)
		case start < 0:
			start, cjk = i, isCJK(r)
		}
	}
	flush(len(s))
	return runs
}

// cjkGrams returns the characters and the overlapping pairs of a CJK run.
func cjkGrams(run string) []string {
	rs := []rune(run)
	out := make([]string, 0, 2*len(rs))
	for i, r := range rs {
		out = append(out, string(r))
		if i+1 < len(rs) {
			out = append(out, string(rs[i:i+2]))
		}
	}
	return out
}

// cjkQueryGrams returns what a query's CJK run must match: its pairs, or
// the single character of a run of one.
func cjkQueryGrams(run string) []string {
	rs := []rune(run)
	if len(rs) == 1 {
		return []string{run}
	}
	out := make([]string, 0, len(rs)-1)
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}

// indexWords returns the words of the texts, in order, as the index
// stores them.
func indexWords(texts ...string) []string {
	var out []string
	for _, t := range texts {
		for _, r := range splitRuns(t) {
			if r.cjk {
				out = append(out, cjkGrams(r.text)...)
				continue
			}
			out = append(out, truncWord(r.text))
		}
	}
	return out
}

func truncWord(w string) string {
	if len(w) <= maxWordLen {
		return w
	}
	w = w[:maxWordLen]
	for !utf8.ValidString(w) {
		w = w[:len(w)-1]
	}
	return w
}

// queryWord is one word of a query: it matches when any of its
// alternatives does (each a whole indexed word, or a prefix of one).
type queryWord struct {
	text string
	cjk  bool
	alts []queryAlt
}

type queryAlt struct {
	word   string
	prefix bool
}

// maxQueryWords bounds the words of one query.
const maxQueryWords = 12

// parseQuery splits a search term into what each word must match: a
// latin word of two letters or more also matches as a prefix; a CJK run
// becomes one word per pair of characters. Typo alternatives are added
// later (expandTypos).
func parseQuery(term string) []queryWord {
	var out []queryWord
	for _, r := range splitRuns(term) {
		if r.cjk {
			for _, g := range cjkQueryGrams(r.text) {
				out = append(out, queryWord{text: g, cjk: true, alts: []queryAlt{{word: g}}})
			}
			continue
		}
		w := truncWord(r.text)
		out = append(out, queryWord{text: w, alts: []queryAlt{{word: w, prefix: utf8.RuneCountInString(w) >= 2}}})
	}
	if len(out) > maxQueryWords {
		out = out[:maxQueryWords]
	}
	return out
}

// typoDistance is how many edits a word of n letters may have and still
// match: none for short words, where one edit makes another word.
func typoDistance(n int) int {
	switch {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// vocabWord reports whether w goes into the vocabulary that typos are
// matched against: latin words long enough to carry a typo, not numbers.
func vocabWord(w string) bool {
	if len(w) < 3 || len(w) > 32 {
		return false
	}
	for _, r := range w {
		if isCJK(r) {
			return false
		}
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance between a and b, giving up
// (returning max+1) once it exceeds max.
func editDistance(a, b []rune, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// nextPrefix returns the smallest string greater than every string that
// starts with p, for range scans; "" when there is none.
func nextPrefix(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}
