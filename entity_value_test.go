package callboard_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
)

// TestEntityFromValue: a stored body decoded into plain values and built
// with EntityFromValue equals the body decoded into Entity; what it cannot
// reproduce (status) it refuses, for the JSON path.
func TestEntityFromValue(t *testing.T) {
	full := &callboard.Entity{
		APIVersion: "backstage.io/v1alpha1", Kind: "Component",
		Metadata: callboard.Metadata{
			UID: "u-1", Etag: "e", Name: "svc", Namespace: "default", Title: "Svc", Description: "d ü 😀",
			Labels: map[string]string{"a": "b"}, Annotations: map[string]string{"x/y": "z"},
			Tags: []string{"go"}, Links: []callboard.Link{{URL: "https://x", Title: "t", Icon: "i", Type: "k"}},
			Extra: map[string]any{"custom": map[string]any{"n": 1.5, "l": []any{true, nil, "s"}}},
		},
		Spec: map[string]any{"type": "service", "n": 3.0, "deep": map[string]any{"a": []any{}}},
	}
	minimal := &callboard.Entity{APIVersion: "v1", Kind: "Group", Metadata: callboard.Metadata{Name: "g", Labels: map[string]string{}, Tags: []string{}}}
	withStatus := &callboard.Entity{APIVersion: "v1", Kind: "Component", Metadata: callboard.Metadata{Name: "s"},
		Status: &callboard.Status{Items: []callboard.StatusItem{{Type: "t", Level: "error", Message: "m"}}}}
	for _, tc := range []struct {
		name   string
		e      *callboard.Entity
		wantOK bool
	}{{"full", full, true}, {"minimal", minimal, true}, {"status", withStatus, false}} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(tc.e)
			if err != nil {
				t.Fatal(err)
			}
			var want callboard.Entity
			if err := json.Unmarshal(body, &want); err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			got, ok := callboard.EntityFromValue(m)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("EntityFromValue differs from json.Unmarshal (-json +value):\n%s", diff)
			}
		})
	}
}
