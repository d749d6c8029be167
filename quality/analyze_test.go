package quality

import (
	"slices"
	"strings"
	"testing"
	"time"

	"callboard"
)

func ent(kind, ns, name string, spec map[string]any) *callboard.Entity {
	return &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind, Metadata: callboard.Metadata{Namespace: ns, Name: name}, Spec: spec}
}

// TestAnalyze: each problem on a small catalog, one case per entity; an
// entity without problems appears in none of the lists.
func TestAnalyze(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	fresh := now.Add(-day)
	catalog := []Stored{
		{Entity: ent("Group", "default", "team-a", map[string]any{"type": "team"}), Refreshed: fresh},
		{Entity: ent("User", "default", "jane", map[string]any{"memberOf": []any{"team-a"}}), Refreshed: fresh},
		{Entity: ent("Group", "default", "empty-team", map[string]any{"type": "team"}), Refreshed: fresh},
		{Entity: ent("Group", "default", "listed-team", map[string]any{"members": []any{"user:default/jane"}}), Refreshed: fresh},
		{Entity: ent("User", "default", "left", nil), Orphan: true, Refreshed: fresh},
		{Entity: ent("API", "default", "pay-api", map[string]any{"owner": "team-a"}), Refreshed: fresh},
		{Entity: ent("Component", "default", "good", map[string]any{"owner": "team-a", "dependsOn": []any{"component:default/other"}, "providesApis": []any{"pay-api"}}), Refreshed: fresh},
		{Entity: ent("Component", "default", "other", map[string]any{"owner": "group:default/listed-team"}), Refreshed: fresh},
		{Entity: ent("Component", "default", "gone-source", map[string]any{"owner": "team-a"}), Orphan: true, Refreshed: fresh},
		{Entity: ent("Component", "default", "no-such-owner", map[string]any{"owner": "ghosts"}), Refreshed: fresh},
		{Entity: ent("Component", "default", "empty-owner", map[string]any{"owner": "empty-team"}), Refreshed: fresh},
		{Entity: ent("Component", "default", "left-owner", map[string]any{"owner": "user:left"}), Refreshed: fresh},
		{Entity: ent("Component", "default", "old", map[string]any{"owner": "team-a"}), Refreshed: now.Add(-40 * day)},
		{Entity: ent("Component", "default", "dangles", map[string]any{"owner": "team-a", "dependsOn": []any{"component:missing"}, "consumesApis": []any{"nope-api"}}), Refreshed: fresh},
		{Entity: ent("Component", "default", "twin", map[string]any{"owner": "team-a"}), Refreshed: fresh},
		{Entity: ent("Component", "payments", "twin", map[string]any{"owner": "group:default/team-a"}), Refreshed: fresh},
	}
	r := Analyze(catalog, now, 30*day)
	tests := []struct {
		problem string
		refs    []string
		message string // a part of the first issue's message
	}{
		{SourceOrphan, []string{"component:default/gone-source", "user:default/left"}, "no longer emits it"},
		{OwnershipOrphan, []string{"component:default/empty-owner", "component:default/left-owner", "component:default/no-such-owner"}, "has no members"},
		{Stale, []string{"component:default/old"}, "for 40 days"},
		{Dangling, []string{"component:default/dangles", "component:default/dangles"}, "spec.consumesApis: api:default/nope-api does not exist"},
		{Duplicate, []string{"component:default/twin", "component:payments/twin"}, "component:payments/twin"},
	}
	for _, tc := range tests {
		t.Run(tc.problem, func(t *testing.T) {
			var got []string
			for _, is := range r.Issues[tc.problem] {
				got = append(got, is.Entity)
			}
			if !slices.Equal(got, tc.refs) {
				t.Errorf("%s = %v, want %v", tc.problem, got, tc.refs)
			}
			if r.Counts[tc.problem] != len(tc.refs) {
				t.Errorf("count %d, want %d", r.Counts[tc.problem], len(tc.refs))
			}
			if len(got) > 0 && !strings.Contains(r.Issues[tc.problem][0].Message, tc.message) {
				t.Errorf("first message %q lacks %q", r.Issues[tc.problem][0].Message, tc.message)
			}
		})
	}
	for p, is := range r.Issues {
		for _, i := range is {
			if i.Entity == "component:default/good" || i.Entity == "component:default/other" {
				t.Errorf("%s listed under %s: %s", i.Entity, p, i.Message)
			}
		}
	}
	// A caller who may not read the payments namespace sees neither its
	// entities nor their issues.
	v := r.Visible(func(e *callboard.Entity) bool { return e.Metadata.Namespace != "payments" })
	if v.Counts[Duplicate] != 1 || v.Issues[Duplicate][0].Entity != "component:default/twin" || v.Entities != len(catalog)-1 || v.Counts[Stale] != 1 {
		t.Errorf("visible report = %+v", v)
	}
	// Stale needs a refresh time: none known is not stale.
	if r := Analyze([]Stored{{Entity: ent("Component", "default", "x", nil)}}, now, day); r.Counts[Stale] != 0 {
		t.Errorf("no refresh time counted stale")
	}
}
