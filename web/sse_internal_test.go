package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSSEFrames: each event is one frame; a newline in data starts another
// data line, and one in the event name or id cannot start a new field.
func TestSSEFrames(t *testing.T) {
	tests := []struct {
		name, event, id, data, want string
	}{
		{"event with id", "log", "7", `{"a":1}`, "event: log\nid: 7\ndata: {\"a\":1}\n\n"},
		{"no id", "finish", "", `{"updated":true}`, "event: finish\ndata: {\"updated\":true}\n\n"},
		{"multi-line data", "x", "", "one\r\ntwo", "event: x\ndata: one\ndata: two\n\n"},
		{"newline in the event name", "x\ndata: forged", "1\n2", "d", "event: xdata: forged\nid: 12\ndata: d\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s := newSSE(rec)
			if err := s.Event(tc.event, tc.id, []byte(tc.data)); err != nil {
				t.Fatal(err)
			}
			if got := rec.Body.String(); got != tc.want {
				t.Errorf("frame = %q, want %q", got, tc.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/event-stream" || rec.Code != 200 || !rec.Flushed {
				t.Errorf("Content-Type %q, status %d, flushed %v; want an event stream, 200, flushed", ct, rec.Code, rec.Flushed)
			}
		})
	}
}

// TestSSEHeartbeat: a quiet stream sends comment lines until stopped.
func TestSSEHeartbeat(t *testing.T) {
	rec := httptest.NewRecorder()
	s := newSSE(rec)
	s.every = time.Millisecond
	stop := s.keepAlive(t.Context())
	body := func() string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return rec.Body.String()
	}
	for deadline := time.Now().Add(time.Minute); !strings.Contains(body(), ": heartbeat\n\n") && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	stop()
	after := body()
	if !strings.HasPrefix(after, ": heartbeat\n\n") {
		t.Fatalf("body = %q, want heartbeats", after)
	}
	if err := s.JSON("completion", "1", map[string]string{"status": "completed"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimPrefix(body(), after); got != "event: completion\nid: 1\ndata: {\"status\":\"completed\"}\n\n" {
		t.Errorf("after stop the stream has %q, want only the completion event", got)
	}
}
