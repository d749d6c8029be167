package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScorecardsCheckCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "id: a\ntitle: A\nlevels: [{name: bronze, checks: [{id: c, title: C, expression: has(entity.spec.owner)}]}]\n")
	bad := write("bad.yaml", "id: b\ntitle: B\nlevels:\n  - name: bronze\n    checks:\n      - {id: c, title: C, expression: 'has(entity.spec'}\n")
	broken := write("broken.yaml", "id: c\ntitle: C\nlevels:\n  - nmae: bronze\n")
	tests := []struct {
		name  string
		files []string
		fails bool
		want  []string
	}{
		{"good", []string{good}, false, []string{"1 scorecards, 1 checks, 0 that do not compile"}},
		{"bad expression", []string{good, bad}, true, []string{"bad.yaml:6: levels[0].checks[0].expression: ERROR", "2 scorecards, 2 checks, 1 that do not compile"}},
		{"structural", []string{broken}, true, []string{"broken.yaml:4: levels[0].nmae: unknown key", "broken.yaml:4: levels[0].name: missing"}},
		{"usage", nil, true, []string{"callboard scorecards check FILE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(t.Context(), append([]string{"scorecards", "check"}, tc.files...), func(string) string { return "" }, &out, &errb)
			text := out.String() + errb.String()
			if err != nil {
				text += err.Error()
			}
			if (err != nil) != tc.fails {
				t.Errorf("err = %v, want failure %v\n%s", err, tc.fails, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
