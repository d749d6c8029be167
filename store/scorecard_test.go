package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"callboard"
	"callboard/store/storetest"
)

func TestScorecardResults(t *testing.T) {
	day1 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			put := func(rs ...callboard.ScorecardResult) {
				t.Helper()
				if err := db.PutScorecardResults(ctx, rs); err != nil {
					t.Fatal(err)
				}
			}
			checks := []callboard.CheckResult{
				{ID: "owner", Title: "Has an owner", Level: "bronze", Passed: true, Fix: "Set spec.owner", Field: "spec.owner"},
				{ID: "docs", Title: "Has docs", Level: "silver", Message: "no techdocs-ref", Fix: "Add the annotation"},
			}
			put(callboard.ScorecardResult{Scorecard: "sc", Entity: "component:default/a", Level: "", Passed: 0, Total: 2, At: day1},
				callboard.ScorecardResult{Scorecard: "sc", Entity: "component:default/b", Level: "bronze", Passed: 1, Total: 2, Checks: checks, At: day1},
				callboard.ScorecardResult{Scorecard: "other", Entity: "component:default/a", Level: "gold", Passed: 1, Total: 1, At: day1})
			// The same day again: the day's row keeps the last result.
			put(callboard.ScorecardResult{Scorecard: "sc", Entity: "component:default/a", Level: "bronze", Passed: 1, Total: 2, At: day1.Add(time.Hour)})
			put(callboard.ScorecardResult{Scorecard: "sc", Entity: "component:default/a", Level: "silver", Passed: 2, Total: 2, At: day2})

			got, err := db.ScorecardResults(ctx, "sc")
			if err != nil {
				t.Fatal(err)
			}
			want := []callboard.ScorecardResult{
				{Scorecard: "sc", Entity: "component:default/a", Level: "silver", Passed: 2, Total: 2, Checks: []callboard.CheckResult{}, At: day2},
				{Scorecard: "sc", Entity: "component:default/b", Level: "bronze", Passed: 1, Total: 2, Checks: checks, At: day1},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ScorecardResults (-want +got):\n%s", d)
			}
			sums, err := db.ScorecardSummaries(ctx, "sc")
			if err != nil {
				t.Fatal(err)
			}
			wantSums := []callboard.ScorecardSummary{
				{Entity: "component:default/a", Level: "silver", Passed: 2, Total: 2, Failing: nil},
				{Entity: "component:default/b", Level: "bronze", Passed: 1, Total: 2, Failing: []string{"docs"}},
			}
			if d := cmp.Diff(wantSums, sums, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("ScorecardSummaries (-want +got):\n%s", d)
			}
			of, err := db.ScorecardResultsOf(ctx, "component:default/a")
			if err != nil {
				t.Fatal(err)
			}
			if len(of) != 2 || of[0].Scorecard != "other" || of[1].Scorecard != "sc" {
				t.Errorf("ScorecardResultsOf(a) = %+v, want other then sc", of)
			}
			hist, err := db.ScorecardHistory(ctx, "sc", day1)
			if err != nil {
				t.Fatal(err)
			}
			wantHist := []callboard.ScorecardDay{
				{Day: "2026-12-06", Scorecard: "sc", Entity: "component:default/a", Level: "bronze", Passed: 1, Total: 2},
				{Day: "2026-12-06", Scorecard: "sc", Entity: "component:default/b", Level: "bronze", Passed: 1, Total: 2},
				{Day: "2026-12-07", Scorecard: "sc", Entity: "component:default/a", Level: "silver", Passed: 2, Total: 2},
			}
			if d := cmp.Diff(wantHist, hist); d != "" {
				t.Errorf("ScorecardHistory (-want +got):\n%s", d)
			}
			trend, err := db.ScorecardTrend(ctx, "sc", day1)
			if err != nil {
				t.Fatal(err)
			}
			wantTrend := []callboard.ScorecardLevelCount{{Day: "2026-12-06", Level: "bronze", Entities: 2}, {Day: "2026-12-07", Level: "silver", Entities: 1}}
			if d := cmp.Diff(wantTrend, trend); d != "" {
				t.Errorf("ScorecardTrend (-want +got):\n%s", d)
			}
			if hist, _ := db.ScorecardHistory(ctx, "sc", day2); len(hist) != 1 {
				t.Errorf("ScorecardHistory since day 2 = %v, want one row", hist)
			}

			// Prune: b is older than day2, "other" is no longer kept.
			if err := db.PruneScorecardResults(ctx, []string{"sc"}, day2); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.ScorecardResults(ctx, "sc"); len(got) != 1 || got[0].Entity != "component:default/a" {
				t.Errorf("after prune sc = %+v, want a only", got)
			}
			if got, _ := db.ScorecardResults(ctx, "other"); len(got) != 0 {
				t.Errorf("after prune other = %+v, want none", got)
			}
			if hist, _ := db.ScorecardHistory(ctx, "sc", day1); len(hist) != 3 {
				t.Errorf("prune dropped history: %v", hist)
			}
			if err := db.PutScorecardResults(ctx, []callboard.ScorecardResult{{Scorecard: "", Entity: "x"}}); callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("no scorecard: %v, want Invalid", err)
			}
		})
	}
}
