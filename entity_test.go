package callboard_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
)

func TestMetadataRoundTripKeepsExtraKeys(t *testing.T) {
	in := `{"name":"a","namespace":"ns","title":"T","labels":{"x":"y"},"annotations":{"k/a":"v"},"tags":["go"],` +
		`"links":[{"url":"https://x","title":"X"}],"uid":"u","etag":"e","customKey":{"nested":[1,"two"]}}`
	var m callboard.Metadata
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	want := callboard.Metadata{UID: "u", Etag: "e", Name: "a", Namespace: "ns", Title: "T",
		Labels: map[string]string{"x": "y"}, Annotations: map[string]string{"k/a": "v"}, Tags: []string{"go"},
		Links: []callboard.Link{{URL: "https://x", Title: "X"}},
		Extra: map[string]any{"customKey": map[string]any{"nested": []any{1.0, "two"}}}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	json.Unmarshal([]byte(in), &a)
	json.Unmarshal(out, &b)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"name": 5}`), &m); err == nil {
		t.Errorf("a number as name decoded without error")
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in, kind, ns string
		want         string
		wantErr      bool
	}{
		{"component:default/a", "", "", "component:default/a", false},
		{"a", "Group", "", "group:default/a", false},
		{"team/a", "Group", "", "group:team/a", false},
		{"User:Ops/Jane.Doe", "", "", "user:ops/jane.doe", false},
		{"a/b:c", "Component", "", "component:a/b:c", false},
		{"a", "", "", "", true},
		{"group:", "", "", "", true},
		{"system:/x", "", "", "", true},
		{":x", "", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := callboard.ParseRef(tc.in, tc.kind, tc.ns)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && r.String() != tc.want {
				t.Errorf("ref = %s, want %s", r, tc.want)
			}
			if err != nil && callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("error kind = %v, want Invalid", callboard.ErrorKind(err))
			}
		})
	}
}
