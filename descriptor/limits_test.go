package descriptor_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/descriptor"
)

// aliasList is a document that anchors value at metadata.description and
// aliases it n times in spec.items.
func aliasList(value string, n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  description: &v " + value +
		"\nspec:\n  type: service\n  owner: team-a\n  lifecycle: production\n  items:\n")
	for range n {
		b.WriteString("    - *v\n")
	}
	return b.String()
}

// TestAttackAliasBomb: a 263 KB file that aliases one anchored 256 KiB
// string 400 times expands to 100 MiB; the node budget let it through.
// The byte budget refuses it at the alias that passes the limit, while
// aliases of small values (the compat data uses them) still work.
func TestAttackAliasBomb(t *testing.T) {
	big := strings.Repeat("x", 256<<10)
	tests := []struct {
		name    string
		src     string
		lim     descriptor.Limits
		problem string // "" for none
	}{
		{name: "256 KiB aliased 400 times", src: aliasList(big, 400),
			problem: "hostile.yaml:41: spec.items[30]: aliases expand this document past catalog.limits.maxEntityBytes (8 MiB); this looks like an alias bomb"},
		{name: "256 KiB aliased 400 times, raised limit", src: aliasList(big, 400), lim: descriptor.Limits{MaxBytes: 128 << 20}},
		{name: "a configured limit is named", src: aliasList(strings.Repeat("y", 1000), 10), lim: descriptor.Limits{MaxBytes: 5000},
			problem: "hostile.yaml:14: spec.items[3]: aliases expand this document past catalog.limits.maxEntityBytes (5000 bytes); this looks like an alias bomb"},
		{name: "a document over the limit without aliases", src: "a: " + strings.Repeat("z", 6000) + "\n", lim: descriptor.Limits{MaxBytes: 5000},
			problem: "hostile.yaml:1: a: the document is larger than catalog.limits.maxEntityBytes (5000 bytes)"},
		{name: "small anchors aliased many times", src: aliasList("short", 5000)},
		{name: "merge keys from an anchor", src: "base: &b {x: 1, y: two}\nfirst: {<<: *b, x: 3}\nsecond: {<<: *b}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, problems := descriptor.ParseWith("hostile.yaml", []byte(tc.src), tc.lim)
			if tc.problem == "" {
				if len(problems) > 0 || len(docs) != 1 {
					t.Fatalf("%d docs, problems %v; want the document", len(docs), problems)
				}
				return
			}
			if len(docs) != 0 || len(problems) != 1 || problems[0].String() != tc.problem {
				t.Fatalf("%d docs, problems %q; want none and %q", len(docs), problems, tc.problem)
			}
		})
	}
}

// countingReader serves files from a map and counts the reads of each
// target.
type countingReader struct {
	files map[string]string
	reads map[string]int
}

func (r *countingReader) read(_ context.Context, target string) ([]byte, error) {
	if r.reads == nil {
		r.reads = map[string]int{}
	}
	r.reads[target]++
	body, ok := r.files[target]
	if !ok {
		return nil, callboard.Errorf(callboard.NotFound, "%s does not exist", target)
	}
	return []byte(body), nil
}

// placeholders is a component with n "$key: target" items.
func placeholders(key, target string, n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc}\nspec:\n  type: service\n  owner: team-a\n  lifecycle: production\n  items:\n")
	for range n {
		b.WriteString("    - {" + key + ": " + target + "}\n")
	}
	return b.String()
}

// TestAttackPlaceholderAmplification: 300 placeholders of one 1 MiB file
// made a 300 MiB entity. Too many placeholders are refused before any is
// read; fewer that add up past the byte limit stop at the one that passes
// it. Either way the document is left as it was and must be rejected.
func TestAttackPlaceholderAmplification(t *testing.T) {
	mib := strings.Repeat("a", 1<<20)
	yamlBomb := "v: &v " + strings.Repeat("y", 100<<10) + "\nl: [" + strings.Repeat("*v, ", 29) + "*v]\n"
	tests := []struct {
		name    string
		src     string
		lim     descriptor.Limits
		files   map[string]string
		problem string
		reads   int // reads of the target
	}{
		{name: "300 placeholders", src: placeholders("$text", "./big.txt", 300), files: map[string]string{"/r/big.txt": mib},
			problem: "catalog-info.yaml:1: 300 placeholders, over catalog.limits.maxPlaceholdersPerEntity (100); none was read and the entity is rejected"},
		{name: "a configured placeholder limit", src: placeholders("$text", "./big.txt", 3), lim: descriptor.Limits{MaxPlaceholders: 2},
			files:   map[string]string{"/r/big.txt": "x"},
			problem: "catalog-info.yaml:1: 3 placeholders, over catalog.limits.maxPlaceholdersPerEntity (2); none was read and the entity is rejected"},
		{name: "100 placeholders of 1 MiB", src: placeholders("$text", "./big.txt", 100), files: map[string]string{"/r/big.txt": mib},
			problem: "catalog-info.yaml:16: spec.items[7]: $text ./big.txt: placeholders make the entity 8390117 bytes, over catalog.limits.maxEntityBytes (8 MiB); the entity is rejected",
			reads:   1},
		{name: "a configured byte limit", src: placeholders("$json", "./big.json", 10), lim: descriptor.Limits{MaxBytes: 3 << 20},
			files:   map[string]string{"/r/big.json": `"` + mib + `"`},
			problem: "catalog-info.yaml:11: spec.items[2]: $json ./big.json: placeholders make the entity 3145993 bytes, over catalog.limits.maxEntityBytes (3 MiB); the entity is rejected",
			reads:   1},
		{name: "a $yaml target whose aliases expand", src: placeholders("$yaml", "./bomb.yaml", 2), lim: descriptor.Limits{MaxBytes: 4 << 20},
			files:   map[string]string{"/r/bomb.yaml": yamlBomb},
			problem: "catalog-info.yaml:10: spec.items[1]: $yaml ./bomb.yaml: placeholders make the entity 4198545 bytes, over catalog.limits.maxEntityBytes (4 MiB); the entity is rejected",
			reads:   1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, problems := descriptor.ParseWith("catalog-info.yaml", []byte(tc.src), tc.lim)
			if len(problems) > 0 || len(docs) != 1 {
				t.Fatalf("Parse: %d docs, %v", len(docs), problems)
			}
			d := docs[0]
			before := d.Raw
			r := &countingReader{files: tc.files}
			var cache descriptor.ReadCache
			ps := descriptor.ResolvePlaceholders(t.Context(), d, "/r/catalog-info.yaml", cache.Wrap(r.read), nil)
			if len(ps) != 1 || !strings.HasPrefix(ps[0].String(), tc.problem) {
				t.Fatalf("problems = %q, want %q", ps, tc.problem)
			}
			if !d.OverLimit() {
				t.Error("OverLimit() = false, want true")
			}
			if diff := cmp.Diff(before, d.Raw); diff != "" {
				t.Errorf("Raw changed (-before +after):\n%s", diff)
			}
			total := 0
			for _, n := range r.reads {
				total += n
			}
			if total != tc.reads {
				t.Errorf("reads = %v, want %d in all", r.reads, tc.reads)
			}
		})
	}
}

// TestPlaceholderWithinLimits: placeholders that stay within the limits
// resolve, and the document is not over its limit.
func TestPlaceholderWithinLimits(t *testing.T) {
	d := mustParseOne(t, placeholders("$text", "./big.txt", 7))
	r := &countingReader{files: map[string]string{"/r/big.txt": strings.Repeat("a", 1<<20)}}
	if ps := descriptor.ResolvePlaceholders(t.Context(), d, "/r/catalog-info.yaml", r.read, nil); len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	if d.OverLimit() {
		t.Error("OverLimit() = true, want false")
	}
	items, _ := d.Raw["spec"].(map[string]any)["items"].([]any)
	if len(items) != 7 || len(items[6].(string)) != 1<<20 {
		t.Errorf("items = %d, want 7 of 1 MiB", len(items))
	}
}

// TestPlaceholderIdenticalTargetReadOnce: through a ReadCache, a target is
// read once for any number of placeholders and documents; failures are
// remembered too, and targets past the cache's size are read each time.
func TestPlaceholderIdenticalTargetReadOnce(t *testing.T) {
	r := &countingReader{files: map[string]string{"/r/a.txt": "A", "/r/big.txt": strings.Repeat("b", 2000)}}
	cache := descriptor.ReadCache{MaxBytes: 1000}
	src := placeholders("$text", "./a.txt", 5) + "---\n" + placeholders("$text", "./a.txt", 5) +
		"---\n" + placeholders("$text", "./missing.txt", 3) + "---\n" + placeholders("$text", "./big.txt", 2)
	docs, problems := descriptor.Parse("catalog-info.yaml", []byte(src))
	if len(problems) > 0 || len(docs) != 4 {
		t.Fatalf("Parse: %d docs, %v", len(docs), problems)
	}
	read := cache.Wrap(r.read)
	var failed int
	for _, d := range docs {
		failed += len(descriptor.ResolvePlaceholders(t.Context(), d, "/r/catalog-info.yaml", read, nil))
	}
	if failed != 3 {
		t.Errorf("%d problems, want 3 (the missing file's)", failed)
	}
	want := map[string]int{"/r/a.txt": 1, "/r/missing.txt": 1, "/r/big.txt": 2}
	if diff := cmp.Diff(want, r.reads); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
	// A cancelled read is not remembered.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cancelled := descriptor.ReadCache{}
	fail := func(ctx context.Context, _ string) ([]byte, error) { return nil, ctx.Err() }
	if _, err := cancelled.Wrap(fail)(ctx, "/r/x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := cancelled.Wrap(r.read)(t.Context(), "/r/a.txt"); err != nil {
		t.Errorf("after a cancelled read: %v, want the target read", err)
	}
}
