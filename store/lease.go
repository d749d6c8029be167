package store

import (
	"context"
	"time"

	"callboard"
)

// Leases: rows of named, expiring leases (migration 0005). They satisfy
// callboard.LeaseStore.

// AcquireLease takes or renews the lease called name for holder until ttl
// from now by the database's clock. One UPSERT does it: the row is
// inserted, or updated only when it has expired or is holder's already,
// so of two replicas racing for an expired lease exactly one updates it
// (PostgreSQL locks the row for the conflict check; SQLite has one
// writer). Errors: Invalid, Internal.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" {
		return false, callboard.Errorf(callboard.Invalid, "lease: name and holder are required")
	}
	if ttl < time.Millisecond {
		return false, callboard.Errorf(callboard.Invalid, "lease %s: ttl must be at least 1ms, got %s", name, ttl)
	}
	now := db.d.nowMillis
	res, err := db.write.ExecContext(ctx, db.d.rebind(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, `+now+` + ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at <= `+now+` OR leases.holder = excluded.holder`),
		name, holder, ttl.Milliseconds())
	if err != nil {
		return false, db.classify(err, "lease "+name)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, db.classify(err, "lease "+name)
	}
	return n == 1, nil
}

// ReleaseLease deletes holder's lease called name; another holder's lease
// is left alone. Errors: Internal.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.write.ExecContext(ctx, db.d.rebind(`DELETE FROM leases WHERE name = ? AND holder = ?`), name, holder)
	return db.classify(err, "lease "+name)
}

// Lease returns the holder of the lease called name and whether it is
// still unexpired; NotFound when there is no row. For tests and the
// admin's eye; the scheduler only acquires.
func (db *DB) Lease(ctx context.Context, name string) (holder string, live bool, err error) {
	err = db.read.QueryRowContext(ctx, db.d.rebind(`SELECT holder, expires_at > `+db.d.nowMillis+` FROM leases WHERE name = ?`), name).Scan(&holder, &live)
	return holder, live, db.classify(err, "lease "+name)
}

var _ callboard.LeaseStore = (*DB)(nil)
