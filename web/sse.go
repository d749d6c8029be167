package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// sseWindow is how long one write of an event stream may take. Each write
// pushes the connection's write deadline this far ahead: a stream outlives
// the server's write timeout, and a client that stops reading is still
// cut off.
const sseWindow = time.Minute

// sseHeartbeat is how often a quiet stream sends a comment line, which
// keeps proxies from closing it and its write deadline moving.
const sseHeartbeat = 15 * time.Second

// sseWriter writes a text/event-stream answer: event frames and heartbeat
// comments, each flushed at once. It is safe for concurrent use, so that
// keepAlive may write while the handler waits. After a failed write every
// later one fails too: the client is gone.
type sseWriter struct {
	mu    sync.Mutex
	w     http.ResponseWriter
	rc    *http.ResponseController
	every time.Duration // heartbeat interval
	wrote time.Time     // the last write
	err   error
}

// newSSE sends the headers of an event stream with status 200.
func newSSE(w http.ResponseWriter) *sseWriter {
	s := &sseWriter{w: w, rc: http.NewResponseController(w), every: sseHeartbeat}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extend()
	w.WriteHeader(http.StatusOK)
	s.flush()
	return s
}

// Event writes one event: its type, its id when not empty, and data, one
// "data:" line per line of it.
func (s *sseWriter) Event(event, id string, data []byte) error {
	var b bytes.Buffer
	if event != "" {
		b.WriteString("event: " + oneLine(event) + "\n")
	}
	if id != "" {
		b.WriteString("id: " + oneLine(id) + "\n")
	}
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(bytes.TrimSuffix(line, []byte("\r")))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return s.write(b.Bytes())
}

// JSON writes one event whose data is v as JSON (null if v cannot be
// encoded).
func (s *sseWriter) JSON(event, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("null")
	}
	return s.Event(event, id, b)
}

// Heartbeat writes a comment, which clients ignore.
func (s *sseWriter) Heartbeat() error { return s.write([]byte(": heartbeat\n\n")) }

// keepAlive sends a heartbeat whenever the stream has been quiet for the
// heartbeat interval, until ctx ends or stop is called. stop waits for the
// heartbeats to end, so that nothing is written after the handler returns.
func (s *sseWriter) keepAlive(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			s.mu.Lock()
			quiet := time.Since(s.wrote) >= s.every
			s.mu.Unlock()
			if quiet && s.Heartbeat() != nil {
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

func (s *sseWriter) write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.extend()
	if _, err := s.w.Write(b); err != nil {
		s.err = err
		return err
	}
	s.flush()
	return s.err
}

// extend pushes the write deadline ahead; writers without deadlines (test
// recorders) do without.
func (s *sseWriter) extend() {
	_ = s.rc.SetWriteDeadline(time.Now().Add(sseWindow))
	s.wrote = time.Now()
}

func (s *sseWriter) flush() {
	if err := s.rc.Flush(); err != nil && s.err == nil && !errors.Is(err, http.ErrNotSupported) {
		s.err = err
	}
}

// oneLine keeps a field on its line: a newline would start another field.
func oneLine(s string) string {
	return strings.NewReplacer("\r", "", "\n", "").Replace(s)
}
