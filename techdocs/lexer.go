package techdocs

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/dlclark/regexp2/v2"
	"github.com/dlclark/regexp2/v2/syntax"
)

// Highlighting was most of a build's CPU, and most of that was chroma
// trying rules that cannot match: at each position chroma runs every rule
// of the current state in order until one matches, and each attempt sets up
// a regexp2 runner even when the first character already rules it out
// (chroma anchors every rule with \G, which turns off regexp2's own
// first-character scan).
//
// fastLexer runs the same rules through the same state machine (a copy of
// chroma's LexerState.Iterator) but first checks each rule's set of
// possible first characters, computed by regexp2's own analysis. A rule
// skipped that way could not have matched, so the tokens are exactly
// chroma's; TestFastLexerMatchesChroma checks that on every lexer the
// tests use.

// fastLexer is a chroma.RegexLexer with first-character filters.
type fastLexer struct {
	*chroma.RegexLexer
	rules chroma.CompiledRules
	first map[*chroma.CompiledRule]*syntax.Prefix // nil entry: no filter
}

var _ chroma.Lexer = (*fastLexer)(nil)

// newFastLexer compiles rl's rules as chroma does (same flags, same \G
// anchoring, same match timeout, same lexer mutators) and their filters.
func newFastLexer(rl *chroma.RegexLexer) (*fastLexer, error) {
	raw, err := rl.Rules()
	if err != nil {
		return nil, err
	}
	cfg := rl.Config()
	flags := ""
	if !cfg.NotMultiline {
		flags += "m"
	}
	if cfg.CaseInsensitive {
		flags += "i"
	}
	if cfg.DotAll {
		flags += "s"
	}
	fl := &fastLexer{RegexLexer: rl, rules: chroma.CompiledRules{}, first: map[*chroma.CompiledRule]*syntax.Prefix{}}
	for state, rules := range raw {
		fl.rules[state] = nil
		for i, rule := range rules {
			pattern := "(?:" + rule.Pattern + ")"
			if flags != "" {
				pattern = "(?" + flags + ")" + pattern
			}
			pattern = `\G` + pattern
			re, err := regexp2.Compile(pattern)
			if err != nil {
				return nil, fmt.Errorf("failed to compile rule %s.%d: %s", state, i, err)
			}
			re.MatchTimeout = 250 * time.Millisecond
			cr := &chroma.CompiledRule{Rule: rule, Regexp: re}
			fl.rules[state] = append(fl.rules[state], cr)
			fl.first[cr] = firstChars(pattern)
		}
	}
	// Lexer mutators (include, combined) rewrite the rule table once, as in
	// chroma's maybeCompile. The rules they copy keep their filters.
restart:
	seen := map[chroma.LexerMutator]bool{}
	for state := range fl.rules {
		for i := range len(fl.rules[state]) {
			rule := fl.rules[state][i]
			if compile, ok := rule.Mutator.(chroma.LexerMutator); ok {
				if seen[compile] {
					return nil, fmt.Errorf("saw mutator %T twice", compile)
				}
				seen[compile] = true
				if err := compile.MutateLexer(fl.rules, state, i); err != nil {
					return nil, err
				}
				goto restart
			}
		}
	}
	for _, rules := range fl.rules {
		for _, r := range rules {
			if _, ok := fl.first[r]; !ok && r.Regexp != nil {
				fl.first[r] = firstChars(r.Regexp.String())
			}
		}
	}
	return fl, nil
}

// firstChars is regexp2's set of characters a match of pattern can start
// with; nil when it can start with anything or be empty.
func firstChars(pattern string) *syntax.Prefix {
	tree, err := syntax.Parse(pattern, syntax.ParseOptions{})
	if err != nil {
		return nil
	}
	code, err := syntax.Write(tree)
	if err != nil || code.FcPrefix == nil || code.RightToLeft {
		return nil
	}
	return code.FcPrefix
}

// mayStart reports whether a match of a rule with prefix p can start with ch.
func mayStart(p *syntax.Prefix, ch rune) bool {
	if p == nil {
		return true
	}
	set := &p.PrefixSet
	if set.CharIn(ch) {
		return true
	}
	// regexp2 folds case into the set at compile time; checking both cases
	// as well only ever admits more rules, never fewer.
	return p.CaseInsensitive && (set.CharIn(unicode.ToLower(ch)) || set.CharIn(unicode.ToUpper(ch)))
}

// Tokenise is chroma's RegexLexer.Tokenise with the filtered iterator.
func (fl *fastLexer) Tokenise(options *chroma.TokeniseOptions, text string) (chroma.Iterator, error) {
	if options == nil {
		options = &chroma.TokeniseOptions{State: "root", EnsureLF: true}
	}
	if options.EnsureLF {
		text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	}
	newlineAdded := false
	if !options.Nested && fl.Config().EnsureNL && !strings.HasSuffix(text, "\n") {
		text += "\n"
		newlineAdded = true
	}
	st := &fastState{
		LexerState: &chroma.LexerState{
			Registry:       lexers.GlobalLexerRegistry,
			Lexer:          fl.RegexLexer,
			Text:           []rune(text),
			Stack:          []string{options.State},
			Rules:          fl.rules,
			MutatorContext: map[any]any{},
		},
		fl:      fl,
		initial: options.State,
	}
	st.end = len(st.Text)
	if newlineAdded {
		st.end--
	}
	return st.next, nil
}

// fastState is one tokenisation: chroma's LexerState (what emitters and
// mutators see) plus the iterator's own fields.
type fastState struct {
	*chroma.LexerState
	fl            *fastLexer
	initial       string
	end           int
	iteratorStack []chroma.Iterator
}

// next is chroma's LexerState.Iterator with filtered rule matching.
func (l *fastState) next() chroma.Token {
	for l.Pos < l.end && len(l.Stack) > 0 {
		if t, ok := l.drain(); ok {
			return t
		}
		l.State = l.Stack[len(l.Stack)-1]
		selectedRule, ok := l.Rules[l.State]
		if !ok {
			panic("unknown state " + l.State)
		}
		ruleIndex, rule, groups, namedGroups := l.match(selectedRule)
		if groups == nil {
			// As in chroma (from Pygments): an unmatched newline resets the
			// stack to the initial state; anything else is an error token.
			if l.Text[l.Pos] == '\n' && l.State != l.initial {
				l.Stack = []string{l.initial}
				continue
			}
			l.Pos++
			return chroma.Token{Type: chroma.Error, Value: string(l.Text[l.Pos-1 : l.Pos])}
		}
		l.Rule = ruleIndex
		l.Groups = groups
		l.NamedGroups = namedGroups
		l.Pos += utf8.RuneCountInString(groups[0])
		if rule.Mutator != nil {
			if err := rule.Mutator.Mutate(l.LexerState); err != nil {
				panic(err)
			}
		}
		if rule.Type != nil {
			l.iteratorStack = append(l.iteratorStack, rule.Type.Emit(l.Groups, l.LexerState))
		}
	}
	if t, ok := l.drain(); ok {
		return t
	}
	if l.Pos != len(l.Text) && len(l.Stack) == 0 {
		value := string(l.Text[l.Pos:])
		l.Pos = len(l.Text)
		return chroma.Token{Type: chroma.Error, Value: value}
	}
	return chroma.EOF
}

// drain returns the next token of the pending emitters, if any.
func (l *fastState) drain() (chroma.Token, bool) {
	for len(l.iteratorStack) > 0 {
		n := len(l.iteratorStack) - 1
		t := l.iteratorStack[n]()
		if t.Type == chroma.Ignore {
			continue
		}
		if t == chroma.EOF {
			l.iteratorStack = l.iteratorStack[:n]
			continue
		}
		return t, true
	}
	return chroma.Token{}, false
}

// match is chroma's matchRules, skipping rules that cannot start with the
// character at l.Pos.
func (l *fastState) match(rules []*chroma.CompiledRule) (int, *chroma.CompiledRule, []string, map[string]string) {
	ch := l.Text[l.Pos]
	for i, rule := range rules {
		p, known := l.fl.first[rule]
		if known && !mayStart(p, ch) {
			continue
		}
		match, err := rule.Regexp.FindRunesMatchStartingAt(l.Text, l.Pos)
		if match != nil && err == nil && match.RuneIndex == l.Pos {
			groups := []string{}
			namedGroups := make(map[string]string)
			for _, g := range match.Groups() {
				namedGroups[g.Name] = g.String()
				groups = append(groups, g.String())
			}
			return i, rule, groups, namedGroups
		}
	}
	return 0, &chroma.CompiledRule{}, nil, nil
}
