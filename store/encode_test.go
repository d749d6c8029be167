package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"callboard"
)

// FuzzEncodeRoundTrip: what encodeRelations writes for an entity's edges
// and parents is JSON that encoding/json reads, appendStrings (the
// reader's fast path) reads the same, and the edges and parents decode
// back to the deduplicated, lowercased values (invalid UTF-8 replaced, as
// encoding/json does), in order, whichever edges touch the entity.
func FuzzEncodeRoundTrip(f *testing.F) {
	f.Add("component:default/a", "group:default/t", "ownedBy", "ownerOf", "location:default/x", uint16(0))
	f.Add("component:default/a", "component:default/a", ">x", "|y", "", uint16(7))
	f.Add("a\"b\\c", "ü€😀", "\n\t\r\x00\x1f", "=", "\xff\xfe", uint16(0xffff))
	f.Add("", "", "", "", "", uint16(3))
	f.Add("0", "\xda", "\xac", "0", "0", uint16(37)) // invalid alone, valid together
	f.Fuzz(func(t *testing.T, self, other, typ, inv, parent string, pick uint16) {
		self = strings.ToLower(self)
		all := []callboard.Edge{
			{Source: self, Type: typ, Target: other}, {Source: other, Type: inv, Target: self}, // a pair
			{Source: other, Type: typ, Target: self}, {Source: self, Type: inv, Target: self},
			{Source: other, Type: typ, Target: other + "x"}, {Source: self, Type: typ, Target: other},
			{Source: self, Type: inv, Target: strings.ToUpper(other)}, {Source: other, Type: inv, Target: self},
		}
		var edges []callboard.Edge // the edges pick selects, in order
		for i, e := range all {
			if pick&(1<<i) != 0 {
				edges = append(edges, e)
			}
		}
		se := &callboard.StoredEntity{Edges: edges, Parents: []string{parent, strings.ToUpper(parent), self}}
		r := entityRow{se: se, ref: self}
		var buf []byte
		r.encodeRelations(&buf)

		var slow []string
		if err := json.Unmarshal([]byte(r.edgesJSON), &slow); err != nil {
			t.Fatalf("edges %q: %v", r.edgesJSON, err)
		}
		if fast, err := appendStrings(nil, []byte(r.edgesJSON)); err != nil || !slices.Equal(fast, slow) {
			t.Fatalf("appendStrings(%q) = %q, %v; want %q", r.edgesJSON, fast, err, slow)
		}
		got, _, err := parseEdges(self, []byte(r.edgesJSON), nil)
		if err != nil {
			t.Fatalf("parseEdges(%q): %v", r.edgesJSON, err)
		}
		if len(got) != len(r.edges) {
			t.Fatalf("edges %q decode to %d edges %q, want %d %q", r.edgesJSON, len(got), got, len(r.edges), r.edges)
		}
		if valid(self, other, typ, inv) && !slices.Equal(got, r.edges) {
			t.Fatalf("edges %q decode to %q, want %q", r.edgesJSON, got, r.edges)
		}

		fast, err := appendStrings(nil, []byte(r.parentsJSON))
		if err != nil {
			t.Fatalf("appendStrings(%q): %v", r.parentsJSON, err)
		}
		slow = nil
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

// valid reports whether every s is valid UTF-8.
func valid(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// FuzzBodyRoundTrip: an entity's body, encoded as PutEntities stores it
// (JSON, or compressed as on SQLite), decodes to the entity it was made
// from, without its relations; what is not a stored body fails to decode
// with an error, never a panic.
func FuzzBodyRoundTrip(f *testing.F) {
	f.Add("svc-a", "A service.", "backstage.io/techdocs-ref", "dir:.", "owner", "group:default/team", true)
	f.Add("x", "", "", "", "", "", false)
	f.Add("ü€😀", "\x00\x01\"\\", "\x01", "{", "lifecycle", "\n", true)
	f.Fuzz(func(t *testing.T, name, description, annKey, annValue, specKey, specValue string, compress bool) {
		if !valid(name, description, annKey, annValue, specKey, specValue) {
			return // encoding/json replaces invalid UTF-8: no round trip
		}
		e := &callboard.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: callboard.Metadata{Name: name, Namespace: "default", Description: description,
				Annotations: map[string]string{annKey: annValue}},
			Spec:      map[string]any{specKey: specValue, "n": 1.5, "list": []any{"a", true}},
			Relations: []callboard.Relation{{Type: "ownedBy", TargetRef: "group:default/t"}},
		}
		r := entityRow{se: &callboard.StoredEntity{Entity: e}, ref: "component:default/x"}
		if err := r.encodeBody(compress); err != nil {
			t.Fatalf("encodeBody: %v", err)
		}
		var stored []byte
		switch b := r.body.(type) {
		case string:
			stored = []byte(b)
		case []byte:
			stored = b
		}
		if compress != (stored[0] == bodyCompressed) {
			t.Fatalf("compress %v, body starts with %#x", compress, stored[0])
		}
		raw := rawEntity{se: &callboard.StoredEntity{Ref: r.ref}, body: stored, edges: []byte("[]"), parents: []byte("[]")}
		if err := raw.decode(); err != nil {
			t.Fatalf("decode: %v", err)
		}
		want := *e
		want.Relations = nil
		if diff := cmp.Diff(&want, raw.se.Entity, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("decoded entity (-want +got):\n%s", diff)
		}

		// A cut body is an error; other bytes decode or fail, never panic.
		for i, bad := range [][]byte{stored[:len(stored)/2], append([]byte{bodyCompressed}, name...), []byte(description)} {
			raw := rawEntity{se: &callboard.StoredEntity{Ref: r.ref}, body: bad, edges: []byte("[]"), parents: []byte("[]")}
			if err := raw.decode(); err == nil && i == 0 {
				t.Fatalf("decode of cut body %q succeeded", bad)
			}
		}
	})
}

// TestBodyDict: stored bodies can only be read with the dictionary they
// were compressed with; changing it needs a new mark (body.go).
func TestBodyDict(t *testing.T) {
	sum := sha256.Sum256(bodyDictText)
	if got := hex.EncodeToString(sum[:]); got != bodyDictSHA256 {
		t.Errorf("the body dictionary changed (sha256 %s, stored bodies need %s): give the new one its own mark", got, bodyDictSHA256)
	}
}

const bodyDictSHA256 = "807245f04d103710de8d1a9be0803f2c25195284be70a094c3a13a4002901a51"
