package index_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/index"
)

func TestParseFilters(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   index.Filter
	}{
		{name: "none", params: nil, want: nil},
		{name: "empty param dropped", params: []string{"", " , ,"}, want: nil},
		{
			name:   "one condition",
			params: []string{"kind=component"},
			want:   index.Filter{{{Key: "kind", Values: []string{"component"}}}},
		},
		{
			name:   "and within a param",
			params: []string{"kind=component,spec.type=service"},
			want: index.Filter{{
				{Key: "kind", Values: []string{"component"}},
				{Key: "spec.type", Values: []string{"service"}},
			}},
		},
		{
			name:   "or across params",
			params: []string{"kind=user", "kind=group"},
			want: index.Filter{
				{{Key: "kind", Values: []string{"user"}}},
				{{Key: "kind", Values: []string{"group"}}},
			},
		},
		{
			name:   "repeated key is in",
			params: []string{"kind=api,spec.type=openapi,kind=component"},
			want: index.Filter{{
				{Key: "kind", Values: []string{"api", "component"}},
				{Key: "spec.type", Values: []string{"openapi"}},
			}},
		},
		{
			name:   "existence and empty value",
			params: []string{"metadata.tags.java,spec.owner="},
			want: index.Filter{{
				{Key: "metadata.tags.java"},
				{Key: "spec.owner", Values: []string{""}},
			}},
		},
		{
			name:   "split on first equals, keys with slashes",
			params: []string{"metadata.annotations.backstage.io/orphan=true", "metadata.annotations.a=b=c"},
			want: index.Filter{
				{{Key: "metadata.annotations.backstage.io/orphan", Values: []string{"true"}}},
				{{Key: "metadata.annotations.a", Values: []string{"b=c"}}},
			},
		},
		{
			name:   "whitespace trimmed, case kept",
			params: []string{"  Kind = Component , relations.ownedBy = group:default/Team-X "},
			want: index.Filter{{
				{Key: "Kind", Values: []string{"Component"}},
				{Key: "relations.ownedBy", Values: []string{"group:default/Team-X"}},
			}},
		},
		{
			name:   "existence then value keeps the value",
			params: []string{"spec.type,spec.type=service"},
			want:   index.Filter{{{Key: "spec.type", Values: []string{"service"}}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := index.ParseFilters(tc.params)
			if err != nil {
				t.Fatalf("ParseFilters(%q) error: %v", tc.params, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseFilters(%q) mismatch (-want +got):\n%s", tc.params, diff)
			}
		})
	}
}

func TestParseFiltersInvalid(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   string
	}{
		{
			name:   "empty key",
			params: []string{"kind=component,=a"},
			want:   "Invalid filter, '=a' is not a valid statement (expected a string on the form a=b or a= or a)",
		},
		{
			name:   "only equals",
			params: []string{"kind=user", "="},
			want:   "Invalid filter, '=' is not a valid statement (expected a string on the form a=b or a= or a)",
		},
		{
			name:   "blank key",
			params: []string{"  = x"},
			want:   "Invalid filter, '= x' is not a valid statement (expected a string on the form a=b or a= or a)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := index.ParseFilters(tc.params)
			if err == nil {
				t.Fatalf("ParseFilters(%q) = nil error, want %q", tc.params, tc.want)
			}
			if got := callboard.ErrorKind(err); got != callboard.Invalid {
				t.Errorf("ErrorKind = %v, want %v", got, callboard.Invalid)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestParseFiltersBound: past MaxFilterStatements, ParseFilters
// stops with an Invalid error instead of building the filter.
func TestParseFiltersBound(t *testing.T) {
	stmts := func(n int) []string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("k%d=v", i%7)
		}
		return []string{strings.Join(parts[:n/2], ","), strings.Join(parts[n/2:], ",")}
	}
	if _, err := index.ParseFilters(stmts(index.MaxFilterStatements)); err != nil {
		t.Errorf("%d statements: %v", index.MaxFilterStatements, err)
	}
	if _, err := index.ParseFilters(stmts(index.MaxFilterStatements + 1)); err == nil {
		t.Errorf("%d statements parsed without error", index.MaxFilterStatements+1)
	}
	// Empty statements do not count.
	if _, err := index.ParseFilters([]string{strings.Repeat(",", 5000) + "kind=component"}); err != nil {
		t.Errorf("empty statements: %v", err)
	}
}
