package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"callboard"
)

// entityRow is a StoredEntity ready for its row: refs lowercased, edges and
// parents deduplicated, JSON encoded.
type entityRow struct {
	se                     *callboard.StoredEntity
	uid, ref               string
	kind, namespace, name  string
	edges                  []callboard.Edge
	parents                []string
	body                   any // JSON as a string, or compressed bytes (body.go)
	edgesJSON, parentsJSON string
}

// encodeEntities turns entities into rows, keeping the last of entities that
// share a ref, sorted by ref. Everything but the body is filled at once; the
// bodies, the bulk of the work, are encoded (compressed, with compress) by
// the returned encoder on every CPU while the caller writes the rest.
func encodeEntities(entities []*callboard.StoredEntity, compress bool) ([]entityRow, *encoder, error) {
	rows := make([]entityRow, 0, len(entities))
	at := make(map[string]int, len(entities))
	for _, se := range entities {
		if se == nil || se.Entity == nil {
			return nil, nil, callboard.Errorf(callboard.Invalid, "put entities: entity without a body")
		}
		ref := se.Ref
		if ref == "" {
			ref = se.Entity.Ref().String()
		}
		ref = strings.ToLower(ref)
		r, err := callboard.ParseRef(ref, "", "")
		if err != nil {
			return nil, nil, callboard.Wrap(callboard.Invalid, err, "put entities: bad ref %q", se.Ref)
		}
		row := entityRow{se: se, uid: se.UID, ref: ref, kind: r.Kind, namespace: r.Namespace, name: r.Name}
		if i, ok := at[ref]; ok {
			rows[i] = row
			continue
		}
		at[ref] = len(rows)
		rows = append(rows, row)
	}
	// Ref order keeps index writes local and, on PostgreSQL, makes
	// concurrent puts lock rows in one order (no deadlocks).
	slices.SortFunc(rows, func(a, b entityRow) int { return strings.Compare(a.ref, b.ref) })
	var buf []byte
	for i := range rows {
		rows[i].encodeRelations(&buf)
	}
	return rows, startEncoder(rows, compress), nil
}

// encodeChunk is the number of rows an encoder worker encodes at a time;
// encodeAhead the most rows encoded but not yet written: 2048 bodies of a
// few KB: a window that keeps the workers ahead of the writer without
// holding a large put's bodies at once.
const (
	encodeChunk = 128
	encodeAhead = 2048
)

// encoder encodes the bodies of rows in the background, on every CPU, in
// chunks of encodeChunk rows, at most encodeAhead rows ahead of the rows
// that wait has returned: the bodies written already can be collected while
// the rest are encoded, so a large put never holds all of its bodies.
type encoder struct {
	todo   chan int        // chunks to encode, in order; closed when all are queued
	ready  []chan struct{} // closed when chunk k is encoded
	errs   []error         // errs[k]: the first error of chunk k
	queued int             // chunks sent to todo
	waited int             // chunks that wait has seen encoded
	window int
	wg     sync.WaitGroup
}

func startEncoder(rows []entityRow, compress bool) *encoder {
	n := (len(rows) + encodeChunk - 1) / encodeChunk
	workers := min(runtime.GOMAXPROCS(0), n)
	e := &encoder{ready: make([]chan struct{}, n), errs: make([]error, n), window: encodeAhead / encodeChunk}
	e.todo = make(chan int, e.window)
	for k := range e.ready {
		e.ready[k] = make(chan struct{})
	}
	for range workers {
		e.wg.Go(func() {
			for k := range e.todo {
				for i := k * encodeChunk; i < min((k+1)*encodeChunk, len(rows)) && e.errs[k] == nil; i++ {
					e.errs[k] = rows[i].encodeBody(compress)
				}
				close(e.ready[k])
			}
		})
	}
	e.queue()
	return e
}

// queue sends the chunks that the window allows to the workers.
func (e *encoder) queue() {
	if e.queued == len(e.ready) {
		return
	}
	for ; e.queued < min(e.waited+e.window, len(e.ready)); e.queued++ {
		e.todo <- e.queued // never blocks: todo holds a window
	}
	if e.queued == len(e.ready) {
		close(e.todo)
	}
}

// wait blocks until the rows before hi are encoded. Calls come from one
// goroutine, with hi never decreasing.
func (e *encoder) wait(hi int) error {
	for ; e.waited*encodeChunk < hi; e.waited++ {
		<-e.ready[e.waited]
		if err := e.errs[e.waited]; err != nil {
			return err
		}
		e.queue()
	}
	return nil
}

// close stops the encoding and waits for the workers, which read the
// caller's entities. The encoder is not used afterwards.
func (e *encoder) close() {
	if e.queued < len(e.ready) {
		e.queued = len(e.ready)
		close(e.todo)
	}
	e.wg.Wait()
}

// encodeBody fills r.body.
func (r *entityRow) encodeBody(compress bool) error {
	e := *r.se.Entity
	e.Relations = nil // derived from edges when read, never stored
	if compress {
		// The JSON is garbage once compressed: encode into a pooled buffer.
		bp := encodeBufs.Get()
		defer encodeBufs.Put(bp)
		body, err := e.AppendJSON(*bp)
		if err != nil {
			return callboard.Wrap(callboard.Invalid, err, "put entities: encode %s", r.ref)
		}
		r.body = compressBody(body, bp)
		return nil
	}
	body, err := e.AppendJSON(make([]byte, 0, 2048))
	if err != nil {
		return callboard.Wrap(callboard.Invalid, err, "put entities: encode %s", r.ref)
	}
	// The bytes are body's alone and never written again: a string can
	// share them instead of copying a kilobyte or more per entity.
	r.body = unsafe.String(unsafe.SliceData(body), len(body))
	return nil
}

// encodeRelations fills r's edges and parents and their JSON columns; buf
// is scratch space.
func (r *entityRow) encodeRelations(buf *[]byte) {
	r.edges = dedupEdges(r.se.Edges)
	b := appendEdges((*buf)[:0], r.ref, r.edges)
	r.edgesJSON = string(b)

	r.parents = dedupStrings(r.se.Parents)
	b = append(b[:0], '[')
	for i, p := range r.parents {
		if i > 0 {
			b = append(b, ',')
		}
		b = callboard.AppendJSONString(b, p)
	}
	r.parentsJSON = string(append(b, ']'))
	*buf = b
}

// dedupEdges returns edges with refs lowercased and duplicates dropped,
// keeping the first of each.
func dedupEdges(edges []callboard.Edge) []callboard.Edge {
	out := make([]callboard.Edge, 0, len(edges))
	var seen map[callboard.Edge]bool
	if len(edges) > 16 {
		seen = make(map[callboard.Edge]bool, len(edges))
	}
outer:
	for _, e := range edges {
		e.Source, e.Target = strings.ToLower(e.Source), strings.ToLower(e.Target)
		if seen != nil {
			if seen[e] {
				continue
			}
			seen[e] = true
		} else {
			for _, o := range out {
				if o == e {
					continue outer
				}
			}
		}
		out = append(out, e)
	}
	return out
}

// dedupStrings returns refs lowercased without duplicates, in first-seen order.
func dedupStrings(refs []string) []string {
	out := make([]string, 0, len(refs))
outer:
	for _, r := range refs {
		r = strings.ToLower(r)
		for _, o := range out {
			if o == r {
				continue outer
			}
		}
		out = append(out, r)
	}
	return out
}

var errBadStrings = errors.New("not a JSON array of strings")

// appendStrings decodes data, a JSON array of strings, onto dst. Strings
// without escapes, which is all of them in practice, skip encoding/json.
func appendStrings(dst []string, data []byte) ([]string, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return dst, errBadStrings
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return dst, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return dst, errBadStrings
		}
		j, escaped := i+1, false
		for ; j < len(data) && data[j] != '"'; j++ {
			if data[j] == '\\' {
				escaped = true
				j++
			}
		}
		if j >= len(data) {
			return dst, errBadStrings
		}
		if escaped {
			var s string
			if err := json.Unmarshal(data[i:j+1], &s); err != nil {
				return dst, fmt.Errorf("%w: %v", errBadStrings, err)
			}
			dst = append(dst, s)
		} else {
			dst = append(dst, string(data[i+1:j]))
		}
		i = skipSpace(data, j+1)
		if i >= len(data) {
			return dst, errBadStrings
		}
		switch data[i] {
		case ']':
			return dst, nil
		case ',':
			i = skipSpace(data, i+1)
		default:
			return dst, errBadStrings
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r') {
		i++
	}
	return i
}
