package callboard_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// docsBlock is a fenced code block of docs/plugins.md that shows a file
// of the example module: "file" blocks are the whole file, "lines of"
// blocks are lines of it.
var docsBlock = regexp.MustCompile("(?s)<!-- (file|lines of): ([^ ]+) -->\n```[a-z]*\n(.*?)```\n")

// TestPluginDocsShowTheExample keeps the code in docs/plugins.md identical
// to examples/slo-card, which CI builds and tests (.ci/run).
func TestPluginDocsShowTheExample(t *testing.T) {
	doc, err := os.ReadFile("docs/plugins.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := docsBlock.FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 4 {
		t.Fatalf("docs/plugins.md shows %d files of the example, want its plugin, test, go.mod and main.go", len(blocks))
	}
	for _, b := range blocks {
		how, file, code := b[1], b[2], b[3]
		data, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("docs/plugins.md shows %s: %v", file, err)
			continue
		}
		switch how {
		case "file":
			if code != string(data) {
				t.Errorf("docs/plugins.md's copy of %s differs from the file; paste the file into the doc", file)
			}
		case "lines of":
			for _, line := range strings.Split(code, "\n") {
				if line != "" && !strings.Contains("\n"+string(data)+"\n", "\n"+line+"\n") {
					t.Errorf("%s has no line %q, which docs/plugins.md shows", file, line)
				}
			}
		}
	}
}
