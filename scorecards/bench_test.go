package scorecards_test

import (
	"fmt"
	"strings"
	"testing"

	"callboard/plugin/plugintest"
	"callboard/scorecards"
)

// BenchmarkEvaluateAll is the change job's first run over 1,000
// components of 50 teams (every entity new: catalog facts, stored facts,
// the built-in scorecard, results stored), then one roll-up: the work per
// entity of a full evaluation, in SQLite.
func BenchmarkEvaluateAll(b *testing.B) {
	var cat strings.Builder
	for i := range 50 {
		fmt.Fprintf(&cat, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-%d}\nspec: {type: team, children: []}\n---\n", i)
		fmt.Fprintf(&cat, "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: user-%d}\nspec: {memberOf: [team-%d]}\n---\n", i, i)
	}
	for i := range 1000 {
		fmt.Fprintf(&cat, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%d, description: Service %d}\nspec: {type: service, lifecycle: production, owner: team-%d}\n---\n", i, i, i%50)
	}
	for b.Loop() {
		b.StopTimer()
		p := plugintest.New(b, scorecards.Plugin(nil), plugintest.Options{Catalog: cat.String()})
		b.StartTimer()
		if err := p.RunJob(b, "changes"); err != nil {
			b.Fatal(err)
		}
		if status, body := p.Get(b, "/api/scorecards/service-completeness", plugintest.User("user:default/user-1")); status != 200 || !strings.Contains(body, `"entities":1000`) {
			b.Fatalf("roll-up = %d %.300s", status, body)
		}
	}
}
