package descriptor

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"callboard/internal/compattest"
)

// parsed is what ParseStream hands over, in a form to compare.
type parsed struct {
	Docs     []parsedDoc
	Problems []Problem
}

type parsedDoc struct {
	Line  int
	Raw   map[string]any
	Size  int64
	Lines map[string]int // LineOf of every field path in Raw
}

func collect(d *Doc) parsedDoc {
	pd := parsedDoc{Line: d.Line, Raw: d.Raw, Size: d.size, Lines: map[string]int{}}
	for _, f := range fieldPaths(d.Raw, "") {
		pd.Lines[f] = d.LineOf(f)
	}
	return pd
}

// fieldPaths lists the paths of v's values in Problem.Field syntax.
func fieldPaths(v any, field string) []string {
	var out []string
	if field != "" {
		out = append(out, field)
	}
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, fieldPaths(v[k], join(field, k))...)
		}
	case []any:
		for i, x := range v {
			out = append(out, fieldPaths(x, field+"["+strconv.Itoa(i)+"]")...)
		}
	}
	return out
}

// bothPaths parses src with ParseStream and with yaml.v3's nodes alone.
func bothPaths(src string, lim Limits) (fast, slow parsed) {
	lim = lim.withDefaults()
	fast.Problems = ParseStream("f.yaml", strings.NewReader(src), lim, func(d *Doc) { fast.Docs = append(fast.Docs, collect(d)) })
	lr := &limitedReader{r: strings.NewReader(src), left: lim.MaxFileBytes}
	func() {
		defer func() {
			if r := recover(); r != nil {
				slow.Problems = append(slow.Problems, Problem{File: "f.yaml", Message: fmt.Sprintf("cannot parse YAML: %v", r)})
			}
		}()
		slow.Problems = parseNodes("f.yaml", lr, lr, lim, func(d *Doc) { slow.Docs = append(slow.Docs, collect(d)) })
	}()
	return fast, slow
}

// checkSame checks that ParseStream agrees with yaml.v3's nodes on src.
// One freedom: where yaml.v3 finds a syntax error, which error it reports
// first, and how many documents before it it hands over, depend on how its
// reads are cut (a file, a buffer and the fast path's fallback cut them
// differently). The fast path may then hand over more of the documents
// before the error (with their own problems), and report another syntax
// error.
func checkSame(t *testing.T, src string, lim Limits) {
	t.Helper()
	fast, slow := bothPaths(src, lim)
	if reflect.DeepEqual(fast, slow) {
		return
	}
	if syntaxErrors(slow.Problems) && syntaxErrors(fast.Problems) &&
		len(fast.Docs) >= len(slow.Docs) && (len(slow.Docs) == 0 || reflect.DeepEqual(fast.Docs[:len(slow.Docs)], slow.Docs)) {
		return
	}
	t.Errorf("fast path differs for %q:\nfast %+v\nslow %+v", src, fast, slow)
}

// syntaxErrors reports whether ps ends with a syntax error from yaml.v3.
func syntaxErrors(ps []Problem) bool {
	return len(ps) > 0 && strings.HasPrefix(ps[len(ps)-1].Message, "invalid YAML: ")
}

// fastCases are in the subset: the fast path must take them whole.
var fastCases = []string{
	"a: 1\n",
	"# c\n\na: 1\n",
	"---\na: 1\n",
	"--- # c\na: 1\n---\nb: 2\n",
	"# c\n---\na: 1\n---\n# x\n\nb: 2\n",
	"a: 1\n---\n---\nb: 2\n",
	"a: 1\n---\n",
	"a:\n  b: c\n  d:\n    - e\n    - f: g\n      h: 'i''j'\n  k: [l, \"m n\", 'o', 1, 0x1F, .5, ~, true, null]\nz: {}\n",
	"a:\n- b\n- c: d\n  e: f\nnext: 1\n",
	"a: |\n  line 1\n\n  line 3\n    indented\n  # not a comment\nb: |-\n  x\n  y\n\n\nc: 1\n",
	"l:\n- a: |\n    x\n  b: y\n",
	"k: v # comment\nk2: \"q\" # c\nk3: [a, b] # c\nk4: |  # c\n  t\n",
	"url: https://example.com/a#b\nx: a:b\ny: -1\nz: -x\nw: a # b\n",
	"key with spaces: value with spaces  \n",
	"a: [group:default/x, b]\n",
	"unicode: 日本語のテキスト\nemoji: \"🚀\"\n",
	"n: 1e3\nm: +12\no: 0o17\np: .inf\nq: -.Inf\nr: .nan\ns: 2021-01-01\nt: yes\nu: on\nv: 1_000\nw: 0b11\n",
	"a: []\nb: [ ]\nc: {}\n",
	"a: 'it''s'\nb: \"say 'hi'\"\nc: ''\nd: \"\"\n",
	"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n  tags: [a, b]\nspec:\n  type: service\n  owner: team-a\n",
}

// mixedCases are outside the subset somewhere (or invalid): whatever path
// takes them, the result must be yaml.v3's.
var mixedCases = []string{
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"a: \"esc\\n\"\n",
	"a: >\n  folded\n  text\n",
	"a: |+\n  keep\n\n",
	"a: |2\n   x\n",
	"a: multi\n  line\n",
	"a: \"multi\n  line\"\n",
	"a:\n\tb: 1\n",
	"a: 1\r\nb: 2\r\n",
	// Lone CRs, NEL and LS break lines for yaml.v3: the lines after them
	// must carry the same numbers on both paths.
	"\r0\n--- 0",
	"a: 1\rb: 2\n---\nc: [\n",
	"a: 1\r---\rb: 2\n---\n- x\n",
	"a: 1\u0085b: 2\n---\n- x\n",
	"a: \"x\u2028y\"\n---\n- x\n",
	"a: 1\r...\r%YAML 1.1\r---\rb: 2\n---\nc: 1\n",
	// A line longer than the reader's buffer that ends in "---" is no
	// document marker.
	"a: " + strings.Repeat("x", 16<<10-3) + "---\nb: 1\n",
	"a: 1\na: 2\n",
	"<<: {a: 1}\n",
	"\"quoted\": key\n",
	"? complex\n: key\n",
	"- a\n- b\n",
	"just text\n",
	"  a: 1\n",
	"a: 1\n  b: 2\n",
	"a:\n  b: 1\n c: 2\n",
	"a: b: c\n",
	"a: [b: c]\n",
	"a: [b, [c]]\n",
	"a: {b: c}\n",
	"a: [a, ]\n",
	"a: [a\n  , b]\n",
	"a: 1\n...\n---\nb: 1\n",
	"a: 1\n...\n",
	"- a: |\n    x\n  b: y\n",
	"%YAML 1.2\n---\na: 1\n",
	"--- {a: 1}\n",
	"--- |\n  x\n",
	"a: 1\n---\nb: &x 1\nc: *x\n---\nd: 1\n",
	"a: 1\n---\nb: [\n---\nc: 1\n",
	"a: 1\n---\n- x\n---\nc: 1\n",
	"a: 1\n...\n%YAML 1.2\n---\nb: 1\n",
	"a: 1\n---\n!!map {b: 1}\n---\nc: 1\n",
	"a: 1\n---\nb: &x {c: 1}\nd:\n  <<: *x\n  c: 2\n---\ne: 1\ne: 2\n---\nf: 1\n",
	"a: 1\n--- |\n  x\n---\nb: 2\n",
	"\ufeffa: 1\n",
	"a: \u0085\n",
	"a: |\n\n  x\n",
	"a: |\n   \n  x\n",
	"a: |\n  x\n   \n  y\n",
	"a: |\nb: 1\n",
	"a: |\n  x\n y\n",
	"a: -\n",
	"a:\n  - - b\n",
	"a:\n  -\n    b: 1\n",
	"a: \"x\"y\n",
	"a: 'x'#c\n",
	"a: [x]#c\n",
	"a: 1 #c\n  b: 2\n",
	"a:#b\n",
	"a :b\n",
	"a: ?x\n",
	"a: [?x]\n",
	"a: [x?y, a:b]\n",
	"a: [a#b]\n",
	"a: @x\n",
	"a: `x`\n",
	"- a: 1\n  - b\n",
	"a: 1\n- b\n",
	"a:\n- b\n  c\n",
	"k:\n  - a\n  b: 1\n",
	strings.Repeat("a:\n ", 70) + "b: 1\n",
	"a: " + strings.Repeat("x", 2000) + "\n",
	strings.Repeat("k", 1100) + ": v\n",
}

func TestFastPathAgrees(t *testing.T) {
	for _, src := range append(append([]string{}, fastCases...), mixedCases...) {
		checkSame(t, src, Limits{})
	}
	// Limits: the fast path declines past MaxBytes, so that converter
	// words the problem.
	checkSame(t, "a: "+strings.Repeat("x", 100)+"\n", Limits{MaxBytes: 50})
	checkSame(t, "a: 1\n---\nb: "+strings.Repeat("x", 100)+"\n", Limits{MaxBytes: 50})
	// Past MaxFileBytes, the fast path hands over at least the
	// documents yaml.v3 did, and the same problem.
	for _, limit := range []int64{100, 428, 429, 1000, 1001} {
		src := strings.Repeat("---\na: "+strings.Repeat("x", 100)+"\n", 20)
		fast, slow := bothPaths(src, Limits{MaxFileBytes: limit})
		if !reflect.DeepEqual(fast.Problems, slow.Problems) || len(fast.Docs) < len(slow.Docs) ||
			(len(slow.Docs) > 0 && !reflect.DeepEqual(fast.Docs[:len(slow.Docs)], slow.Docs)) {
			t.Errorf("limit %d: fast path %+v, yaml.v3 %+v", limit, fast, slow)
		}
	}
}

// The cases meant for the fast path take it whole.
func TestFastPathTaken(t *testing.T) {
	var fp fastParser
	for _, src := range fastCases {
		sg := &segmenter{r: newBufReader(src)}
		for {
			seg, ok := sg.next()
			if !ok {
				break
			}
			if _, _, ok := fastDoc(&fp, seg.data, seg.line, DefaultMaxBytes); !ok {
				t.Errorf("fast path declined %q of %q", seg.data, src)
			}
		}
	}
}

// The compat descriptors (Backstage's examples and the invalid cases)
// parse the same on both paths.
func TestFastPathCompat(t *testing.T) {
	root := compattest.Dir(t)
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		checkSame(t, string(data), Limits{})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no compat files")
	}
}

// FuzzFastPath checks that ParseStream, fast path and all, hands over what
// yaml.v3's nodes give: the same documents, values, lines and problems.
func FuzzFastPath(f *testing.F) {
	for _, src := range append(append([]string{}, fastCases...), mixedCases...) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		done := make(chan bool)
		go func() {
			defer close(done)
			checkSame(t, src, Limits{})
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<16)
			t.Fatalf("stuck on %q\n%s", src, buf[:runtime.Stack(buf, true)])
		}
	})
}

func newBufReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// After a document the fast path declines, the next ones take it again:
// one anchor in a big exported file does not send the rest to yaml.v3.
func TestFastPathResumes(t *testing.T) {
	src := "a: 1\n---\nb: &x 1\nc: *x\n---\nd: 1\n---\ne: {f: g}\n---\nh: 2\n"
	var fast []bool
	ps := ParseStream("f.yaml", strings.NewReader(src), Limits{}, func(d *Doc) { fast = append(fast, d.src != "") })
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if want := []bool{true, false, true, false, true}; !reflect.DeepEqual(fast, want) {
		t.Errorf("fast path taken %v, want %v", fast, want)
	}
	checkSame(t, src, Limits{})
}
