package store

import (
	"context"
	"database/sql"
	"errors"
	"io"

	"callboard"
)

// The catalog snapshot: the parts of the catalog_snapshot table
// (migration 0015), by generation. The catalog decides what it holds and
// when it is still valid; the store streams it in and out in parts, so
// that neither side holds it whole.

// snapshotPart is the size of one stored part.
const snapshotPart = 1 << 20

// CatalogSnapshot returns the stored catalog snapshot as a stream, and the
// change-log seq it reflects. The reader holds a read connection until it
// is closed. Errors: NotFound when there is none, Internal (also from
// Read).
func (db *DB) CatalogSnapshot(ctx context.Context) (int64, io.ReadCloser, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, data FROM catalog_snapshot
		WHERE gen = (SELECT max(gen) FROM catalog_snapshot WHERE part = -1) AND part >= 0 ORDER BY part`)
	if err != nil {
		return 0, nil, db.classify(err, "catalog snapshot")
	}
	r := &snapshotReader{db: db, rows: rows}
	if !rows.Next() {
		err := rows.Err()
		rows.Close()
		if err == nil {
			err = sql.ErrNoRows
		}
		return 0, nil, db.classify(err, "catalog snapshot")
	}
	if err := rows.Scan(&r.seq, &r.part); err != nil {
		rows.Close()
		return 0, nil, db.classify(err, "catalog snapshot")
	}
	return r.seq, r, nil
}

// snapshotReader reads the parts of a snapshot in order.
type snapshotReader struct {
	db   *DB
	rows *sql.Rows
	seq  int64
	part sql.RawBytes // the unread rest of the current part
	err  error
}

func (r *snapshotReader) Read(p []byte) (int, error) {
	for len(r.part) == 0 && r.err == nil {
		if !r.rows.Next() {
			r.err = io.EOF
			if err := r.rows.Err(); err != nil {
				r.err = r.db.classify(err, "read catalog snapshot")
			}
			break
		}
		var seq int64
		if err := r.rows.Scan(&seq, &r.part); err != nil {
			r.err = r.db.classify(err, "read catalog snapshot")
		} else if seq != r.seq {
			r.err = callboard.Errorf(callboard.Internal, "catalog snapshot: a part of seq %d in a snapshot of seq %d", seq, r.seq)
		}
	}
	if len(r.part) == 0 {
		return 0, r.err
	}
	n := copy(p, r.part)
	r.part = r.part[n:]
	return n, nil
}

func (r *snapshotReader) Close() error { return r.rows.Close() }

// SaveCatalogSnapshot replaces the catalog snapshot with what src yields,
// stored in parts of 1 MiB, each in a transaction of its own; the new
// snapshot replaces the previous one in a last, short transaction. A
// failure (of src included) leaves the previous snapshot; the parts it
// wrote are deleted by the next save. Errors: Internal.
func (db *DB) SaveCatalogSnapshot(ctx context.Context, seq int64, src io.Reader) error {
	var gen int64
	err := db.write.QueryRowContext(ctx, `SELECT coalesce(max(gen), 0) + 1 FROM catalog_snapshot`).Scan(&gen)
	if err != nil {
		return db.classify(err, "save catalog snapshot")
	}
	insert := db.d.rebind(`INSERT INTO catalog_snapshot (gen, part, seq, data) VALUES (?, ?, ?, ?)`)
	buf := make([]byte, snapshotPart)
	parts := 0
	for done := false; !done; {
		n, err := io.ReadFull(src, buf)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			done = true
		case err != nil:
			return callboard.Wrap(callboard.Internal, err, "save catalog snapshot: read it")
		}
		if n == 0 && parts > 0 {
			break
		}
		if _, err := db.write.ExecContext(ctx, insert, gen, parts, seq, buf[:n]); err != nil {
			return db.classify(err, "save catalog snapshot")
		}
		parts++
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insert, gen, -1, seq, []byte{}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM catalog_snapshot WHERE gen < ?`), gen)
		return err
	})
	if err == nil {
		db.wrote(parts)
	}
	return db.classify(err, "save catalog snapshot")
}
