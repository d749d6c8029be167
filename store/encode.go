package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

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
	body                   string
	edgesJSON, parentsJSON string
}

// encodeEntities turns entities into rows, keeping the last of entities that
// share a ref, sorted by ref. Everything but the body is filled at once; the
// bodies, the bulk of the work, are encoded by the returned encoder on every
// CPU while the caller writes the rest.
func encodeEntities(entities []*callboard.StoredEntity, chunk int) ([]entityRow, *encoder, error) {
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
	return rows, startEncoder(rows, chunk), nil
}

// encoder encodes the bodies of rows in chunks, in the background.
type encoder struct {
	chunk int
	ready []chan struct{} // closed when chunk k is encoded
	errs  []error         // errs[k]: the first error of chunk k
	wg    sync.WaitGroup
}

func startEncoder(rows []entityRow, chunk int) *encoder {
	n := (len(rows) + chunk - 1) / chunk
	e := &encoder{chunk: chunk, ready: make([]chan struct{}, n), errs: make([]error, n)}
	for k := range e.ready {
		e.ready[k] = make(chan struct{})
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	for w := range workers {
		e.wg.Go(func() {
			for k := w; k < n; k += workers {
				for i := k * chunk; i < min((k+1)*chunk, len(rows)) && e.errs[k] == nil; i++ {
					e.errs[k] = rows[i].encodeBody()
				}
				close(e.ready[k])
			}
		})
	}
	return e
}

// wait blocks until the rows before hi are encoded.
func (e *encoder) wait(hi int) error {
	for k := 0; k*e.chunk < hi; k++ {
		<-e.ready[k]
		if e.errs[k] != nil {
			return e.errs[k]
		}
	}
	return nil
}

// close waits for the workers, which read the caller's entities.
func (e *encoder) close() { e.wg.Wait() }

// encodeBody fills r.body.
func (r *entityRow) encodeBody() error {
	e := *r.se.Entity
	e.Relations = nil // derived from edges when read, never stored
	body, err := json.Marshal(&e)
	if err != nil {
		return callboard.Wrap(callboard.Invalid, err, "put entities: encode %s", r.ref)
	}
	r.body = string(body)
	return nil
}

// encodeRelations fills r's edges and parents and their JSON columns; buf
// is scratch space.
func (r *entityRow) encodeRelations(buf *[]byte) {
	r.edges = dedupEdges(r.se.Edges)
	b := append((*buf)[:0], '[')
	for i, e := range r.edges {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.Source)
		b = append(b, ',')
		b = appendJSONString(b, e.Type)
		b = append(b, ',')
		b = appendJSONString(b, e.Target)
	}
	r.edgesJSON = string(append(b, ']'))

	r.parents = dedupStrings(r.se.Parents)
	b = append(b[:0], '[')
	for i, p := range r.parents {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p)
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

// appendJSONString appends s as a JSON string. Invalid UTF-8 takes
// encoding/json's path, which replaces it.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
