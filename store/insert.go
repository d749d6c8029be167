package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// insertRows runs head + rows + tail for n rows of cols columns: head is
// "INSERT INTO t (columns)", tail what follows the rows (ON CONFLICT …).
// appendRow and ready are as for execRows. On PostgreSQL the rows go as
// one array a column, unnested by the server: a statement of cols
// parameters whatever n is, where a multi-row VALUES list carries cols
// parameters a row, each of which the server parses, types and binds.
// Other dialects use execRows.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, head, tail string, cols, n int,
	ready func(hi int) error, appendRow func(args []any, i int) []any) error {
	if !db.d.arrays {
		return db.execRows(ctx, tx, head, tail, cols, n, ready, appendRow)
	}
	if n == 0 {
		return nil
	}
	if ready != nil {
		if err := ready(n); err != nil {
			return err
		}
	}
	arrays := make([]columnArray, cols)
	args := make([]any, 0, cols)
	for i := range n {
		args = appendRow(args[:0], i)
		if len(args) != cols {
			return fmt.Errorf("insert rows: row %d has %d values, want %d", i, len(args), cols)
		}
		for c, v := range args {
			if err := arrays[c].add(v, n); err != nil {
				return fmt.Errorf("insert rows: column %d: %w", c+1, err)
			}
		}
	}
	var q strings.Builder
	q.WriteString(head)
	q.WriteString(" SELECT * FROM unnest(")
	params := make([]any, cols)
	for c := range arrays {
		if c > 0 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(c+1) + "::" + arrays[c].typ + "[]")
		params[c] = arrays[c].values()
	}
	q.WriteString(")")
	q.WriteString(tail)
	_, err := tx.ExecContext(ctx, q.String(), params...)
	return err
}

// A columnArray collects one column's values, all of one Go type, as the
// typed slice the driver encodes as an array of the SQL type typ.
type columnArray struct {
	typ   string
	strs  []string
	ints  []int64
	bools []bool
	times []time.Time
	bytes [][]byte
}

func (a *columnArray) add(v any, n int) error {
	want := ""
	switch v := v.(type) {
	case string:
		if want = "text"; a.typ == "" {
			a.strs = make([]string, 0, n)
		}
		a.strs = append(a.strs, v)
	case int64:
		if want = "int8"; a.typ == "" {
			a.ints = make([]int64, 0, n)
		}
		a.ints = append(a.ints, v)
	case bool:
		if want = "bool"; a.typ == "" {
			a.bools = make([]bool, 0, n)
		}
		a.bools = append(a.bools, v)
	case time.Time:
		if want = "timestamptz"; a.typ == "" {
			a.times = make([]time.Time, 0, n)
		}
		a.times = append(a.times, v)
	case []byte:
		if want = "bytea"; a.typ == "" {
			a.bytes = make([][]byte, 0, n)
		}
		a.bytes = append(a.bytes, v)
	default:
		return fmt.Errorf("values of type %T cannot go in an array", v)
	}
	if a.typ == "" {
		a.typ = want
	} else if a.typ != want {
		return fmt.Errorf("a %s value among %s values", want, a.typ)
	}
	return nil
}

// values returns the typed slice.
func (a *columnArray) values() any {
	switch a.typ {
	case "text":
		return a.strs
	case "int8":
		return a.ints
	case "bool":
		return a.bools
	case "timestamptz":
		return a.times
	}
	return a.bytes
}
