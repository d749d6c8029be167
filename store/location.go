package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"

	"callboard"
)

// CreateLocation stores a new location with a fresh ID; the principal ctx
// carries is its creator. Errors: Conflict if one with the same type and
// target exists; Internal.
func (db *DB) CreateLocation(ctx context.Context, typ, target string) (callboard.Location, error) {
	loc := callboard.Location{ID: uuid.NewString(), Type: typ, Target: target, CreatedBy: callboard.PrincipalFrom(ctx).Subject}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			db.d.rebind(`INSERT INTO locations (id, type, target, created_at, created_by) VALUES (?, ?, ?, ?, ?)`),
			loc.ID, typ, target, time.Now().UTC(), loc.CreatedBy)
		if err != nil {
			return err
		}
		return db.logChanges(ctx, tx, callboard.ChangeLocation, []string{loc.ID})
	})
	if err != nil {
		return callboard.Location{}, db.classify(err, "location "+typ+":"+target)
	}
	db.wrote(1)
	return loc, nil
}

// Locations lists every registered location, oldest first. Errors: Internal.
func (db *DB) Locations(ctx context.Context) ([]callboard.Location, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, type, target, created_by FROM locations ORDER BY seq`)
	if err != nil {
		return nil, db.classify(err, "locations")
	}
	defer rows.Close()
	locs := []callboard.Location{}
	for rows.Next() {
		var l callboard.Location
		if err := rows.Scan(&l.ID, &l.Type, &l.Target, &l.CreatedBy); err != nil {
			return nil, db.classify(err, "locations")
		}
		locs = append(locs, l)
	}
	return locs, db.classify(rows.Err(), "locations")
}

// Location returns one location by ID. Errors: NotFound, Internal.
func (db *DB) Location(ctx context.Context, id string) (callboard.Location, error) {
	l := callboard.Location{ID: id}
	err := db.read.QueryRowContext(ctx, db.d.rebind(`SELECT type, target, created_by FROM locations WHERE id = ?`), id).
		Scan(&l.Type, &l.Target, &l.CreatedBy)
	if err != nil {
		return callboard.Location{}, db.classify(err, "location "+id)
	}
	return l, nil
}

// DeleteLocation removes a location by ID. Errors: NotFound, Internal.
func (db *DB) DeleteLocation(ctx context.Context, id string) error {
	err := db.changeLocation(ctx, id, `DELETE FROM locations WHERE id = ?`, id)
	if err != nil {
		return err
	}
	db.wrote(1)
	return nil
}

// changeLocation runs a statement that changes the location id, with its
// change-log row; NotFound when it changes no row.
func (db *DB) changeLocation(ctx context.Context, id, query string, args ...any) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(query), args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return callboard.Errorf(callboard.NotFound, "location %s not found", id)
		}
		return db.logChanges(ctx, tx, callboard.ChangeLocation, []string{id})
	})
	return db.classify(err, "location "+id)
}

// UpdateLocation changes the type and target of a location, keeping its ID.
// Errors: NotFound for an unknown ID; Conflict when another location has
// that type and target; Internal.
func (db *DB) UpdateLocation(ctx context.Context, id, typ, target string) (callboard.Location, error) {
	err := db.changeLocation(ctx, id, `UPDATE locations SET type = ?, target = ? WHERE id = ?`, typ, target, id)
	if err != nil {
		return callboard.Location{}, err
	}
	db.wrote(1)
	return callboard.Location{ID: id, Type: typ, Target: target}, nil
}
