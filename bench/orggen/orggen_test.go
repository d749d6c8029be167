package orggen_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"callboard"
	"callboard/bench/orggen"
	"callboard/descriptor"
)

// entity is one parsed document and the file it came from.
type entity struct {
	file string
	body map[string]any
}

func (e entity) kind() string { return str(e.body["kind"]) }
func (e entity) name() string { return str(field(e.body, "metadata")["name"]) }
func (e entity) spec() map[string]any {
	return field(e.body, "spec")
}
func (e entity) ref() string { return callboard.EntityRef{Kind: e.kind(), Name: e.name()}.String() }

func field(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// tree is a generated catalog as read back from disk.
type tree struct {
	entities []entity
	reached  map[string]bool // files reached from the root, relative to dir
}

// mustGenerate runs Generate into a fresh directory.
func mustGenerate(t testing.TB, n int, seed int64) (string, orggen.Stats) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "org")
	st, err := orggen.Generate(dir, n, seed)
	if err != nil {
		t.Fatalf("Generate(%d, %d): %v", n, seed, err)
	}
	return dir, st
}

// mustRead follows the root Location's targets (globs included) and parses
// every document it reaches.
func mustRead(t *testing.T, dir, root string) tree {
	t.Helper()
	tr := tree{reached: map[string]bool{}}
	queue := []string{root}
	for len(queue) > 0 {
		file := queue[0]
		queue = queue[1:]
		rel, _ := filepath.Rel(dir, file)
		if tr.reached[rel] {
			continue
		}
		tr.reached[rel] = true
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var body map[string]any
			if err := dec.Decode(&body); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			e := entity{file: rel, body: body}
			tr.entities = append(tr.entities, e)
			if e.kind() != "Location" {
				continue
			}
			targets, _ := e.spec()["targets"].([]any)
			for _, tg := range targets {
				matches, err := filepath.Glob(filepath.Join(filepath.Dir(file), filepath.FromSlash(str(tg))))
				if err != nil || len(matches) == 0 {
					t.Errorf("%s: target %v matches nothing (%v)", rel, tg, err)
				}
				queue = append(queue, matches...)
			}
		}
	}
	return tr
}

var nameRE = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)

// refFields lists the spec fields that point at other entities, with the
// kind a bare name defaults to ("" = must be qualified).
var refFields = map[string]string{
	"owner": "group", "system": "system", "domain": "domain", "subcomponentOf": "component",
	"dependsOn": "", "dependencyOf": "", "providesApis": "api", "consumesApis": "api",
	"memberOf": "group", "parent": "group", "children": "group", "members": "user",
}

// checkTree checks everything that must hold for any n.
func checkTree(t *testing.T, dir string, n int, st orggen.Stats) tree {
	t.Helper()
	tr := mustRead(t, dir, st.Root)
	if len(tr.entities) != n || st.Entities != n {
		t.Errorf("read %d entities, Stats.Entities = %d, want %d", len(tr.entities), st.Entities, n)
	}
	byKind := map[string]int{}
	defined := map[string]bool{}
	for _, e := range tr.entities {
		byKind[e.kind()]++
		if !nameRE.MatchString(e.name()) || len(e.name()) > 63 {
			t.Errorf("%s: invalid name %q", e.file, e.name())
		}
		if defined[e.ref()] {
			t.Errorf("%s: %s defined twice", e.file, e.ref())
		}
		defined[e.ref()] = true
	}
	if diff := cmp.Diff(st.ByKind, byKind); diff != "" {
		t.Errorf("Stats.ByKind differs from what was read (-stats +read):\n%s", diff)
	}
	for _, e := range tr.entities {
		for f, defKind := range refFields {
			var refs []string
			switch v := e.spec()[f].(type) {
			case string:
				refs = []string{v}
			case []any:
				for _, r := range v {
					refs = append(refs, str(r))
				}
			}
			for _, r := range refs {
				ref, err := callboard.ParseRef(r, defKind, "")
				if err != nil {
					t.Errorf("%s spec.%s: %v", e.ref(), f, err)
				} else if !defined[ref.String()] {
					t.Errorf("%s spec.%s: %s does not exist", e.ref(), f, ref)
				}
			}
		}
		if e.kind() == "API" {
			checkDefinition(t, e)
		}
		if e.kind() == "Group" && e.spec()["type"] != "organization" && e.spec()["parent"] == nil {
			t.Errorf("%s has no parent", e.ref())
		}
	}
	var files int
	var size int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !tr.reached[rel] {
			t.Errorf("%s is not reached from the root Location", rel)
		}
		info, _ := d.Info()
		files++
		size += info.Size()
		return nil
	})
	if files != st.Files || size != st.Bytes {
		t.Errorf("found %d files, %d bytes; Stats says %d files, %d bytes", files, size, st.Files, st.Bytes)
	}
	return tr
}

func checkDefinition(t *testing.T, e entity) {
	t.Helper()
	def, ok := e.spec()["definition"].(string)
	if !ok {
		t.Errorf("%s: definition is %T, want an inline string", e.ref(), e.spec()["definition"])
		return
	}
	if len(def) < 1000 || len(def) > 4000 {
		t.Errorf("%s: definition is %d bytes, want 1-4 KB", e.ref(), len(def))
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(def), &doc); err != nil {
		t.Errorf("%s: definition does not parse: %v", e.ref(), err)
		return
	}
	if doc["openapi"] != "3.0.3" || len(field(doc, "paths")) == 0 {
		t.Errorf("%s: definition is not an OpenAPI document with paths", e.ref())
	}
}

func TestGenerate(t *testing.T) {
	const n = 2000
	dir, st := mustGenerate(t, n, 7)
	checkTree(t, dir, n, st)
	// Shares of each kind, as the package documents them.
	want := map[string][2]float64{
		"Component": {0.40, 0.52}, "API": {0.12, 0.18}, "Resource": {0.08, 0.12},
		"User": {0.10, 0.21}, "Group": {0.01, 0.05}, "System": {0.02, 0.08}, "Domain": {0.005, 0.03},
	}
	for kind, r := range want {
		if share := float64(st.ByKind[kind]) / n; share < r[0] || share > r[1] {
			t.Errorf("%s: %.3f of entities, want %.2f-%.2f", kind, share, r[0], r[1])
		}
	}
	if st.Root != filepath.Join(dir, "catalog-info.yaml") {
		t.Errorf("Root = %s, want %s", st.Root, filepath.Join(dir, "catalog-info.yaml"))
	}
}

func TestGenerateSmall(t *testing.T) {
	for _, n := range []int{orggen.MinEntities, 11, 57, 501} {
		dir, st := mustGenerate(t, n, 1)
		checkTree(t, dir, n, st)
		for _, kind := range []string{"Location", "Group", "User", "Domain", "System", "Component", "API", "Resource"} {
			if st.ByKind[kind] == 0 {
				t.Errorf("n=%d: no %s", n, kind)
			}
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	dirA, _ := mustGenerate(t, 2000, 42)
	dirB, _ := mustGenerate(t, 2000, 42)
	dirC, _ := mustGenerate(t, 2000, 43)
	a, b, c := mustSnapshot(t, dirA), mustSnapshot(t, dirB), mustSnapshot(t, dirC)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different trees (-first +second):\n%.2000s", diff)
	}
	if cmp.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same tree")
	}
}

// mustSnapshot reads a tree into a map of relative path to contents.
func mustSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGenerateErrors(t *testing.T) {
	if _, err := orggen.Generate(t.TempDir(), orggen.MinEntities-1, 1); err == nil {
		t.Errorf("Generate(n=%d) succeeded; want an error", orggen.MinEntities-1)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := orggen.Generate(dir, 100, 1)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Generate into a non-empty dir: err = %v, want a 'not empty' error", err)
	}
}

func BenchmarkGenerate10k(b *testing.B)  { benchmarkGenerate(b, 10_000) }
func BenchmarkGenerate100k(b *testing.B) { benchmarkGenerate(b, 100_000) }

func benchmarkGenerate(b *testing.B, n int) {
	var st orggen.Stats
	dir := filepath.Join(b.TempDir(), "org")
	for b.Loop() {
		var err error
		if st, err = orggen.Generate(dir, n, 1); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.SetBytes(st.Bytes)
	b.ReportMetric(float64(st.Files), "files")
}

// TestGenerateValidates runs every generated file through the catalog's
// validator: no problems at all, and every relation edge is well formed.
func TestGenerateValidates(t *testing.T) {
	dir, st := mustGenerate(t, 1000, 3)
	tr := mustRead(t, dir, st.Root)
	var n int
	for file := range tr.reached {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		docs, problems := descriptor.Parse(file, data)
		for _, p := range problems {
			t.Errorf("Parse: %s", p)
		}
		for _, d := range docs {
			e, problems := descriptor.Validate(d)
			for _, p := range problems {
				t.Errorf("Validate: %s", p)
			}
			if e == nil {
				continue
			}
			n++
			if _, problems := descriptor.Edges(e); len(problems) > 0 {
				t.Errorf("Edges(%s): %v", e.Ref(), problems)
			}
		}
	}
	if n != st.Entities {
		t.Errorf("validated %d entities, want %d", n, st.Entities)
	}
}

// The kinds layout holds the same entities as the repos layout, in five
// files (the root and four big ones).
func TestGenerateKinds(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	st, err := orggen.GenerateLayout(dir, n, 7, orggen.LayoutKinds)
	if err != nil {
		t.Fatal(err)
	}
	kinds := checkTree(t, dir, n, st)
	_, want := mustGenerate(t, n, 7)
	if diff := cmp.Diff(want.ByKind, st.ByKind); diff != "" {
		t.Errorf("kinds layout ByKind differs from repos layout (-repos +kinds):\n%s", diff)
	}
	if st.Files != 5 {
		t.Errorf("%d files, want 5", st.Files)
	}
	files := map[string]bool{}
	for _, e := range kinds.entities {
		files[filepath.Base(e.file)] = true
	}
	if len(files) != 5 {
		t.Errorf("entities come from %v, want the root and four files", files)
	}
}
