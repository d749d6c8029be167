package store

import (
	"context"
	"database/sql"
	"time"

	"callboard"
)

// Source reads: the last good read of each catalog file (migration 0012).

var _ callboard.SourceReadStore = (*DB)(nil)

// PutSourceReads records reads, keeping the later time of each file.
// Errors: Internal.
func (db *DB) PutSourceReads(ctx context.Context, reads map[string]time.Time) error {
	if len(reads) == 0 {
		return nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for loc, at := range reads {
			if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO source_reads (location, read_at) VALUES (?, ?)
				ON CONFLICT (location) DO UPDATE SET read_at = excluded.read_at WHERE excluded.read_at > source_reads.read_at`),
				loc, at.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		db.wrote(len(reads))
	}
	return db.classify(err, "source reads")
}

// SourceReads returns every recorded read. Errors: Internal.
func (db *DB) SourceReads(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT location, read_at FROM source_reads`)
	if err != nil {
		return nil, db.classify(err, "source reads")
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var loc string
		var ms int64
		if err := rows.Scan(&loc, &ms); err != nil {
			return nil, db.classify(err, "source reads")
		}
		out[loc] = time.UnixMilli(ms).UTC()
	}
	return out, db.classify(rows.Err(), "source reads")
}
