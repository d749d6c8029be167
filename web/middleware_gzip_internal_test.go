package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGzipDecides(t *testing.T) {
	big := strings.Repeat("callboard catalog ", 200) // 3,600 bytes
	cases := []struct {
		name     string
		accept   string
		handler  http.HandlerFunc
		wantGzip bool
	}{
		{"html page", "gzip, deflate, br", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, big)
		}, true},
		{"sniffed type", "gzip", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<!doctype html>"+big)
		}, true},
		{"json in small writes", "gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for range 400 {
				io.WriteString(w, `{"a":1},`)
			}
		}, true},
		{"not accepted", "br", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, big)
		}, false},
		{"refused with q=0", "gzip;q=0, br", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, big)
		}, false},
		{"small body", "gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"status":"ok"}`)
		}, false},
		{"event stream", "gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, big)
		}, false},
		{"png", "gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			io.WriteString(w, big)
		}, false},
		{"already encoded", "gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Encoding", "br")
			io.WriteString(w, big)
		}, false},
		{"range", "gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Range", "bytes 0-3599/9000")
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, big)
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept-Encoding", c.accept)
			rec := httptest.NewRecorder()
			w, closeGzip := withGzip(rec, r)
			c.handler(w, r)
			closeGzip()
			body := rec.Body.Bytes()
			gotGzip := rec.Header().Get("Content-Encoding") == "gzip"
			if gotGzip != c.wantGzip {
				t.Fatalf("Content-Encoding %q, want gzip %v", rec.Header().Get("Content-Encoding"), c.wantGzip)
			}
			if rec.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary %q", rec.Header().Get("Vary"))
			}
			if gotGzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/x-gzip") {
					t.Errorf("Content-Type sniffed from the compressed bytes: %q", rec.Header().Get("Content-Type"))
				}
			}
			plain := httptest.NewRecorder()
			c.handler(plain, r)
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("body differs from the handler's: %d bytes, want %d", len(body), plain.Body.Len())
			}
		})
	}
}

// A flushed event stream reaches the client event by event, uncompressed.
func TestGzipEventStreamFlushes(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	w, closeGzip := withGzip(rec, r)
	defer closeGzip()
	s := newSSE(w)
	if err := s.Event("log", "1", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if !rec.Flushed || !strings.Contains(rec.Body.String(), "data: hello") {
		t.Fatalf("event not flushed through: flushed %v, body %q", rec.Flushed, rec.Body.String())
	}
	if rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("event stream compressed: %q", rec.Header().Get("Content-Encoding"))
	}
}
