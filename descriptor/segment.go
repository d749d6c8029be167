package descriptor

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"sync"
)

// segmenter cuts a stream into documents at the lines that start with
// "---", for fastDoc. Each segment owns its bytes. Segmenters are pooled
// with their buffers and parser: the catalog reads tens of thousands of
// small files.
type segmenter struct {
	r          *bufio.Reader
	line       int    // lines read, each ended by LF or the end
	extra      int    // other line breaks in the segments before (addBreaks)
	marker     []byte // a marker line read ahead: it starts the next segment
	markerLine int
	err        error  // what ended reading: io.EOF at the end
	buf        []byte // the segment being read
	fp         fastParser
}

var segmenters = sync.Pool{New: func() any { return &segmenter{r: bufio.NewReaderSize(nil, 16<<10)} }}

func (s *segmenter) reset(r io.Reader) {
	s.r.Reset(r)
	s.line, s.extra, s.marker, s.markerLine, s.err = 0, 0, nil, 0, nil
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
	seg := segment{line: s.line + 1 + s.extra}
	s.buf = s.buf[:0]
	if s.marker != nil {
		seg.line = s.markerLine + s.extra
		s.buf = append(s.buf, s.marker...)
		s.marker = nil
	}
	for s.err == nil {
		start := len(s.buf)
		l, err := s.r.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) {
			s.buf = append(s.buf, l...)
			l, err = s.r.ReadSlice('\n')
		}
		if err != nil {
			s.err = err
		}
		s.buf = append(s.buf, l...)
		line := s.buf[start:]
		if len(line) == 0 {
			break
		}
		s.line++
		if isMarker(line) {
			s.marker, s.markerLine = append([]byte(nil), line...), s.line
			s.buf = s.buf[:start]
			break
		}
	}
	seg.data = string(s.buf)
	return seg, true
}

// breakAt returns the width of the line break at b[i], 0 if there is
// none. Breaks are what yaml.v3 counts lines by: LF, CR LF, a lone CR,
// NEL, and the Unicode line and paragraph separators; a file written with
// lone CRs must get the same line numbers from the segmenter as from
// yaml.v3.
func breakAt(b string, i int) int {
	switch {
	case b[i] == '\n':
		return 1
	case b[i] == '\r':
		if i+1 < len(b) && b[i+1] == '\n' {
			return 2
		}
		return 1
	case b[i] == 0xC2 && i+1 < len(b) && b[i+1] == 0x85:
		return 2
	case b[i] == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9):
		return 3
	}
	return 0
}

// addBreaks counts the line breaks other than LF in seg, a segment the
// fast path declined, into the lines of the segments after it. The
// segmenter cuts lines at LF alone: the fast path refuses the other
// breaks, so only a declined segment can hold them, and counting them
// there costs nothing per line of the documents it takes.
func (s *segmenter) addBreaks(seg segment) {
	n := 0
	for i := 0; i < len(seg.data); i++ {
		if w := breakAt(seg.data, i); w > 0 {
			n++
			i += w - 1
		}
	}
	s.extra += n - strings.Count(seg.data, "\n")
}

// afterBreak returns what follows s's first line break, "" if it has none.
func afterBreak(s string) string {
	for i := range len(s) {
		if w := breakAt(s, i); w > 0 {
			return s[i+w:]
		}
	}
	return ""
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
