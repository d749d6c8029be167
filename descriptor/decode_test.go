package descriptor

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
)

// decodeCases are documents whose direct decoding must equal JSON's, or
// fall back to it.
var decodeCases = []string{
	"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a, namespace: x, title: T, description: d, labels: {a: b}, annotations: {c: d}, tags: [x, y], links: [{url: 'https://x', title: t, icon: i, type: k}]}\nspec: {type: service, n: 1.5, big: 1e300, neg: -0, l: [1, null, true, {a: []}]}\n",
	"apiVersion: v1\nkind: Group\nmetadata: {name: g, labels: {}, tags: [], links: [], custom: {deep: [1, 2]}}\nspec: {}\n",
	"kind: Component\nmetadata: {name: a, labels: {a: null}}\nspec: {type: x}\n",
	"kind: Component\nmetadata: {name: a, links: [{URL: 'https://x'}]}\nspec: {}\n",
	"kind: Component\nmetadata: {name: a, tags: [1, null]}\n",
	"kind: Component\nmetadata: {name: null, title: 3}\n",
	"kind: Component\nmetadata: null\nspec: null\n",
	"Kind: Component\nmetadata: {name: a}\n",
	"kind: Component\nmetadata: {name: a, links: [{url: x, extra: 1}]}\n",
}

func checkDecode(t *testing.T, name string, raw map[string]any) {
	t.Helper()
	want, wantErr := decodeJSON(raw)
	got, ok := callboard.EntityFromValue(raw)
	if !ok {
		return // decode falls back to decodeJSON
	}
	if wantErr != nil {
		t.Errorf("%s: EntityFromValue accepted what JSON refuses (%v)", name, wantErr)
		return
	}
	if got.Metadata.Namespace == "" {
		got.Metadata.Namespace = "default" // as decode and decodeJSON do
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: EntityFromValue differs from the JSON round trip (-json +direct):\n%s", name, diff)
	}
}

// TestDecodeDirectMatchesJSON: the direct decoding gives what the JSON
// round trip gives, on the cases above and on Backstage's examples.
func TestDecodeDirectMatchesJSON(t *testing.T) {
	for i, src := range decodeCases {
		docs, _ := Parse("case.yaml", []byte(src))
		for _, d := range docs {
			checkDecode(t, strings.Repeat("#", i+1), d.Raw)
		}
	}
	root := filepath.Join("..", "..", "shared", "compat")
	if _, err := os.Stat(root); err != nil {
		return // the compat data is optional here; the cases above ran
	}
	n := 0
	_ = filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		docs, _ := Parse(path, data)
		for _, d := range docs {
			checkDecode(t, path, d.Raw)
			n++
		}
		return nil
	})
	t.Logf("%d compat documents compared", n)
}

func FuzzDecodeDirect(f *testing.F) {
	for _, c := range decodeCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, src string) {
		docs, _ := Parse("fuzz.yaml", []byte(src))
		for _, d := range docs {
			checkDecode(t, "fuzz", d.Raw)
		}
	})
}
