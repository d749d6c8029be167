package scorecard

import (
	"testing"

	"callboard"
)

// BenchmarkEvaluateDefault is one entity's evaluation of the built-in
// scorecard (ten checks): the cost per entity of the scorecards jobs.
func BenchmarkEvaluateDefault(b *testing.B) {
	s := Default()
	set := &Set{Scorecards: []*Scorecard{s}}
	e := entity(b, checkout)
	facts := []callboard.Fact{
		{Source: CatalogSource, Key: "owner.exists", Value: true},
		{Source: CatalogSource, Key: "owner.members", Value: int64(3)},
		{Source: "docs", Key: "builds", Value: true},
	}
	b.ReportAllocs()
	for b.Loop() {
		if rs := set.Evaluate(e, facts, now); len(rs) != 1 {
			b.Fatal(rs)
		}
	}
}
