package techdocs

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
)

// TestFastLexerMatchesChroma tokenises chroma's own lexer test inputs
// (lexers/testdata/*.actual in the module) with chroma and with fastLexer
// and wants identical token streams: the first-character filter may only
// skip rules that could not have matched.
func TestFastLexerMatchesChroma(t *testing.T) {
	dir := chromaTestdata(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.actual"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no chroma test inputs in %s: %v", dir, err)
	}
	checked := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".actual")
		base := lexers.Get(name)
		rl, ok := base.(*chroma.RegexLexer)
		if !ok {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fl, err := newFastLexer(rl)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// chroma gives each rule's regexp a 250 ms match timeout and
		// emits an Error token when it passes: on a loaded machine (the
		// race detector, CI) one lexer or the other times out now and
		// then. Such a run says nothing about the filter, so a mismatch is
		// tokenised again, up to three times, before it counts.
		var want, got []chroma.Token
		for try := 0; try < 3; try++ {
			want = tokens(t, base, string(data))
			got = tokens(t, fl, string(data))
			if slices.Equal(got, want) {
				break
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d tokens, chroma gives %d", name, len(got), len(want))
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: token %d is %v, chroma gives %v", name, i, got[i], want[i])
				break
			}
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("compared only %d lexers", checked)
	}
}

// TestFastLexerFragments covers inputs without a final newline, CRLF and
// the unmatched-newline reset, on the languages docs use most.
func TestFastLexerFragments(t *testing.T) {
	inputs := []string{"", "x", "a = 1\r\nb = 'unterminated\r\nc = 2", "\"open string\nnext line", "\t\n\n  \n", "é ü 日本 🙂\n"}
	for _, lang := range []string{"go", "python", "yaml", "bash", "json", "javascript", "typescript", "java", "sql", "markdown", "html", "dockerfile", "toml", "rust", "c", "cpp"} {
		rl, ok := lexers.Get(lang).(*chroma.RegexLexer)
		if !ok {
			continue
		}
		fl, err := newFastLexer(rl)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for _, in := range inputs {
			want := tokens(t, rl, in)
			got := tokens(t, fl, in)
			if strings.Join(tokenStrings(got), "|") != strings.Join(tokenStrings(want), "|") {
				t.Errorf("%s %q: got %v, chroma gives %v", lang, in, got, want)
			}
		}
	}
}

func tokens(t *testing.T, l chroma.Lexer, text string) []chroma.Token {
	t.Helper()
	it, err := l.Tokenise(nil, text)
	if err != nil {
		t.Fatal(err)
	}
	return it.Tokens()
}

func tokenStrings(ts []chroma.Token) []string {
	out := make([]string, len(ts))
	for i, tok := range ts {
		out[i] = tok.Type.String() + ":" + tok.Value
	}
	return out
}

// chromaTestdata finds lexers/testdata in the chroma module the build uses.
func chromaTestdata(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/alecthomas/chroma/v2").Output()
	if err != nil {
		t.Fatalf("locate chroma: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "lexers", "testdata")
}
