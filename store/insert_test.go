package store

import (
	"strings"
	"testing"
	"time"
)

// A column's values become one typed slice; a value of another type, or
// of a type no array holds, is an error rather than a malformed statement.
func TestColumnArray(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		vals []any
		typ  string
		err  string
	}{
		{vals: []any{"a", "b"}, typ: "text"},
		{vals: []any{int64(1), int64(2)}, typ: "int8"},
		{vals: []any{true, false}, typ: "bool"},
		{vals: []any{now, now}, typ: "timestamptz"},
		{vals: []any{[]byte("x"), []byte(nil)}, typ: "bytea"},
		{vals: []any{"a", int64(1)}, err: "a int8 value among text values"},
		{vals: []any{1.5}, err: "float64"},
	} {
		var a columnArray
		var err error
		for _, v := range tc.vals {
			if err = a.add(v, len(tc.vals)); err != nil {
				break
			}
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want %q", tc.vals, err, tc.err)
			}
			continue
		}
		if err != nil || a.typ != tc.typ {
			t.Errorf("%v: type %q, error %v; want %q", tc.vals, a.typ, err, tc.typ)
		}
		if got := a.values(); got == nil {
			t.Errorf("%v: no values", tc.vals)
		}
	}
}
