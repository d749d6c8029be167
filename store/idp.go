package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"callboard"
)

// IDP metrics: active users by month (hashes until the month is closed,
// then a count) and one snapshot of the metrics per day (migration 0012).

var _ callboard.IDPStore = (*DB)(nil)

// RecordActiveUser notes userHash as active in month. Errors: Invalid,
// Internal.
func (db *DB) RecordActiveUser(ctx context.Context, month, userHash string) error {
	if month == "" || userHash == "" {
		return callboard.Errorf(callboard.Invalid, "an active user needs a month and a hash, got %q and %q", month, userHash)
	}
	res, err := db.write.ExecContext(ctx,
		db.d.rebind(`INSERT INTO active_users (month, user_hash) VALUES (?, ?) ON CONFLICT (month, user_hash) DO NOTHING`), month, userHash)
	if err != nil {
		return db.classify(err, "active user")
	}
	if n, _ := res.RowsAffected(); n > 0 {
		db.wrote(int(n))
	}
	return nil
}

// ActiveUsers returns month's distinct users: the closed count when there
// is one, else its rows. Errors: Internal.
func (db *DB) ActiveUsers(ctx context.Context, month string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.d.rebind(`SELECT users FROM active_user_counts WHERE month = ?`), month).Scan(&n)
	if err == nil {
		return n, nil
	}
	if err != sql.ErrNoRows {
		return 0, db.classify(err, "active users of "+month)
	}
	err = db.read.QueryRowContext(ctx, db.d.rebind(`SELECT COUNT(*) FROM active_users WHERE month = ?`), month).Scan(&n)
	return n, db.classify(err, "active users of "+month)
}

// CloseIDPMonths folds the months before before into counts and drops
// their hashes, in one transaction. A month closed twice keeps the larger
// count (rows recorded late by a replica add to it). Errors: Internal.
func (db *DB) CloseIDPMonths(ctx context.Context, before string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO active_user_counts (month, users)
			SELECT month, COUNT(*) FROM active_users WHERE month < ? GROUP BY month
			ON CONFLICT (month) DO UPDATE SET users = active_user_counts.users + excluded.users`), before); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM active_users WHERE month < ?`), before)
		return err
	})
	return db.classify(err, "close active-user months")
}

// PutIDPSnapshot replaces day's snapshot. Errors: Invalid, Internal.
func (db *DB) PutIDPSnapshot(ctx context.Context, day string, body json.RawMessage) error {
	if day == "" || !json.Valid(body) {
		return callboard.Errorf(callboard.Invalid, "an IDP snapshot needs a day and a JSON body (day %q)", day)
	}
	_, err := db.write.ExecContext(ctx, db.d.rebind(`INSERT INTO idp_snapshots (day, body, at) VALUES (?, ?, ?)
		ON CONFLICT (day) DO UPDATE SET body = excluded.body, at = excluded.at`), day, string(body), time.Now().Unix())
	if err == nil {
		db.wrote(1)
	}
	return db.classify(err, "IDP snapshot of "+day)
}

// IDPSnapshots returns the snapshots from since on, oldest first. Errors:
// Internal.
func (db *DB) IDPSnapshots(ctx context.Context, since string) ([]callboard.IDPSnapshot, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT day, body FROM idp_snapshots WHERE day >= ? ORDER BY day`), since)
	if err != nil {
		return nil, db.classify(err, "IDP snapshots")
	}
	defer rows.Close()
	out := []callboard.IDPSnapshot{}
	for rows.Next() {
		var s callboard.IDPSnapshot
		var body string
		if err := rows.Scan(&s.Day, &body); err != nil {
			return nil, db.classify(err, "IDP snapshots")
		}
		s.Body = json.RawMessage(body)
		out = append(out, s)
	}
	return out, db.classify(rows.Err(), "IDP snapshots")
}
