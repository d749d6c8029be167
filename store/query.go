package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// maxIn is the most values one IN list carries; longer lists are split.
const maxIn = 512

// inList returns "IN (?, ?, …)" for n values rounded up to a power of two,
// so that each query has few distinct texts (and prepared statements);
// padArgs fills the extra places.
func inList(n int) (string, int) {
	size := inSize(n)
	var b strings.Builder
	b.Grow(6 + 2*size)
	b.WriteString(" IN (?")
	for range size - 1 {
		b.WriteString(",?")
	}
	b.WriteByte(')')
	return b.String(), size
}

// inSize is n rounded up to a power of two.
func inSize(n int) int {
	size := 1
	for size < n {
		size *= 2
	}
	return size
}

// inArgs returns vals as arguments padded to size by repeating the last,
// which leaves the meaning of an IN list unchanged.
func inArgs[T any](vals []T, size int) []any {
	args := make([]any, size)
	for i := range args {
		args[i] = vals[min(i, len(vals)-1)]
	}
	return args
}

// queryIn runs head + " IN (…)" + tail for vals in chunks and calls fn for
// each row; head ends with the column that vals match.
func (db *DB) queryIn(ctx context.Context, q querier, head, tail string, vals []string, fn func(*sql.Rows) error) error {
	return queryIn(ctx, db, q, head, tail, vals, fn)
}

// queryIn is the method for values of any type. On the read pool its
// statements are prepared once (readStmt).
func queryIn[T any](ctx context.Context, db *DB, q querier, head, tail string, vals []T, fn func(*sql.Rows) error) error {
	for lo := 0; lo < len(vals); lo += maxIn {
		chunk := vals[lo:min(lo+maxIn, len(vals))]
		cond, args := inCond(db.d, chunk)
		var rows *sql.Rows
		var err error
		if q == querier(db.read) {
			var st *sql.Stmt
			if st, err = db.readStmt(ctx, stmtKey{head: head, cond: cond, tail: tail}); err == nil {
				rows, err = st.QueryContext(ctx, args...)
			}
		} else {
			rows, err = q.QueryContext(ctx, db.d.rebind(head+cond+tail), args...)
		}
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := fn(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// anyArray is the condition that takes an IN list's values as one array.
// PostgreSQL types the parameter from the column before it.
const anyArray = " = ANY(?)"

// inCond returns the condition that matches the column before it against
// vals, with its arguments: " IN (?, …)" padded to a power of two
// (inList), or, where the dialect binds arrays, one array parameter: one
// parameter to parse, type and bind instead of hundreds.
func inCond[T any](d *dialect, vals []T) (string, []any) {
	if d.arrays {
		return anyArray, []any{vals}
	}
	in, size := inList(len(vals))
	return in, inArgs(vals, size)
}

// deleteIn runs head + " IN (…)" for vals in chunks.
func (db *DB) deleteIn(ctx context.Context, q querier, head string, vals []string) error {
	for lo := 0; lo < len(vals); lo += maxIn {
		chunk := vals[lo:min(lo+maxIn, len(vals))]
		cond, args := inCond(db.d, chunk)
		if _, err := q.ExecContext(ctx, db.d.rebind(head+cond), args...); err != nil {
			return err
		}
	}
	return nil
}

// execRows runs a statement over n rows of cols columns, as many rows per
// statement as the dialect allows: head + " VALUES (?, …), (?, …)…" + tail.
// appendRow appends row i's values to args. ready, if not nil, is called
// with the end of each chunk of rows before the chunk is sent. The
// full-size statement is prepared once per call. ctx is checked before
// each statement; statements run without it when the dialect says so.
func (db *DB) execRows(ctx context.Context, tx *sql.Tx, head, tail string, cols, n int,
	ready func(hi int) error, appendRow func(args []any, i int) []any) error {
	if n == 0 {
		return nil
	}
	per := db.d.rowsPerInsert(cols)
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	execCtx := ctx
	if db.d.detachExec {
		execCtx = context.WithoutCancel(ctx)
	}
	args := make([]any, 0, min(per, n)*cols)
	for lo := 0; lo < n; lo += per {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+per, n)
		if ready != nil {
			if err := ready(hi); err != nil {
				return err
			}
		}
		args = args[:0]
		for i := lo; i < hi; i++ {
			args = appendRow(args, i)
		}
		var err error
		if hi-lo < per {
			_, err = tx.ExecContext(execCtx, db.d.rebind(valuesSQL(head, tail, cols, hi-lo)), args...)
		} else {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, db.d.rebind(valuesSQL(head, tail, cols, per))); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(execCtx, args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// valuesSQL returns head + " VALUES (?,…),(?,…)…" + tail for rows rows.
func valuesSQL(head, tail string, cols, rows int) string {
	var b strings.Builder
	b.Grow(len(head) + len(tail) + 8 + rows*(2*cols+2))
	b.WriteString(head)
	b.WriteString(" VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?")
		for range cols - 1 {
			b.WriteString(",?")
		}
		b.WriteByte(')')
	}
	b.WriteString(tail)
	return b.String()
}

// stmtKey names the statement head + cond + tail of the read pool. Heads
// and tails are constants of this package and conds come from inCond, so
// the statements are few.
type stmtKey struct {
	head, cond, tail string
}

// readStmt returns the statement k on the read pool, prepared at its first
// use and kept until Close: without it, SQLite compiles the statement on
// every call, which for the IN list of a page of 100 entities cost as much
// as running it. database/sql prepares it again on each connection that
// runs it, once.
func (db *DB) readStmt(ctx context.Context, k stmtKey) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(k); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.read.PrepareContext(ctx, db.d.rebind(k.head+k.cond+k.tail))
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(k, st); loaded {
		st.Close() // another caller prepared it first
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// closeStmts closes the statements readStmt prepared.
func (db *DB) closeStmts() error {
	var errs []error
	db.stmts.Range(func(k, st any) bool {
		errs = append(errs, st.(*sql.Stmt).Close())
		db.stmts.Delete(k)
		return true
	})
	return errors.Join(errs...)
}
