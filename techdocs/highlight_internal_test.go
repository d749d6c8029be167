package techdocs

import (
	"bufio"
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
