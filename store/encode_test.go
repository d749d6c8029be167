package store

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"callboard"
)

// FuzzEncodeRoundTrip: what encodeRelations writes for an entity's edges
// and parents, encoding/json reads back as the deduplicated, lowercased
// values (invalid UTF-8 replaced, as encoding/json does), and appendStrings,
// the reader's fast path, reads the same.
func FuzzEncodeRoundTrip(f *testing.F) {
	f.Add("component:default/a", "ownedBy", "group:default/t", "location:default/x")
	f.Add("a\"b\\c", "\n\t\r\x00\x1f", "ü€😀", "\xff\xfe")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, source, typ, target, parent string) {
		se := &callboard.StoredEntity{
			Edges:   []callboard.Edge{{Source: source, Type: typ, Target: target}, {Source: target, Type: typ, Target: source}, {Source: source, Type: typ, Target: target}},
			Parents: []string{parent, strings.ToUpper(parent), source},
		}
		r := entityRow{se: se}
		var buf []byte
		r.encodeRelations(&buf)

		// Edges are one flat array: source, type, target, source, ...
		var flat []string
		if err := json.Unmarshal([]byte(r.edgesJSON), &flat); err != nil {
			t.Fatalf("edges %q: %v", r.edgesJSON, err)
		}
		var want []string
		for _, e := range r.edges {
			want = append(want, viaJSON(t, e.Source), viaJSON(t, e.Type), viaJSON(t, e.Target))
		}
		if !slices.Equal(flat, want) {
			t.Fatalf("edges %q decode to %q, want %q", r.edgesJSON, flat, want)
		}
		if fast, err := appendStrings(nil, []byte(r.edgesJSON)); err != nil || !slices.Equal(fast, flat) {
			t.Fatalf("appendStrings(%q) = %q, %v; want %q", r.edgesJSON, fast, err, flat)
		}
		fast, err := appendStrings(nil, []byte(r.parentsJSON))
		if err != nil {
			t.Fatalf("appendStrings(%q): %v", r.parentsJSON, err)
		}
		var slow []string
		if err := json.Unmarshal([]byte(r.parentsJSON), &slow); err != nil {
			t.Fatalf("parents %q: %v", r.parentsJSON, err)
		}
		if !slices.Equal(fast, slow) || len(slow) != len(r.parents) {
			t.Fatalf("parents %q: appendStrings %q, encoding/json %q, want %d", r.parentsJSON, fast, slow, len(r.parents))
		}
		for i, p := range r.parents {
			if slow[i] != viaJSON(t, p) {
				t.Fatalf("parent %d: %q, want %q", i, slow[i], p)
			}
		}
	})
}

// viaJSON is s as encoding/json round-trips it.
func viaJSON(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
