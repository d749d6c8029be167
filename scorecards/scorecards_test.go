package scorecards_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/integration/argocd"
	"callboard/internal/argocdfake"
	"callboard/plugin"
	"callboard/plugin/plugintest"
	"callboard/scorecards"
)

const catalog = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: ghosts}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane}
spec: {memberOf: [payments]}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shop}
spec: {owner: payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  description: Takes the money.
  annotations:
    backstage.io/techdocs-ref: dir:.
    pagerduty.com/service-id: P123
  links:
    - {url: https://grafana.example.com/d/1, title: Checkout dashboard, type: dashboard}
    - {url: https://wiki.example.com/runbook, title: Runbook, type: runbook}
spec:
  type: service
  lifecycle: production
  owner: payments
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: legacy
spec:
  type: service
  lifecycle: experimental
  owner: ghosts
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orphan
  description: Nobody's.
spec:
  type: service
  lifecycle: experimental
  owner: nobody
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: pay-api}
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition: "openapi: 3.0.0\ninfo: {title: Pay, version: '1'}\npaths: {}\n"
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: bad-api}
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition: "info: {title: Bad}\n"
`

// deploys is a second scorecard file: deployments, from facts only.
const deploys = `id: deploys
title: Deployments
filter: {kind: Component, spec.lifecycle: production}
levels:
  - name: bronze
    checks:
      - id: lifecycle
        title: In production
        expression: entity.spec.lifecycle == 'production'
      - id: broken
        title: Broken on purpose
        expression: has(entity.spec.owner
---
id: apis
title: API definitions
filter: {kind: API}
levels:
  - name: bronze
    checks:
      - id: valid
        title: Definition reads
        fix: Fix the definition.
        expression: facts.api.definitionValid
`

func newPortal(t *testing.T) (*plugintest.Portal, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "deploys.yaml")
	if err := os.WriteFile(file, []byte(deploys), 0o644); err != nil {
		t.Fatal(err)
	}
	p := plugintest.New(t, scorecards.Plugin(nil), plugintest.Options{
		Config:  "scorecards:\n  files: [" + file + "]\n  reloadInterval: 0s\n",
		Catalog: catalog,
	})
	return p, file
}

func TestEntityAPI(t *testing.T) {
	p, _ := newPortal(t)
	status, body := p.Get(t, "/api/scorecards/entity/default/component/legacy", callboard.Principal{})
	if status != 200 {
		t.Fatalf("GET = %d %s", status, body)
	}
	var got struct {
		EntityRef  string `json:"entityRef"`
		Scorecards []struct {
			ID, Title, Level string
			Checks           []struct {
				ID, Title, Message, Fix string
				Passed                  bool
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.EntityRef != "component:default/legacy" || len(got.Scorecards) != 1 || got.Scorecards[0].ID != "service-completeness" {
		t.Fatalf("answer = %s", body)
	}
	passed := map[string]bool{}
	for _, c := range got.Scorecards[0].Checks {
		passed[c.ID] = c.Passed
		if !c.Passed && c.Fix == "" {
			t.Errorf("check %s failed with no fix", c.ID)
		}
	}
	// ghosts exists but has no members; legacy has no description.
	if !passed["owner"] || passed["owner-members"] || passed["description"] || got.Scorecards[0].Level != "" {
		t.Errorf("legacy: %s", body)
	}
	status, body = p.Get(t, "/api/scorecards/entity/default/component/checkout", callboard.Principal{})
	if status != 200 || !strings.Contains(body, `"id":"deploys"`) || !strings.Contains(body, "does not compile") {
		t.Errorf("checkout = %d %s", status, body)
	}
	if status, _ := p.Get(t, "/api/scorecards/entity/default/component/nope", callboard.Principal{}); status != 404 {
		t.Errorf("unknown entity = %d, want 404", status)
	}
}

// TestJobsRollupsFilters runs the change job and checks what it stored:
// the roll-ups by team and system, the trend, the catalog filters.
func TestJobsRollupsFilters(t *testing.T) {
	p, _ := newPortal(t)
	if err := p.RunJob(t, "changes"); err != nil {
		t.Fatal(err)
	}
	rs, err := p.DB.ScorecardResults(t.Context(), "service-completeness")
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for _, r := range rs {
		levels[r.Entity] = r.Level
	}
	// checkout has docs but no docs facts (no Docs plugin here): bronze.
	want := map[string]string{"component:default/checkout": "bronze", "component:default/legacy": "", "component:default/orphan": ""}
	if len(levels) != len(want) {
		t.Fatalf("levels = %v", levels)
	}
	for ref, l := range want {
		if levels[ref] != l {
			t.Errorf("%s at %q, want %q", ref, levels[ref], l)
		}
	}
	facts, err := p.DB.FactsOf(t.Context(), "component:default/checkout")
	if err != nil {
		t.Fatal(err)
	}
	if len(facts) == 0 || facts[0].Source != "catalog" || facts[0].At.IsZero() {
		t.Errorf("stored facts = %v", facts)
	}

	status, body := p.Get(t, "/api/scorecards/service-completeness", callboard.Principal{})
	if status != 200 {
		t.Fatalf("rollup = %d %s", status, body)
	}
	var ru scorecards.Rollup
	if err := json.Unmarshal([]byte(body), &ru); err != nil {
		t.Fatal(err)
	}
	if ru.Entities != 3 || ru.ByLevel["bronze"] != 1 || ru.ByLevel["none"] != 2 || len(ru.Trend) != 1 || ru.Trend[0].Entities != 3 {
		t.Errorf("rollup = %s", body)
	}
	teams := map[string]int{}
	for _, g := range ru.Teams {
		teams[g.Ref] = g.Entities
	}
	if teams["group:default/payments"] != 1 || teams["group:default/ghosts"] != 1 || teams["group:default/nobody"] != 1 {
		t.Errorf("teams = %+v", ru.Teams)
	}
	if len(ru.Systems) != 2 || ru.Systems[0].Ref != "" || ru.Systems[1].Ref != "system:default/shop" {
		t.Errorf("systems = %+v", ru.Systems)
	}
	if status, _ := p.Get(t, "/api/scorecards/nope", callboard.Principal{}); status != 404 {
		t.Errorf("unknown scorecard = %d", status)
	}

	// The catalog filters read the stored results.
	tests := []struct{ query, in, out string }{
		{"level=service-completeness:bronze", "/catalog/default/component/checkout", "/catalog/default/component/legacy"},
		{"level=service-completeness:none", "/catalog/default/component/legacy", "/catalog/default/component/checkout"},
		{"failing=service-completeness:owner-members", "/catalog/default/component/legacy", "/catalog/default/component/checkout"},
	}
	for _, tc := range tests {
		status, body := p.Get(t, "/catalog?"+tc.query, callboard.Principal{})
		if status != 200 || !strings.Contains(body, `href="`+tc.in+`"`) || strings.Contains(body, `href="`+tc.out+`"`) {
			t.Errorf("/catalog?%s = %d, want %s and not %s", tc.query, status, tc.in, tc.out)
		}
	}
}

// TestAPIDefinitionFact: the catalog's api.definitionValid fact, read by
// a scorecard.
func TestAPIDefinitionFact(t *testing.T) {
	p, _ := newPortal(t)
	for name, want := range map[string]string{"pay-api": `"level":"bronze"`, "bad-api": `"level":""`} {
		status, body := p.Get(t, "/api/scorecards/entity/default/api/"+name, callboard.Principal{})
		if status != 200 || !strings.Contains(body, `"id":"apis"`) || !strings.Contains(body, want) {
			t.Errorf("%s = %d %s, want %s", name, status, body, want)
		}
	}
}

func TestTabAndPages(t *testing.T) {
	p, _ := newPortal(t)
	if err := p.RunJob(t, "changes"); err != nil {
		t.Fatal(err)
	}
	status, body := p.Get(t, "/catalog/default/component/legacy/scorecard", callboard.Principal{})
	if status != 200 || !strings.Contains(body, "Has a description") || !strings.Contains(body, "Add metadata.description.") {
		t.Fatalf("tab = %d", status)
	}
	// The fix of the missing description points into catalog-info.yaml:
	// legacy's metadata: is on line 40 of the catalog above.
	if !strings.Contains(body, "catalog-info.yaml:40") {
		t.Errorf("tab has no line of catalog-info.yaml; body:\n%s", body)
	}
	status, body = p.Get(t, "/scorecards", callboard.Principal{})
	if status != 200 || !strings.Contains(body, `href="/scorecards/service-completeness"`) || !strings.Contains(body, "<svg class=\"trend\"") ||
		!strings.Contains(body, "deploys.yaml:12: levels[0].checks[1].expression") || !strings.Contains(body, `aria-current="page"`) {
		t.Errorf("/scorecards = %d:\n%s", status, body)
	}
	status, body = p.Get(t, "/scorecards/service-completeness?sort=entities&dir=desc", callboard.Principal{})
	if status != 200 || !strings.Contains(body, `data-rollup="teams"`) || !strings.Contains(body, `aria-sort="descending"`) ||
		!strings.Contains(body, `/catalog?failing=service-completeness:owner-members`) {
		t.Errorf("/scorecards/service-completeness = %d:\n%s", status, body)
	}
	if status, _ := p.Get(t, "/scorecards/nope", callboard.Principal{}); status != 404 {
		t.Errorf("unknown scorecard page = %d", status)
	}
}

// TestHotReload: a broken file keeps the previous scorecards; a fixed one
// takes effect.
func TestHotReload(t *testing.T) {
	p, file := newPortal(t)
	write := func(text string, at time.Time) {
		t.Helper()
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, at, at); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Now().Add(time.Hour)
	write("id: deploys\ntitle: Deployments\nlevel: []\n", at)
	if _, body := p.Get(t, "/api/scorecards/deploys", callboard.Principal{}); !strings.Contains(body, `"title":"Deployments"`) {
		t.Errorf("broken file dropped the scorecard: %s", body)
	}
	write(strings.Replace(deploys, "title: Deployments", "title: Releases", 1), at.Add(time.Second))
	if _, body := p.Get(t, "/api/scorecards/deploys", callboard.Principal{}); !strings.Contains(body, `"title":"Releases"`) {
		t.Errorf("fixed file not loaded: %s", body)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("id: x\ntitle: X\nlevels:\n  - name: bronze\n    chekcs: []\n"), 0o644)
	tests := []struct{ name, config, want string }{
		{"unknown key", "scorecards:\n  file: [x]\n", "app-config.yaml:2: scorecards.file"},
		{"bad interval", "scorecards:\n  interval: soon\n", "scorecards.interval"},
		{"bad file", "scorecards:\n  files: [" + bad + "]\n", "bad.yaml:5: levels[0].chekcs: unknown key"},
		{"missing file", "scorecards:\n  files: [" + filepath.Join(dir, "none.yaml") + "]\n", "none.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl := scorecards.Plugin(nil)
			_, err := enable(t, pl, tc.config)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestGatherStoresPluginFacts: the jobs ask the other plugins (Argo CD
// against its fake here) for facts, store them with their time, and a
// scorecard reads them; when Argo CD fails, the stored facts stay.
func TestGatherStoresPluginFacts(t *testing.T) {
	api := argocdfake.NewServer(t)
	now := time.Now()
	api.Add(argocdfake.Sample("checkout-prod", "https://github.com/acme/checkout.git", nil, now),
		argocdfake.Broken("legacy-prod", "https://github.com/acme/legacy.git", now))
	argo := argocd.Plugin()
	argoEnv := plugintest.Env(t, argo, "argocd:\n  baseUrl: "+api.URL+"\n  token: "+argocdfake.Token+"\n")
	argoOn, err := plugin.Enable(t.Context(), argo, argoEnv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "deploys.yaml")
	os.WriteFile(file, []byte(`id: deploys
title: Deployments
filter: {metadata.annotations.argocd/app-name: ~}
levels:
  - name: bronze
    checks:
      - {id: synced, title: Synced, expression: facts.argocd.synced}
      - {id: healthy, title: Healthy, expression: "facts.argocd.health.status == 'Healthy'"}
`), 0o644)
	cat := strings.Replace(catalog, "    pagerduty.com/service-id: P123\n", "    pagerduty.com/service-id: P123\n    argocd/app-name: checkout-prod\n", 1)
	cat = strings.Replace(cat, "  name: legacy\n", "  name: legacy\n  annotations: {argocd/app-name: legacy-prod}\n", 1)
	p := plugintest.New(t, scorecards.Plugin(nil), plugintest.Options{
		Config: "scorecards:\n  files: [" + file + "]\n  builtin: false\n", Catalog: cat, Plugins: []plugin.Enabled{argoOn},
	})
	before := time.Now().Add(-time.Second)
	// The change job's first run sees every entity as new: it gathers
	// their plugins' facts too, not only the catalog's.
	if err := p.RunJob(t, "changes"); err != nil {
		t.Fatal(err)
	}
	facts, err := p.DB.FactsOf(t.Context(), "component:default/checkout")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range facts {
		if f.Source == "argocd" && f.Key == "synced" {
			found = f.Value == true && f.At.After(before)
		}
	}
	if !found {
		t.Errorf("stored facts of checkout = %v, want argocd synced true stamped now", facts)
	}
	rs, err := p.DB.ScorecardResults(t.Context(), "deploys")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rs {
		got[r.Entity] = fmt.Sprintf("%s %d/%d", r.Level, r.Passed, r.Total)
	}
	want := map[string]string{"component:default/checkout": "bronze 2/2", "component:default/legacy": " 0/2"}
	if len(got) != 2 || got["component:default/checkout"] != want["component:default/checkout"] || got["component:default/legacy"] != want["component:default/legacy"] {
		t.Errorf("results = %v, want %v", got, want)
	}
	// Argo CD down: the gather keeps the stored facts and results.
	api.FailWith(500)
	if err := p.RunJob(t, "gather"); err != nil {
		t.Fatal(err)
	}
	if rs, _ := p.DB.ScorecardResults(t.Context(), "deploys"); len(rs) != 2 || rs[0].Level != "bronze" {
		t.Errorf("after a failed gather: %+v", rs)
	}
}

// TestReadsArePermissionChecked: a user who may read only their team's
// entities sees only those in the API, the roll-ups and the filters.
func TestReadsArePermissionChecked(t *testing.T) {
	p := plugintest.New(t, scorecards.Plugin(nil), plugintest.Options{
		Config:  "scorecards:\n  reloadInterval: 0s\n",
		Catalog: catalog,
		Policy: `rules:
  - permission: catalog.entity.read
    entity: {isEntityOwner: true}
    decision: allow
`,
	})
	if err := p.RunJob(t, "changes"); err != nil {
		t.Fatal(err)
	}
	jane := plugintest.User("user:default/jane", "group:default/payments")
	if status, _ := p.Get(t, "/api/scorecards/entity/default/component/checkout", jane); status != 200 {
		t.Errorf("own entity = %d", status)
	}
	if status, _ := p.Get(t, "/api/scorecards/entity/default/component/legacy", jane); status != 404 {
		t.Errorf("another team's entity = %d, want 404", status)
	}
	_, body := p.Get(t, "/api/scorecards/service-completeness", jane)
	var ru scorecards.Rollup
	if err := json.Unmarshal([]byte(body), &ru); err != nil {
		t.Fatal(err)
	}
	if ru.Entities != 1 || len(ru.Teams) != 1 || ru.Teams[0].Ref != "group:default/payments" || len(ru.Trend) != 1 || ru.Trend[0].Entities != 1 {
		t.Errorf("jane's roll-up = %s", body)
	}
	if _, body := p.Get(t, "/catalog?level=service-completeness:none", jane); strings.Contains(body, "/catalog/default/component/legacy") {
		t.Error("the level filter shows another team's entity")
	}
}
