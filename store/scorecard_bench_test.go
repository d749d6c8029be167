package store_test

import (
	"fmt"
	"testing"
	"time"

	"callboard"
	"callboard/store/storetest"
)

// BenchmarkScorecardSummaries reads one scorecard's summaries for 10,000
// entities of ten checks each: what a roll-up and the catalog filters read.
func BenchmarkScorecardSummaries(b *testing.B) {
	db := storetest.Open(b)
	checks := make([]callboard.CheckResult, 10)
	for i := range checks {
		checks[i] = callboard.CheckResult{ID: fmt.Sprintf("check-%d", i), Title: "A check", Level: "bronze", Passed: i%2 == 0, Fix: "Do the thing."}
	}
	var rs []callboard.ScorecardResult
	for i := range 10_000 {
		rs = append(rs, callboard.ScorecardResult{Scorecard: "sc", Entity: fmt.Sprintf("component:default/svc-%05d", i), Level: "bronze",
			Passed: 5, Total: 10, Checks: checks, At: time.Now()})
	}
	if err := db.PutScorecardResults(b.Context(), rs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := db.ScorecardSummaries(b.Context(), "sc")
		if err != nil || len(got) != len(rs) {
			b.Fatal(err, len(got))
		}
	}
}
