package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"callboard/internal/bufpool"
)

// streamChunk is how many entities a list response reads, projects and
// writes at a time: a response listing the whole catalog (GET /entities
// without limit) holds one chunk in memory, not the catalog.
const streamChunk = 250

// listBufs holds the buffers list responses are written from: a page of
// 100 entities is about 150 KB, which allocated anew for each request made
// the garbage collector run several times as often.
var listBufs sync.Pool // of *bytes.Buffer

// listArenas holds the buffers list responses read entities into;
// entityBufs, those by-name responses are written from.
var (
	listArenas = bufpool.New(maxPooledList)
	entityBufs = bufpool.New(maxPooledList)
)

// maxPooledList bounds the buffers kept in listBufs and listArenas.
const maxPooledList = 4 << 20

// entityList is a list response: before, the JSON array of the entities
// with uids (fields projected by proj, entities deleted since the query
// left out), then after.
type entityList struct {
	uids          []string
	proj          *projection
	before, after []byte
	header        http.Header // extra response headers, such as Link
}

// writeList sends l. The first chunk is read before the status is sent, so a
// failing store is still answered with its error; a later failure cuts the
// response short, which clients see as invalid JSON.
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, l entityList) error {
	ap := listArenas.Get()
	defer listArenas.Put(ap)
	first, err := s.chunk(r, ap, l.uids, l.proj)
	if err != nil {
		return err
	}
	for k, v := range l.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	buf, _ := listBufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledList {
			listBufs.Put(buf)
		}
	}()
	size := len(l.before) + len(l.after) + 3
	for _, raw := range first {
		size += len(raw) + 1
	}
	buf.Grow(size) // one allocation at most for a page that fits in a chunk
	buf.Write(l.before)
	buf.WriteByte('[')
	n := 0 // items written
	add := func(raws []json.RawMessage) {
		for _, raw := range raws {
			if raw == nil {
				continue
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			buf.Write(raw)
			n++
		}
	}
	add(first)
	for from := streamChunk; from < len(l.uids); from += streamChunk {
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil // the client went away
		}
		buf.Reset()
		raws, err := s.chunk(r, ap, l.uids[from:], l.proj)
		if err != nil {
			if r.Context().Err() == nil {
				s.log.Error("list response cut short", "path", r.URL.Path, "err", err)
			}
			return nil
		}
		add(raws)
	}
	buf.WriteByte(']')
	buf.Write(l.after)
	buf.WriteByte('\n')
	_, _ = w.Write(buf.Bytes())
	return nil
}

// chunk reads and projects the entities of the first streamChunk uids
// into the arena *ap, whose previous entities it overwrites; relations are
// left out when proj drops them.
func (s *Server) chunk(r *http.Request, ap *[]byte, uids []string, proj *projection) ([]json.RawMessage, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	arena, raws, err := s.catalog.AppendRawEntities(r.Context(), (*ap)[:0], uids[:min(len(uids), streamChunk)], proj.keeps("relations"))
	*ap = arena
	if err != nil {
		return nil, err
	}
	return proj.raws(raws), nil
}

// pageTail is what follows the items of a by-query response.
func pageTail(total int, pageInfo map[string]string) []byte {
	info, _ := json.Marshal(pageInfo)
	return []byte(`,"totalItems":` + strconv.Itoa(total) + `,"pageInfo":` + string(info) + `}`)
}
