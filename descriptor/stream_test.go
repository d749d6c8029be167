package descriptor_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"callboard/descriptor"
)

// bigStream writes n Component documents, each ~pad bytes, as one file.
func bigStream(n, pad int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c%d\n  description: %s\nspec:\n  type: service\n  owner: team-a\n  lifecycle: production\n", i, strings.Repeat("x", pad))
	}
	return b.String()
}

// A file past the untrusted default (4 MiB) streams whole under a raised
// MaxFileBytes, documents in order with their own lines.
func TestParseStreamBigFile(t *testing.T) {
	src := bigStream(5000, 1000) // ~5.5 MB
	if len(src) <= descriptor.DefaultMaxFileBytes {
		t.Fatalf("test file is %d bytes, want more than the default limit", len(src))
	}
	var names []string
	var lines []int
	problems := descriptor.ParseStream("components.yaml", strings.NewReader(src), descriptor.Limits{MaxFileBytes: descriptor.DefaultMaxTrustedFileBytes}, func(d *descriptor.Doc) {
		names = append(names, d.Raw["metadata"].(map[string]any)["name"].(string))
		lines = append(lines, d.LineOf("spec.owner"))
	})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems[0])
	}
	if len(names) != 5000 || names[0] != "c0" || names[4999] != "c4999" {
		t.Fatalf("got %d docs (%v...), want c0..c4999", len(names), names[:min(3, len(names))])
	}
	// Each document is 10 lines; the 4000th document's owner is on line
	// 3999*10 + 9 of the stream.
	if lines[3999] != 3999*10+9 {
		t.Errorf("doc 3999's spec.owner at line %d, want %d", lines[3999], 3999*10+9)
	}
}

// Under the default limit the same file stops with a problem naming the
// config key; the documents before the limit were handed over.
func TestParseStreamOverLimit(t *testing.T) {
	src := bigStream(5000, 1000)
	n := 0
	problems := descriptor.ParseStream("components.yaml", strings.NewReader(src), descriptor.Limits{}, func(*descriptor.Doc) { n++ })
	if len(problems) != 1 || !strings.Contains(problems[0].Message, "catalog.limits.maxFileBytes (4 MiB)") {
		t.Fatalf("problems = %v, want one naming catalog.limits.maxFileBytes (4 MiB)", problems)
	}
	if n == 0 || n >= 5000 {
		t.Errorf("%d documents before the limit, want some but not all", n)
	}
}

// chunkReader records the most bytes the parser asked for at once.
type chunkReader struct {
	r       io.Reader
	maxRead int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	c.maxRead = max(c.maxRead, len(p))
	return c.r.Read(p)
}

// The parser reads the stream in small pieces rather than slurping it.
func TestParseStreamReadsIncrementally(t *testing.T) {
	src := bigStream(2000, 100)
	cr := &chunkReader{r: strings.NewReader(src)}
	problems := descriptor.ParseStream("c.yaml", cr, descriptor.Limits{}, func(*descriptor.Doc) {})
	if len(problems) > 0 {
		t.Fatal(problems[0])
	}
	if cr.maxRead > 64<<10 {
		t.Errorf("largest read %d bytes of a %d-byte stream; want small reads", cr.maxRead, len(src))
	}
}
