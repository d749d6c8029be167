package descriptor_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard/descriptor"
)

func mustParseOne(t *testing.T, src string) *descriptor.Doc {
	t.Helper()
	docs, problems := descriptor.Parse("test.yaml", []byte(src))
	if len(problems) > 0 {
		t.Fatalf("Parse problems: %v", problems)
	}
	if len(docs) != 1 {
		t.Fatalf("Parse returned %d docs, want 1", len(docs))
	}
	return docs[0]
}

// Scalars must come out as Backstage's YAML 1.2 core schema makes them.
func TestParseScalars(t *testing.T) {
	d := mustParseOne(t, `
date: 2021-01-01
time: 2001-12-14t21:59:43.10-05:00
yes: yes
on: off
int: 42
neg: -7
hex: 0x1F
oct: 0o17
old_octal: 0017
float: 1.5
exp: 1e3
underscore: 1_000
binary: 0b101
bool: true
True: False
null: ~
empty:
quoted: "42"
single: '2021-01-01'
inf: .inf
nan: .NaN
str_tag: !!str 12
int_tag: !!int "12"
ts_tag: !!timestamp 2021-01-01
custom: !foo bar
version: 1.10
`)
	want := map[string]any{
		"date": "2021-01-01", "time": "2001-12-14t21:59:43.10-05:00",
		"yes": "yes", "on": "off",
		"int": 42.0, "neg": -7.0, "hex": 31.0, "oct": 15.0, "old_octal": 17.0,
		"float": 1.5, "exp": 1000.0, "underscore": "1_000", "binary": "0b101",
		"bool": true, "True": false, "null": nil, "empty": nil,
		"quoted": "42", "single": "2021-01-01", "inf": nil, "nan": nil,
		"str_tag": "12", "int_tag": 12.0, "ts_tag": "2021-01-01", "custom": "bar",
		"version": 1.1,
	}
	if diff := cmp.Diff(want, d.Raw); diff != "" {
		t.Errorf("Raw mismatch (-want +got):\n%s", diff)
	}
}

func TestParseMergeKeys(t *testing.T) {
	d := mustParseOne(t, `
base: &base
  type: service
  lifecycle: production
extra: &extra
  owner: team-a
  type: library
spec:
  <<: [*base, *extra]
  lifecycle: experimental
`)
	want := map[string]any{"type": "service", "lifecycle": "experimental", "owner": "team-a"}
	if diff := cmp.Diff(want, d.Raw["spec"]); diff != "" {
		t.Errorf("spec mismatch (-want +got):\n%s", diff)
	}
}

func TestParseDocuments(t *testing.T) {
	docs, problems := descriptor.Parse("multi.yaml", []byte("---\n---\nkind: A\n---\n~\n---\n# only a comment\n---\nkind: B\n"))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	var kinds []any
	var lines []int
	for _, d := range docs {
		kinds = append(kinds, d.Raw["kind"])
		lines = append(lines, d.Line)
	}
	if diff := cmp.Diff([]any{"A", "B"}, kinds); diff != "" {
		t.Errorf("kinds mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 8}, lines); diff != "" {
		t.Errorf("doc lines mismatch (-want +got):\n%s", diff)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		wantLine  int
		wantField string
		wantIn    string // a substring of the message
	}{
		{name: "syntax error", src: "a: b\nc: [d\n", wantIn: "invalid YAML"},
		{name: "bad indentation", src: "metadata:\n  name: x\n bad: y\n", wantLine: 2, wantIn: "invalid YAML"},
		{name: "duplicate key", src: "metadata:\n  name: a\n  name: b\n", wantLine: 3, wantField: "metadata.name", wantIn: "more than once"},
		{name: "list root", src: "- a\n- b\n", wantLine: 1, wantIn: "must be a mapping"},
		{name: "scalar root", src: "just text\n", wantLine: 1, wantIn: "not a string"},
		{name: "alias cycle", src: "a: &x\n  b: *x\n", wantField: "a.b.b", wantIn: "contains it"},
		{name: "complex key", src: "? [a, b]\n: c\n", wantLine: 1, wantIn: "plain strings"},
		{name: "merge of a scalar", src: "a: &s text\nb:\n  <<: *s\n", wantField: "b", wantIn: "merge key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, problems := descriptor.Parse("bad.yaml", []byte(tc.src))
			if len(problems) == 0 {
				t.Fatalf("no problems; docs %v", docs)
			}
			p := problems[0]
			if p.File != "bad.yaml" {
				t.Errorf("File = %q, want bad.yaml", p.File)
			}
			if tc.wantLine != 0 && p.Line != tc.wantLine {
				t.Errorf("Line = %d, want %d (%s)", p.Line, tc.wantLine, p)
			}
			if p.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (%s)", p.Field, tc.wantField, p)
			}
			if !strings.Contains(p.Message, tc.wantIn) {
				t.Errorf("Message = %q, want it to contain %q", p.Message, tc.wantIn)
			}
		})
	}
}

func TestLineOf(t *testing.T) {
	d := mustParseOne(t, `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  annotations:
    backstage.io/techdocs-ref: dir:.
    backstage.io/techdocs-ref.extra: x
  links:
    - url: https://a
    - title: b
      url: https://b
spec:
  owner: team-a
`)
	tests := []struct {
		field string
		want  int
	}{
		{"kind", 2},
		{"metadata.name", 4},
		{"metadata.annotations.backstage.io/techdocs-ref", 6},
		{"metadata.annotations.backstage.io/techdocs-ref.extra", 7},
		{"metadata.links[1].url", 11},
		{"metadata.links[1]", 10},
		{"metadata.links[7].url", 8}, // no such item: the list's key
		{"spec.owner", 13},
		{"spec.lifecycle", 12}, // missing: the nearest present ancestor
		{"nothing.here", 1},    // falls back to the document line
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			if got := d.LineOf(tc.field); got != tc.want {
				t.Errorf("LineOf(%q) = %d, want %d", tc.field, got, tc.want)
			}
		})
	}
}

// Hostile inputs must give a problem quickly, not hang, crash or eat memory.
func TestParseLimits(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 'b'; i <= 'j'; i++ {
		prev := string(i - 1)
		bomb.WriteString(string(i) + ": &" + string(i) + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
			", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n")
	}
	tests := []struct {
		name   string
		src    string
		wantIn string
	}{
		{name: "alias bomb", src: bomb.String(), wantIn: "alias bomb"},
		{name: "huge file", src: "a: " + strings.Repeat("x", descriptor.DefaultMaxFileBytes) + "\n", wantIn: "catalog.limits.maxFileBytes (4 MiB)"},
		{name: "deep flow nesting", src: strings.Repeat("[", 20000) + strings.Repeat("]", 20000), wantIn: "depth"},
		{name: "deep nesting under limit of yaml.v3", src: "a: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000), wantIn: "levels deep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := descriptor.Parse("hostile.yaml", []byte(tc.src))
			if len(problems) == 0 {
				t.Fatal("no problems")
			}
			if !strings.Contains(problems[0].Message, tc.wantIn) {
				t.Errorf("Message = %q, want it to contain %q", problems[0].Message, tc.wantIn)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    descriptor.Problem
		want string
	}{
		{descriptor.Problem{File: "a.yaml", Line: 3, Field: "spec.owner", Message: "is required"}, "a.yaml:3: spec.owner: is required"},
		{descriptor.Problem{File: "a.yaml", Message: "too big"}, "a.yaml: too big"},
		{descriptor.Problem{Field: "spec.owner", Message: "bad"}, "spec.owner: bad"},
		{descriptor.Problem{Line: 2, Message: "bad"}, "line 2: bad"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.p.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}
