package scorecard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	yamlv3 "gopkg.in/yaml.v3"

	"callboard"
)

var now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func entity(t testing.TB, yaml string) *callboard.Entity {
	t.Helper()
	var m map[string]any
	if err := yamlv3.Unmarshal([]byte(yaml), &m); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var e callboard.Entity
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if e.Metadata.Namespace == "" {
		e.Metadata.Namespace = "default"
	}
	return &e
}

const checkout = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  description: Takes the money.
  annotations:
    pagerduty.com/service-id: P123
    backstage.io/techdocs-ref: dir:.
  links:
    - {url: https://grafana.example.com/d/1, title: Checkout Dashboard}
spec: {type: service, lifecycle: production, owner: group:default/payments}
`

// TestChecks runs single expressions over an entity and facts, the
// malformed and the failing ones included: each fails alone with its
// reason.
func TestChecks(t *testing.T) {
	e := entity(t, checkout)
	facts := []callboard.Fact{
		{Source: CatalogSource, Key: "owner.exists", Value: true},
		{Source: CatalogSource, Key: "owner.members", Value: int64(3)},
		{Source: CatalogSource, Key: "api.definitionValid", Value: false},
		{Source: "docs", Key: "ageDays", Value: int64(12)},
		{Source: "docs", Key: "builds", Value: true},
		{Source: "kubernetes", Key: "drifted", Value: false},
		{Source: "argocd", Key: "sync.status", Value: "Synced"},
		{Source: "github", Key: "ci.lastRunAt", Value: now.Add(-48 * time.Hour)},
	}
	tests := []struct {
		expr   string
		passed bool
		msg    string // in the message when it fails
	}{
		{"has(entity.spec.owner)", true, ""},
		{"has(entity.spec.system)", false, ""},
		{"facts.docs.ageDays < 90", true, ""},
		{"facts.docs.ageDays < 10", false, ""},
		{"facts.owner.members > 0", true, ""},
		{"entity.metadata.annotations['pagerduty.com/service-id'] != ''", true, ""},
		{"entity.metadata.annotations['opsgenie.com/team'] != ''", false, "missing: opsgenie.com/team"},
		{"facts.kubernetes.drifted == false", true, ""},
		{"facts.api.definitionValid", false, ""},
		{"facts.argocd.sync.status == 'Synced'", true, ""},
		{"now - facts.github.ci.lastRunAt < duration('72h')", true, ""},
		{"facts.grafana.dashboards > 0", false, "missing: grafana"},
		{"entity.metadata.links.exists(l, l.title.lowerAscii().contains('dashboard'))", true, ""},
		// Malformed: each fails with the compiler's reason.
		{"has(entity.spec.owner", false, "does not compile"},
		{"entity.spec.owner +", false, "does not compile"},
		{"'a string'", false, "must give a bool"},
		{"undefinedVar == 1", false, "does not compile: ERROR"},
		{"facts.docs.ageDays", false, "not a bool"},
		// Too expensive: the cost limit stops it.
		{"[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(f, a+b+c+d+f > 0)))))", false, "cost"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			s := &Scorecard{ID: "t", Levels: []Level{{Name: "bronze", Checks: []*Check{{ID: "c", Expression: tc.expr, expr: compile(tc.expr)}}}}}
			r := s.Evaluate(e, facts, now)
			c := r.Checks[0]
			if c.Passed != tc.passed || (!c.Passed && tc.msg != "" && !strings.Contains(c.Message, tc.msg)) {
				t.Errorf("%s = passed %v (%q), want %v with %q", tc.expr, c.Passed, c.Message, tc.passed, tc.msg)
			}
			if c.Passed && c.Message != "" {
				t.Errorf("passed with message %q", c.Message)
			}
		})
	}
}

// TestDefault evaluates the built-in scorecard on entities with known
// levels.
func TestDefault(t *testing.T) {
	s := Default()
	if s.ID != DefaultID || len(s.Levels) != 3 {
		t.Fatalf("Default = %s with %d levels", s.ID, len(s.Levels))
	}
	good := []callboard.Fact{
		{Source: CatalogSource, Key: "owner.exists", Value: true},
		{Source: CatalogSource, Key: "owner.members", Value: int64(2)},
		{Source: "docs", Key: "builds", Value: true},
	}
	tests := []struct {
		name, yaml string
		facts      []callboard.Fact
		level      string
		failing    []string
	}{
		{"bare", "kind: Component\nmetadata: {name: x}\nspec: {type: service}\n", nil, "",
			[]string{"owner", "owner-members", "description", "lifecycle", "system", "techdocs", "docs-build", "dashboard", "runbook", "on-call"}},
		{"checkout, no system", checkout, good, "bronze", []string{"system", "runbook"}},
		{"owner unknown", checkout, good[2:], "", []string{"owner", "owner-members", "system", "runbook"}},
		{"complete", strings.Replace(checkout, "owner: group:default/payments}", "owner: group:default/payments, system: shop}", 1) +
			"", good, "silver", []string{"runbook"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Evaluate(entity(t, tc.yaml), tc.facts, now)
			var failing []string
			for _, c := range r.Checks {
				if !c.Passed {
					failing = append(failing, c.ID)
				}
			}
			if r.Level != tc.level || strings.Join(failing, " ") != strings.Join(tc.failing, " ") {
				t.Errorf("level %q failing %v, want %q failing %v", r.Level, failing, tc.level, tc.failing)
			}
			if r.Total != 10 || r.Passed != 10-len(failing) {
				t.Errorf("passed %d of %d", r.Passed, r.Total)
			}
		})
	}
	// An API is not a Component: the default does not apply.
	set := &Set{Scorecards: []*Scorecard{s}}
	if rs := set.Evaluate(entity(t, "kind: API\nmetadata: {name: a}\nspec: {type: openapi}\n"), nil, now); len(rs) != 0 {
		t.Errorf("default applied to an API: %v", rs)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unknown key", "id: a\ntitle: A\nlevels:\n  - name: bronze\n    checks:\n      - {id: c, title: C, expresion: 'true'}\n",
			"f.yaml:6: levels[0].checks[0].expresion: unknown key"},
		{"missing title", "id: a\nlevels: [{name: bronze, checks: [{id: c, title: C, expression: 'true'}]}]\n", "f.yaml:1: title: missing"},
		{"bad id", "id: A B\ntitle: A\nlevels: [{name: bronze, checks: [{id: c, title: C, expression: 'true'}]}]\n", `f.yaml:1: id: "A B" is not an ID`},
		{"duplicate check", "id: a\ntitle: A\nlevels:\n  - {name: bronze, checks: [{id: c, title: C, expression: 'true'}]}\n  - {name: silver, checks: [{id: c, title: D, expression: 'true'}]}\n",
			`f.yaml:5: levels[1].checks[0].id: check "c" is defined twice`},
		{"duplicate level", "id: a\ntitle: A\nlevels:\n  - {name: bronze, checks: [{id: c, title: C, expression: 'true'}]}\n  - {name: bronze, checks: [{id: d, title: D, expression: 'true'}]}\n",
			`f.yaml:5: levels[1].name: level "bronze" is defined twice`},
		{"bad filter", "id: a\ntitle: A\nfilter: [kind]\nlevels: [{name: bronze, checks: [{id: c, title: C, expression: 'true'}]}]\n", "f.yaml:3: filter[0]: expected a mapping"},
		{"no levels", "id: a\ntitle: A\nlevels: []\n", "f.yaml:3: levels: expected a non-empty list"},
		{"YAML", "id: a\n title: b\n", "f.yaml:2:"},
		{"empty", "", "holds no scorecard"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("f.yaml", []byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) || callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("Parse = %v, want Invalid with %q", err, tc.want)
			}
		})
	}
}

// TestMalformedExpressionWarns: the file loads, the loader names the line
// of the bad expression, and only that check fails.
func TestMalformedExpressionWarns(t *testing.T) {
	text := `id: a
title: A
filter: {kind: Component, spec.type: [service, website]}
levels:
  - name: bronze
    checks:
      - id: good
        title: Good
        expression: has(entity.spec.owner)
      - id: bad
        title: Bad
        expression: has(entity.spec.owner
`
	cards, warnings, err := Parse("f.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "f.yaml:12: levels[0].checks[1].expression: ") {
		t.Fatalf("warnings = %q", warnings)
	}
	r := cards[0].Evaluate(entity(t, checkout), nil, now)
	if !r.Checks[0].Passed || r.Checks[1].Passed || !strings.Contains(r.Checks[1].Message, "does not compile") || r.Level != "" {
		t.Errorf("result = %+v", r)
	}
	if !cards[0].Applies(entity(t, checkout)) || cards[0].Applies(entity(t, "kind: Component\nmetadata: {name: l}\nspec: {type: library}\n")) {
		t.Error("filter spec.type [service, website] chose wrongly")
	}
}

func TestFilter(t *testing.T) {
	e := entityMap(entity(t, checkout))
	tests := []struct {
		f    Filter
		want bool
	}{
		{nil, true},
		{Filter{{"kind": {"component"}}}, true},
		{Filter{{"kind": {"API"}}}, false},
		{Filter{{"kind": {"API"}}, {"spec.lifecycle": {"production"}}}, true},
		{Filter{{"metadata.annotations.pagerduty.com/service-id": nil}}, true},
		{Filter{{"metadata.annotations.backstage.io/techdocs-ref": {"dir:."}}}, true},
		{Filter{{"metadata.annotations.opsgenie.com/team": nil}}, false},
		{Filter{{"kind": {"Component"}, "spec.type": {"website"}}}, false},
	}
	for i, tc := range tests {
		if got := tc.f.Match(e); got != tc.want {
			t.Errorf("%d: %v.Match = %v, want %v", i, tc.f, got, tc.want)
		}
	}
}

// TestWatcher: a change reloads; a broken file keeps the previous set and
// reports file:line; a fix loads again.
func TestWatcher(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sc.yaml")
	write := func(text string, at time.Time) {
		t.Helper()
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, at, at); err != nil {
			t.Fatal(err)
		}
	}
	card := func(title string) string {
		return "id: a\ntitle: " + title + "\nlevels: [{name: bronze, checks: [{id: c, title: C, expression: 'true'}]}]\n"
	}
	write(card("First"), now)
	var reloads []error
	w, err := NewWatcher([]string{file}, true, func(_ *Set, err error) { reloads = append(reloads, err) })
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Set(); len(got.Scorecards) != 2 || got.Get("a").Title != "First" || got.Get(DefaultID) == nil {
		t.Fatalf("first set = %+v", got.Scorecards)
	}
	if changed, err := w.Check(); changed || err != nil {
		t.Errorf("Check without change = %v, %v", changed, err)
	}
	write("id: a\ntitle: Broken\nlevels: [{name: bronze, checks: [{id: c, title: C, expresion: 'true'}]}]\n", now.Add(time.Second))
	if changed, err := w.Check(); changed || err == nil || !strings.Contains(err.Error(), "sc.yaml:3: levels[0].checks[0].expresion: unknown key") {
		t.Errorf("Check of a broken file = %v, %v", changed, err)
	}
	if w.Set().Get("a").Title != "First" {
		t.Error("the broken file replaced the set")
	}
	write(card("Second"), now.Add(2*time.Second))
	if changed, err := w.Check(); !changed || err != nil || w.Set().Get("a").Title != "Second" {
		t.Errorf("Check of the fixed file = %v, %v, title %q", changed, err, w.Set().Get("a").Title)
	}
	if len(reloads) != 2 || reloads[0] == nil || reloads[1] != nil {
		t.Errorf("onReload got %v", reloads)
	}
	// A scorecard ID defined twice fails the load.
	if _, err := Load([]string{file, file}, false); err == nil || !strings.Contains(err.Error(), `id: scorecard "a" is defined in`) {
		t.Errorf("Load twice = %v", err)
	}
}

// TestREADMESample: the sample file in README's Scorecards section parses
// with no warning, and its checks run.
func TestREADMESample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "# scorecards/services.yaml")
	if !ok {
		t.Fatal("README has no sample scorecard file")
	}
	_, rest, _ = strings.Cut(rest, "\n") // the rest of the comment line
	sample, _, _ := strings.Cut(rest, "```")
	cards, warnings, err := Parse("README.md", []byte(sample))
	if err != nil || len(warnings) > 0 || len(cards) != 1 {
		t.Fatalf("sample: %v %v", err, warnings)
	}
	facts := []callboard.Fact{
		{Source: CatalogSource, Key: "owner.members", Value: int64(2)},
		{Source: "docs", Key: "ageDays", Value: int64(3)},
		{Source: "kubernetes", Key: "drifted", Value: false},
		{Source: "argocd", Key: "synced", Value: true},
		{Source: "argocd", Key: "healthy", Value: true},
		{Source: "github", Key: "ci.passing", Value: true},
	}
	if r := cards[0].Evaluate(entity(t, checkout), facts, now); r.Level != "gold" {
		t.Errorf("checkout on the sample = %+v", r)
	}
}
