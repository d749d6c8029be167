package store

import (
	"context"
	"database/sql"
	"time"
)

// The catalog snapshot: one row of the catalog_snapshot table (migration
// 0015). The catalog decides what it holds and when it is still valid.

// CatalogSnapshot returns the stored catalog snapshot and the change-log
// seq it reflects. Errors: NotFound when there is none, Internal.
func (db *DB) CatalogSnapshot(ctx context.Context) (seq int64, data []byte, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT seq, data FROM catalog_snapshot WHERE id = 1`).Scan(&seq, &data)
	return seq, data, db.classify(err, "catalog snapshot")
}

// SaveCatalogSnapshot replaces the catalog snapshot. Errors: Internal.
func (db *DB) SaveCatalogSnapshot(ctx context.Context, seq int64, data []byte) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_snapshot`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO catalog_snapshot (id, seq, data, created_at) VALUES (1, ?, ?, ?)`),
			seq, data, time.Now().Unix())
		return err
	})
	if err == nil {
		db.wrote(1)
	}
	return db.classify(err, "save catalog snapshot")
}
