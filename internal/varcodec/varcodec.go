// Package varcodec writes and reads the catalog's binary snapshots (the
// graph's and the index's): unsigned varints, length-prefixed strings and
// lists, keeping the first error so that callers check once at the end.
package varcodec

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"callboard/internal/strarena"
)

// Encoder writes to W; after an error every write is a no-op and Err
// holds the error.
type Encoder struct {
	W   *bufio.Writer
	Err error
	buf [binary.MaxVarintLen64]byte
}

// Uint writes v as an unsigned varint.
func (e *Encoder) Uint(v uint64) {
	if e.Err == nil {
		_, e.Err = e.W.Write(binary.AppendUvarint(e.buf[:0], v))
	}
}

// Bool writes b as 0 or 1.
func (e *Encoder) Bool(b bool) {
	if b {
		e.Uint(1)
	} else {
		e.Uint(0)
	}
}

// Str writes s's length, then s.
func (e *Encoder) Str(s string) {
	e.Uint(uint64(len(s)))
	if e.Err == nil {
		_, e.Err = e.W.WriteString(s)
	}
}

// Strs writes the count of ss, then each string.
func (e *Encoder) Strs(ss []string) {
	e.Uint(uint64(len(ss)))
	for _, s := range ss {
		e.Str(s)
	}
}

// IDs writes the count of ids, then each id as a varint.
func (e *Encoder) IDs(ids []int32) {
	e.Uint(uint64(len(ids)))
	for _, id := range ids {
		e.Uint(uint64(id))
	}
}

// Reader is what a Decoder reads from.
type Reader interface {
	io.Reader
	io.ByteReader
}

// Decoder reads what an Encoder wrote from R; after an error every read
// returns zero values and Err holds the error (io.ErrUnexpectedEOF for
// input that ends early).
type Decoder struct {
	R   Reader
	Err error
}

// Uint reads an unsigned varint.
func (d *Decoder) Uint() uint64 {
	if d.Err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(d.R)
	if err != nil {
		d.Fail(err)
	}
	return v
}

// Count reads a varint that must lie in [0, limit].
func (d *Decoder) Count(limit int) int {
	v := d.Uint()
	if limit < 0 || v > uint64(limit) {
		d.Fail(fmt.Errorf("value %d out of range", v))
		return 0
	}
	return int(v)
}

// Bool reads what Bool wrote.
func (d *Decoder) Bool() bool { return d.Count(1) == 1 }

// Str reads what Str wrote.
func (d *Decoder) Str() string {
	n := d.Count(math.MaxInt32)
	if d.Err != nil || n == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n)
	if _, err := io.CopyN(&b, d.R, int64(n)); err != nil {
		d.Fail(err)
		return ""
	}
	return b.String()
}

// StrIn reads what Str wrote into a string of a.
func (d *Decoder) StrIn(a *strarena.Arena) string {
	n := d.Count(math.MaxInt32)
	if d.Err != nil || n == 0 {
		return ""
	}
	b := a.Alloc(n)
	d.Read(b)
	return strarena.String(b)
}

// StrsIn reads what Strs wrote into strings of a.
func (d *Decoder) StrsIn(a *strarena.Arena) []string {
	return d.strs(func() string { return d.StrIn(a) })
}

// Strs reads what Strs wrote.
func (d *Decoder) Strs() []string { return d.strs(d.Str) }

// strs reads a list of strings, each with read.
func (d *Decoder) strs(read func() string) []string {
	n := d.Count(math.MaxInt32)
	out := make([]string, 0, min(n, 1<<20))
	for range n {
		if d.Err != nil {
			return nil
		}
		out = append(out, read())
	}
	return out
}

// IDs reads what IDs wrote; each id must be below limit.
func (d *Decoder) IDs(limit int) []int32 {
	n := d.Count(math.MaxInt32)
	if n == 0 || d.Err != nil {
		return nil
	}
	out := make([]int32, 0, min(n, 1<<16))
	for range n {
		out = append(out, int32(d.Count(limit-1)))
	}
	return out
}

// Read fills b.
func (d *Decoder) Read(b []byte) {
	if d.Err == nil {
		if _, err := io.ReadFull(d.R, b); err != nil {
			d.Fail(err)
		}
	}
}

// Fail records err unless an error is recorded already.
func (d *Decoder) Fail(err error) {
	if d.Err == nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		d.Err = err
	}
}
