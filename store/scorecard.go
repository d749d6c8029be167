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
		r      callboard.ScorecardResult
		checks string
		day    string
		at     int64
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
		rows = append(rows, row{r, string(b), r.At.UTC().Format(time.DateOnly), r.At.UnixMilli()})
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, w := range rows {
			if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO scorecard_results (scorecard, entity, level, passed, total, checks, at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (scorecard, entity) DO UPDATE SET level = excluded.level, passed = excluded.passed, total = excluded.total, checks = excluded.checks, at = excluded.at`),
				w.r.Scorecard, w.r.Entity, w.r.Level, w.r.Passed, w.r.Total, w.checks, w.at); err != nil {
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
