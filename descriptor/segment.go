package descriptor

import (
	"bufio"
	"errors"
	"io"
	"sync"
)

// segmenter cuts a stream into documents at the lines that start with
// "---", for fastDoc. Each segment owns its bytes. Segmenters are pooled
// with their buffers and parser: the catalog reads tens of thousands of
// small files.
type segmenter struct {
	r          *bufio.Reader
	line       int    // lines read
	marker     []byte // a marker line read ahead: it starts the next segment
	markerLine int
	err        error  // what ended reading: io.EOF at the end
	buf        []byte // the segment being read
	fp         fastParser
}

var segmenters = sync.Pool{New: func() any { return &segmenter{r: bufio.NewReaderSize(nil, 16<<10)} }}

func (s *segmenter) reset(r io.Reader) {
	s.r.Reset(r)
	s.line, s.marker, s.markerLine, s.err = 0, nil, 0, nil
	s.fp.src = ""
	if cap(s.buf) > 1<<20 {
		s.buf = nil // one huge document need not stay in the pool
	}
	if cap(s.fp.lines) > 1<<16 {
		s.fp.lines = nil
	}
}

// A segment is a string: the fast path's scalars are cut from it rather
// than copied one by one.
type segment struct {
	data string
	line int // the line of data's first byte
}

// next returns the next segment, false at the end of the stream.
func (s *segmenter) next() (segment, bool) {
	if s.marker == nil && s.err != nil {
		return segment{}, false
	}
	seg := segment{line: s.line + 1}
	s.buf = s.buf[:0]
	if s.marker != nil {
		seg.line = s.markerLine
		s.buf = append(s.buf, s.marker...)
		s.marker = nil
	}
	for s.err == nil {
		l, err := s.r.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) {
			s.buf = append(s.buf, l...)
			l, err = s.r.ReadSlice('\n')
		}
		if err != nil {
			s.err = err
		}
		if len(l) == 0 {
			break
		}
		s.line++
		if isMarker(l) {
			s.marker, s.markerLine = append([]byte(nil), l...), s.line
			break
		}
		s.buf = append(s.buf, l...)
	}
	seg.data = string(s.buf)
	return seg, true
}

// newlines reads as n line breaks.
type newlines struct{ n int }

func (r *newlines) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = '\n'
	}
	r.n -= k
	return k, nil
}

// fullReader fills each read as far as r allows: the readers of an
// io.MultiReader are cut where a plain reader of the same bytes is not,
// and yaml.v3's choice among several errors depends on its reads. Like a
// file, it returns the end (or an error) on the read after the last
// bytes, never with them: yaml.v3 rejects a trailing incomplete UTF-8
// sequence at once when it knows the stream has ended, and parses the
// documents before it first otherwise. r's errors must be sticky, as
// io.MultiReader's are.
type fullReader struct{ r io.Reader }

func (f fullReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := f.r.Read(p[n:])
		n += k
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
	}
	return n, nil
}

// errReader returns err, or io.EOF for nil and io.EOF.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
