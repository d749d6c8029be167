// Package store implements callboard's persistence interfaces on database/sql,
// once, for SQLite (modernc.org/sqlite, pure Go) and PostgreSQL (pgx). The few
// differences between the two are fields of the dialect in dialect.go; the
// schemas are the embedded migrations under migrations/<dialect>/.
//
// Errors leaving the package are *callboard.Error values: NotFound for
// missing rows, Conflict for unique violations, Internal (wrapping the driver
// error) otherwise.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"callboard"
)

// DB is a callboard database. It is safe for concurrent use.
type DB struct {
	d     *dialect
	write *sql.DB // write transactions; on SQLite a single connection
	read  *sql.DB // queries; the same pool as write on PostgreSQL
	dsn   string  // as given to Open, for ListenChanges' own connection

	origin string // SetOrigin's; written in change-log rows

	// deferred is set while a first ingest leaves edge_origins to its
	// end (origins_bulk.go).
	deferred atomic.Pointer[deferredOrigins]

	// The background maintainer, when the dialect needs one: kick asks
	// for a checkpoint or analyze, stop ends the goroutine, which closes done.
	kick, stop, done chan struct{}
	checkpoint       string       // the dialect's, if the database has a WAL
	written          atomic.Int64 // rows written since the last analyze
	analyzed         int64        // rows written up to the last analyze; the maintainer's

	// The pool searches read with, opened at the first search when the
	// dialect has one (searchDialect.open).
	searchOnce sync.Once
	searchDB   *sql.DB
	searchErr  error

	stmts sync.Map // stmtKey -> *sql.Stmt on read; readStmt's

	closeOnce sync.Once
	closeErr  error
}

// Interface guards.
var _ callboard.EntityStore = (*DB)(nil)

// Open opens the database and applies any migration it has not seen. driver
// is "sqlite" (dsn: a file path, optionally with modernc.org/sqlite query
// parameters, or ":memory:") or "postgres" (dsn: a postgres:// URL or a
// key=value string as pgx accepts it); "sqlite3", "postgresql" and "pg" are
// accepted as aliases. An unknown driver is Invalid; failing to connect or
// migrate is Internal.
func Open(ctx context.Context, driver, dsn string) (*DB, error) {
	d, ok := dialects[driver]
	if !ok {
		return nil, callboard.Errorf(callboard.Invalid, "unknown database driver %q (want sqlite or postgres)", driver)
	}
	write, read, err := d.open(dsn)
	if err != nil {
		return nil, callboard.Wrap(callboard.ErrorKind(err), err, "open %s database", d.name)
	}
	db := &DB{d: d, write: write, read: read, dsn: dsn}
	if err := write.PingContext(ctx); err != nil {
		db.Close()
		return nil, callboard.Wrap(callboard.Internal, err, "connect to %s database", d.name)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.repairOrigins(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if read != write {
		db.checkpoint = d.checkpoint // ":memory:" has no WAL
	}
	if db.checkpoint != "" || d.analyze != "" {
		db.kick, db.stop, db.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go db.maintain()
	}
	return db, nil
}

// minAnalyze is the fewest rows written between two analyzes; past it, the
// catalog has to grow by half again.
const minAnalyze = 5000

// maintain runs the dialect's checkpoint after writes, and its analyze
// after bulk writes, off the writers' path. Errors are ignored: the write
// connection's automatic checkpoints and autovacuum remain.
func (db *DB) maintain() {
	defer close(db.done)
	ctx := context.Background()
	for {
		select {
		case <-db.stop:
			return
		case <-db.kick:
		}
		if db.checkpoint != "" {
			_, _ = db.read.ExecContext(ctx, db.checkpoint)
		}
		if n := db.written.Load(); db.d.analyze != "" && n >= max(minAnalyze, db.analyzed/2) {
			db.written.Add(-n)
			db.analyzed += n
			_, _ = db.write.ExecContext(ctx, db.d.analyze)
		}
	}
}

// wrote records that a transaction wrote rows and asks the maintainer, if
// any, to run.
func (db *DB) wrote(rows int) {
	if db.kick == nil {
		return
	}
	db.written.Add(int64(rows))
	select {
	case db.kick <- struct{}{}:
	default: // a run is pending already
	}
}

// Close closes the database's connections. Calls after the first return
// the first one's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if db.stop != nil {
			close(db.stop)
			<-db.done
		}
		err := errors.Join(db.closeStmts(), db.write.Close())
		if db.read != db.write {
			err = errors.Join(err, db.read.Close())
		}
		db.searchOnce.Do(func() {}) // no search opens it now
		if db.searchDB != nil {
			err = errors.Join(err, db.searchDB.Close())
		}
		if err != nil {
			db.closeErr = callboard.Wrap(callboard.Internal, err, "close database")
		}
	})
	return db.closeErr
}

// SQL returns the pool to use for writes and for reads that must see them
// at once. Features that add tables (in later migrations) run their queries
// on it. On SQLite it has a single connection whose transactions take the
// write lock when they begin: keep its transactions short, and never begin a
// second one while holding the first.
func (db *DB) SQL() *sql.DB { return db.write }

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Rebind rewrites the "?" placeholders of query for the database's dialect,
// for features that run their own SQL on SQL().
func (db *DB) Rebind(query string) string { return db.d.rebind(query) }

// classify turns a database error into a callboard error about what (a
// short description such as "entity component:default/x"): no rows becomes
// NotFound, a unique violation Conflict, anything else Internal. Errors that
// are already classified pass through.
func (db *DB) classify(err error, what string) error {
	var ce *callboard.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return callboard.Errorf(callboard.NotFound, "%s not found", what)
	case db.d.isUniqueErr(err):
		return callboard.Errorf(callboard.Conflict, "%s already exists", what)
	}
	return callboard.Wrap(callboard.Internal, err, "%s", what)
}

// inTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
