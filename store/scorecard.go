package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"callboard"
)

// Scorecard results (migration 0010): the current result of each entity
// on each scorecard, and one history row per entity and day. They satisfy
// callboard.ScorecardStore.

// PutScorecardResults upserts the results and their day rows in one
// transaction. Errors: Invalid, Internal.
func (db *DB) PutScorecardResults(ctx context.Context, results []callboard.ScorecardResult) error {
	type row struct {
		r               callboard.ScorecardResult
		checks, failing string
		day             string
		at              int64
	}
	rows := make([]row, 0, len(results))
	now := time.Now().UTC()
	for _, r := range results {
		if r.Scorecard == "" || r.Entity == "" {
			return callboard.Errorf(callboard.Invalid, "scorecard result: scorecard and entity are required")
		}
		if r.At.IsZero() {
			r.At = now
		}
		checks := r.Checks
		if checks == nil {
			checks = []callboard.CheckResult{}
		}
		b, err := json.Marshal(checks)
		if err != nil {
			return callboard.Wrap(callboard.Internal, err, "scorecard %s of %s", r.Scorecard, r.Entity)
		}
		failing := " "
		for _, c := range checks {
			if !c.Passed {
				failing += c.ID + " "
			}
		}
		rows = append(rows, row{r, string(b), failing, r.At.UTC().Format(time.DateOnly), r.At.UnixMilli()})
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, w := range rows {
			if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO scorecard_results (scorecard, entity, level, passed, total, checks, failing, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (scorecard, entity) DO UPDATE SET level = excluded.level, passed = excluded.passed, total = excluded.total,
				checks = excluded.checks, failing = excluded.failing, at = excluded.at`),
				w.r.Scorecard, w.r.Entity, w.r.Level, w.r.Passed, w.r.Total, w.checks, w.failing, w.at); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO scorecard_history (scorecard, day, entity, level, passed, total) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (scorecard, day, entity) DO UPDATE SET level = excluded.level, passed = excluded.passed, total = excluded.total`),
				w.r.Scorecard, w.day, w.r.Entity, w.r.Level, w.r.Passed, w.r.Total); err != nil {
				return err
			}
		}
		return nil
	})
	return db.classify(err, "scorecard results")
}

// ScorecardResultsOf returns entity's current results by scorecard.
// Errors: Internal.
func (db *DB) ScorecardResultsOf(ctx context.Context, entity string) ([]callboard.ScorecardResult, error) {
	return db.scorecardResults(ctx, `WHERE entity = ? ORDER BY scorecard`, entity)
}

// ScorecardResults returns a scorecard's current results by entity.
// Errors: Internal.
func (db *DB) ScorecardResults(ctx context.Context, scorecard string) ([]callboard.ScorecardResult, error) {
	return db.scorecardResults(ctx, `WHERE scorecard = ? ORDER BY entity`, scorecard)
}

func (db *DB) scorecardResults(ctx context.Context, where, arg string) ([]callboard.ScorecardResult, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT scorecard, entity, level, passed, total, checks, at FROM scorecard_results `+where), arg)
	if err != nil {
		return nil, db.classify(err, "scorecard results")
	}
	defer rows.Close()
	var out []callboard.ScorecardResult
	for rows.Next() {
		var r callboard.ScorecardResult
		var checks string
		var at int64
		if err := rows.Scan(&r.Scorecard, &r.Entity, &r.Level, &r.Passed, &r.Total, &checks, &at); err != nil {
			return nil, db.classify(err, "scorecard results")
		}
		if err := json.Unmarshal([]byte(checks), &r.Checks); err != nil {
			return nil, callboard.Wrap(callboard.Internal, err, "checks of scorecard %s of %s", r.Scorecard, r.Entity)
		}
		r.At = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, db.classify(rows.Err(), "scorecard results")
}

// ScorecardSummaries returns a scorecard's current results without their
// checks' JSON, by entity. Errors: Internal.
func (db *DB) ScorecardSummaries(ctx context.Context, scorecard string) ([]callboard.ScorecardSummary, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT entity, level, passed, total, failing FROM scorecard_results WHERE scorecard = ? ORDER BY entity`), scorecard)
	if err != nil {
		return nil, db.classify(err, "scorecard summaries")
	}
	defer rows.Close()
	var out []callboard.ScorecardSummary
	for rows.Next() {
		var s callboard.ScorecardSummary
		var failing string
		if err := rows.Scan(&s.Entity, &s.Level, &s.Passed, &s.Total, &failing); err != nil {
			return nil, db.classify(err, "scorecard summaries")
		}
		s.Failing = strings.Fields(failing)
		out = append(out, s)
	}
	return out, db.classify(rows.Err(), "scorecard summaries")
}

// ScorecardHistory returns a scorecard's day rows from since's day on.
// Errors: Internal.
func (db *DB) ScorecardHistory(ctx context.Context, scorecard string, since time.Time) ([]callboard.ScorecardDay, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT day, entity, level, passed, total FROM scorecard_history
		WHERE scorecard = ? AND day >= ? ORDER BY day, entity`), scorecard, since.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, db.classify(err, "scorecard history")
	}
	defer rows.Close()
	var out []callboard.ScorecardDay
	for rows.Next() {
		d := callboard.ScorecardDay{Scorecard: scorecard}
		if err := rows.Scan(&d.Day, &d.Entity, &d.Level, &d.Passed, &d.Total); err != nil {
			return nil, db.classify(err, "scorecard history")
		}
		out = append(out, d)
	}
	return out, db.classify(rows.Err(), "scorecard history")
}

// ScorecardTrend counts the day rows by day and level. Errors: Internal.
func (db *DB) ScorecardTrend(ctx context.Context, scorecard string, since time.Time) ([]callboard.ScorecardLevelCount, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT day, level, COUNT(*) FROM scorecard_history
		WHERE scorecard = ? AND day >= ? GROUP BY day, level ORDER BY day, level`), scorecard, since.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, db.classify(err, "scorecard trend")
	}
	defer rows.Close()
	var out []callboard.ScorecardLevelCount
	for rows.Next() {
		var c callboard.ScorecardLevelCount
		if err := rows.Scan(&c.Day, &c.Level, &c.Entities); err != nil {
			return nil, db.classify(err, "scorecard trend")
		}
		out = append(out, c)
	}
	return out, db.classify(rows.Err(), "scorecard trend")
}

// PruneScorecardResults drops current results of scorecards not in keep
// and those computed before before. Errors: Internal.
func (db *DB) PruneScorecardResults(ctx context.Context, keep []string, before time.Time) error {
	q := `DELETE FROM scorecard_results WHERE at < ?`
	args := []any{before.UnixMilli()}
	if len(keep) > 0 {
		q += ` OR scorecard NOT IN (?` + strings.Repeat(", ?", len(keep)-1) + `)`
		for _, k := range keep {
			args = append(args, k)
		}
	} else {
		q += ` OR 1 = 1`
	}
	_, err := db.write.ExecContext(ctx, db.d.rebind(q), args...)
	return db.classify(err, "prune scorecard results")
}

var _ callboard.ScorecardStore = (*DB)(nil)
