package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"callboard"
)

// The change log (migration 0008): every write to entities, locations and
// task states appends rows in its own transaction (logChanges); replicas
// read them with Changes. It satisfies callboard.ChangeLog.
var _ callboard.ChangeLog = (*DB)(nil)

// SetOrigin names this process in the rows it logs, so that its follower
// can skip its own changes (it applied them as it made them). Call it
// before writing; "" (the default) marks no origin.
func (db *DB) SetOrigin(id string) { db.origin = id }

// Origin returns what SetOrigin set.
func (db *DB) Origin() string { return db.origin }

// logChanges appends one change-log row per key as the last statements of
// tx, and on PostgreSQL queues a notification delivered at commit.
//
// Commit order: a follower reads rows with seq above the last it applied,
// so a row must never become visible after a row with a higher seq.
// PostgreSQL hands out sequence values when they are asked for, not at
// commit: a transaction that took seq 10 may commit after one that took 11,
// and a follower that saw 11 would skip 10 for good. Rather than re-read a
// window behind the high-water mark (which only narrows the race, and costs
// every poll), writers take a transaction-level advisory lock just before
// they insert their rows, as the last thing before commit, and hold it until
// the commit is visible (PostgreSQL releases locks after marking the
// transaction committed). So seq values are handed out in commit order and
// the lock is held for one insert and the commit. SQLite has one writer at
// a time and needs nothing. Gaps left by rolled-back inserts are harmless.
func (db *DB) logChanges(ctx context.Context, tx *sql.Tx, kind string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if db.d.changeLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.changeLock); err != nil {
			return fmt.Errorf("lock change log: %w", err)
		}
	}
	err := db.insertRows(ctx, tx, `INSERT INTO change_log (kind, key, origin)`, "", 3, len(keys), nil,
		func(args []any, i int) []any { return append(args, kind, keys[i], db.origin) })
	if err != nil {
		return fmt.Errorf("append change log: %w", err)
	}
	if db.d.changeNotify != "" {
		if _, err := tx.ExecContext(ctx, db.d.changeNotify); err != nil {
			return fmt.Errorf("notify change log: %w", err)
		}
	}
	return nil
}

// AppendChanges logs changes made outside the database, one row per key,
// in a transaction of their own. Errors: Invalid for an empty kind,
// Internal.
func (db *DB) AppendChanges(ctx context.Context, kind string, keys ...string) error {
	if kind == "" {
		return callboard.Errorf(callboard.Invalid, "change log: empty kind")
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.logChanges(ctx, tx, kind, keys) })
	return db.classify(err, "append change log")
}

// Changes returns up to limit changes with seq above after, in seq order.
// Errors: Internal.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]callboard.Change, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.write.QueryContext(ctx, db.d.rebind(
		`SELECT seq, kind, key, origin, created_at FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?`), after, limit)
	if err != nil {
		return nil, db.classify(err, "read change log")
	}
	defer rows.Close()
	var out []callboard.Change
	for rows.Next() {
		var c callboard.Change
		var at int64
		if err := rows.Scan(&c.Seq, &c.Kind, &c.Key, &c.Origin, &at); err != nil {
			return nil, db.classify(err, "read change log")
		}
		c.At = time.UnixMilli(at).UTC()
		out = append(out, c)
	}
	return out, db.classify(rows.Err(), "read change log")
}

// ChangeBounds returns the oldest and newest rows kept (zero when the log
// is empty) and the database's clock. Errors: Internal.
func (db *DB) ChangeBounds(ctx context.Context) (oldest, newest callboard.Change, now time.Time, err error) {
	var lo, hi, loAt, hiAt sql.NullInt64
	var nowMs int64
	err = db.write.QueryRowContext(ctx, `SELECT
		(SELECT seq FROM change_log ORDER BY seq LIMIT 1),
		(SELECT created_at FROM change_log ORDER BY seq LIMIT 1),
		(SELECT seq FROM change_log ORDER BY seq DESC LIMIT 1),
		(SELECT created_at FROM change_log ORDER BY seq DESC LIMIT 1), `+db.d.nowMillis).
		Scan(&lo, &loAt, &hi, &hiAt, &nowMs)
	if err != nil {
		return oldest, newest, now, db.classify(err, "read change log bounds")
	}
	if lo.Valid {
		oldest = callboard.Change{Seq: lo.Int64, At: time.UnixMilli(loAt.Int64).UTC()}
		newest = callboard.Change{Seq: hi.Int64, At: time.UnixMilli(hiAt.Int64).UTC()}
	}
	return oldest, newest, time.UnixMilli(nowMs).UTC(), nil
}

// PruneChanges deletes rows older than age by the database's clock, but
// never the newest row: a follower compares its seq with the oldest row
// kept to tell that it missed pruned rows, and an empty log would hide
// that. Errors: Invalid for a negative age, Internal.
func (db *DB) PruneChanges(ctx context.Context, age time.Duration) (int64, error) {
	if age < 0 {
		return 0, callboard.Errorf(callboard.Invalid, "change log: negative retention %s", age)
	}
	res, err := db.write.ExecContext(ctx, db.d.rebind(`DELETE FROM change_log WHERE created_at < `+db.d.nowMillis+` - ?
		AND seq < (SELECT MAX(seq) FROM change_log)`), age.Milliseconds())
	if err != nil {
		return 0, db.classify(err, "prune change log")
	}
	n, err := res.RowsAffected()
	return n, db.classify(err, "prune change log")
}
