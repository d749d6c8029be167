package callboard

import (
	"context"
	"time"
)

// ScorecardResult is how one entity fares on one scorecard: the highest
// level it reaches and every check's outcome.
type ScorecardResult struct {
	// Scorecard is the scorecard's ID.
	Scorecard string `json:"scorecard"`
	// Entity is the canonical ref of the entity.
	Entity string `json:"entity"`
	// Level is the highest level whose checks, and those of every level
	// below it, all pass; "" when the first level fails.
	Level string `json:"level"`
	// Passed and Total count the checks.
	Passed int `json:"passed"`
	Total  int `json:"total"`
	// Checks are the checks in the scorecard's order.
	Checks []CheckResult `json:"checks"`
	// At is when the result was computed, UTC.
	At time.Time `json:"at"`
}

// CheckResult is one check's outcome for one entity.
type CheckResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Level is the level the check belongs to.
	Level  string `json:"level"`
	Passed bool   `json:"passed"`
	// Message says why the check failed (an expression that does not
	// compile or cannot be evaluated says so); empty when it passed.
	Message string `json:"message"`
	// Fix says how to make the check pass.
	Fix string `json:"fix"`
	// Field is where in catalog-info.yaml the fix goes ("spec.owner"),
	// when it goes there.
	Field string `json:"field,omitempty"`
}

// ScorecardDay is an entity's result on a scorecard as it stood at the end
// of a day (its last evaluation that day), for trends.
type ScorecardDay struct {
	Day       string `json:"day"` // YYYY-MM-DD, UTC
	Scorecard string `json:"scorecard"`
	Entity    string `json:"entity"`
	Level     string `json:"level"`
	Passed    int    `json:"passed"`
	Total     int    `json:"total"`
}

// ScorecardSummary is a current result without its checks' details: what
// roll-ups and filters read for every entity.
type ScorecardSummary struct {
	Entity string
	Level  string
	Passed int
	Total  int
	// Failing are the IDs of the checks that failed.
	Failing []string
}

// ScorecardLevelCount is how many entities stood at a level on a day.
type ScorecardLevelCount struct {
	Day      string `json:"day"`
	Level    string `json:"level"`
	Entities int    `json:"entities"`
}

// ScorecardStore keeps scorecard results and their daily history in the
// database, so that every replica shows what one of them computed.
type ScorecardStore interface {
	// PutScorecardResults replaces the current result of each result's
	// scorecard and entity, and records it as that entity's result for
	// the day of its At. Errors: Invalid (no scorecard or entity),
	// Internal.
	PutScorecardResults(ctx context.Context, results []ScorecardResult) error
	// ScorecardResultsOf returns the current results of entity, by
	// scorecard. Errors: Internal.
	ScorecardResultsOf(ctx context.Context, entity string) ([]ScorecardResult, error)
	// ScorecardResults returns the current results of a scorecard, by
	// entity. Errors: Internal.
	ScorecardResults(ctx context.Context, scorecard string) ([]ScorecardResult, error)
	// ScorecardSummaries returns the current results of a scorecard
	// without their checks' details, by entity. Errors: Internal.
	ScorecardSummaries(ctx context.Context, scorecard string) ([]ScorecardSummary, error)
	// ScorecardHistory returns a scorecard's daily rows from the day of
	// since on, by day and entity. Errors: Internal.
	ScorecardHistory(ctx context.Context, scorecard string, since time.Time) ([]ScorecardDay, error)
	// ScorecardTrend counts a scorecard's entities by day and level from
	// the day of since on, by day and level: ScorecardHistory summed in
	// the database. Errors: Internal.
	ScorecardTrend(ctx context.Context, scorecard string, since time.Time) ([]ScorecardLevelCount, error)
	// PruneScorecardResults drops the current results of scorecards not
	// in keep, and those computed before before (entities that left the
	// catalog or a scorecard's filter). History stays. Errors: Internal.
	PruneScorecardResults(ctx context.Context, keep []string, before time.Time) error
}
