package web

import (
	"compress/gzip"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// gzipMinSize is the smallest body worth compressing: below it the gzip
// header and the CPU cost outweigh the bytes saved.
const gzipMinSize = 1024

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// gzipWriter compresses an answer when the client accepts gzip, the body
// is at least gzipMinSize bytes and its type gains from it. It holds the
// first bytes back until it can decide; event streams, ranges, answers
// that carry their own Content-Encoding and already compressed types
// (images, archives) pass through untouched.
type gzipWriter struct {
	http.ResponseWriter
	status  int
	buf     []byte
	decided bool
	zw      *gzip.Writer // nil when passing through
}

// withGzip wraps w when r accepts gzip; the caller must Close the result.
func withGzip(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, func()) {
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) || r.Method == http.MethodHead {
		return w, func() {}
	}
	g := &gzipWriter{ResponseWriter: w}
	return g, g.Close
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q above zero.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}

func (g *gzipWriter) WriteHeader(code int) {
	if code < 200 {
		g.ResponseWriter.WriteHeader(code) // 1xx: informational, not the answer
		return
	}
	if g.status == 0 {
		g.status = code
	}
	if !g.compressible() {
		g.decide(false)
	}
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
		if !g.compressible() {
			g.decide(false)
		}
	}
	if !g.decided {
		g.buf = append(g.buf, b...)
		if len(g.buf) >= gzipMinSize {
			g.decide(true)
		}
		return len(b), nil
	}
	if g.zw != nil {
		return g.zw.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

// Flush sends what is held back: a handler flushing wants the bytes out
// now, so a short answer so far goes out as it is.
func (g *gzipWriter) Flush() {
	if !g.decided {
		g.decide(len(g.buf) >= gzipMinSize)
	}
	if g.zw != nil {
		_ = g.zw.Flush()
	}
	_ = http.NewResponseController(g.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// Close ends the answer: a body still held back is short, so it goes out
// uncompressed.
func (g *gzipWriter) Close() {
	if !g.decided {
		if g.status == 0 && len(g.buf) == 0 {
			return // nothing was written: net/http answers 200 itself
		}
		g.decide(false)
	}
	if g.zw != nil {
		_ = g.zw.Close()
		g.zw.Reset(nil)
		gzipWriters.Put(g.zw)
		g.zw = nil
	}
}

// compressible tells from the status and headers whether the answer may
// be compressed at all.
func (g *gzipWriter) compressible() bool {
	h := g.Header()
	if g.status == http.StatusNoContent || g.status == http.StatusNotModified || g.status == http.StatusPartialContent {
		return false
	}
	if h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return false
	}
	ctype := h.Get("Content-Type")
	return ctype == "" || compressibleType(ctype)
}

// compressibleType is true for text and the structured formats; false for
// event streams (each event must reach the client when flushed) and for
// media and archives, which are compressed already.
func compressibleType(ctype string) bool {
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		return false
	}
	switch {
	case mt == "text/event-stream":
		return false
	case strings.HasPrefix(mt, "text/"), mt == "image/svg+xml":
		return true
	case strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "application/yaml",
		"application/x-yaml", "application/x-ndjson", "application/wasm":
		return true
	}
	return false
}

// decide writes the headers and the bytes held back, compressed or not.
func (g *gzipWriter) decide(compress bool) {
	if g.decided {
		return
	}
	g.decided = true
	h := g.Header()
	if h.Get("Content-Type") == "" && len(g.buf) > 0 {
		// Sniff from the plain bytes, as net/http would; it would sniff
		// the compressed ones otherwise.
		h.Set("Content-Type", http.DetectContentType(g.buf))
	}
	if compress && !compressibleType(h.Get("Content-Type")) {
		compress = false
	}
	if compress {
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
			h.Set("ETag", "W/"+etag) // the bytes differ from the plain answer's
		}
		g.zw = gzipWriters.Get().(*gzip.Writer)
		g.zw.Reset(g.ResponseWriter)
	}
	if g.status == 0 {
		g.status = http.StatusOK
	}
	g.ResponseWriter.WriteHeader(g.status)
	if len(g.buf) == 0 {
		return
	}
	if g.zw != nil {
		_, _ = g.zw.Write(g.buf)
	} else {
		_, _ = g.ResponseWriter.Write(g.buf)
	}
	g.buf = nil
}
