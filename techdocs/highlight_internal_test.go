package techdocs

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

func BenchmarkHighlight(b *testing.B) {
	codes := map[string]string{
		"go":     "package svc1\n\n// Handle serves one request.\nfunc Handle(ctx context.Context, req *Request) (*Response, error) {\n\tif req.ID == \"\" {\n\t\treturn nil, fmt.Errorf(\"missing id\")\n\t}\n\tfor i := 0; i < 3; i++ {\n\t\tlog.Printf(\"attempt %d\", i)\n\t}\n\treturn &Response{Status: 200}, nil\n}\n",
		"python": "def handle(request):\n    \"\"\"Service request latency.\"\"\"\n    return {\"status\": 200, \"items\": [x for x in range(3)]}\n",
		"yaml":   "key: value-1\nlist: [a, b, c]\n",
	}
	for lang, code := range codes {
		b.Run(lang, func(b *testing.B) {
			w := bufio.NewWriter(io.Discard)
			for b.Loop() {
				highlightCode(w, code, fenceInfo{lang: lang}, false)
			}
		})
	}
	b.Run("sanitize", func(b *testing.B) {
		var buf = []byte(`<div class="highlight language-go"><pre class="chroma"><code><span class="line"><span class="cl"><span class="kn">package</span><span class="w"> </span><span class="nx">main</span></span></span></code></pre></div><p>Hello <a href="x/">y</a></p>`)
		for b.Loop() {
			sanitize(buf)
		}
	})
}

func TestHighlightCacheKeysEveryOption(t *testing.T) {
	b := &builder{cfg: &config{}}
	code := "a: 1\nb: 2\n"
	variants := []fenceInfo{
		{lang: "yaml"},
		{lang: "yml"},
		{lang: "yaml", title: "x.yaml"},
		{lang: "yaml", linenums: 3},
		{lang: "yaml", hlLines: [][2]int{{2, 2}}},
		{lang: "yaml", hlLines: [][2]int{{1, 2}}},
	}
	seen := map[string]bool{}
	for _, fi := range variants {
		var want bytes.Buffer
		highlightCode(&want, code, fi, false)
		for range 2 { // the second call is served from the cache
			if got := b.highlight(code, fi); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%+v: cached highlight differs:\n%s\nwant\n%s", fi, got, want.Bytes())
			}
		}
		seen[codeKey(code, fi)] = true
	}
	if len(seen) != len(variants) || len(b.codes) != len(variants) {
		t.Errorf("%d keys, %d cached, want %d", len(seen), len(b.codes), len(variants))
	}
	if codeKey("x", fenceInfo{lang: "a", title: "b"}) == codeKey("x", fenceInfo{lang: "ab"}) {
		t.Error("codeKey is ambiguous")
	}
}
