package web

import (
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what clients may hold of the server, so that slow or idle
// connections cannot exhaust its file descriptors or memory: 21,000 slow
// request bodies once did, and /healthz stopped answering.
type Limits struct {
	// HeaderTimeout is the time to send the request line and headers.
	HeaderTimeout time.Duration
	// BodyTimeout is the time to send a request's body, from the headers
	// on. It ends with the body: a handler may take longer than that.
	BodyTimeout time.Duration
	// WriteTimeout is the time to write a response, from the end of the
	// headers; event streams extend their own (streamDeadline).
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection without a next request.
	IdleTimeout time.Duration
	// MaxConns is how many connections are served at once; more wait to
	// be accepted until one closes.
	MaxConns int
}

// DefaultLimits are the limits of callboard serve.
func DefaultLimits() Limits {
	return Limits{
		HeaderTimeout: 10 * time.Second,
		BodyTimeout:   time.Minute,
		WriteTimeout:  5 * time.Minute,
		IdleTimeout:   2 * time.Minute,
		MaxConns:      DefaultMaxConns,
	}
}

// DefaultMaxConns is the connection cap when the file descriptor limit
// allows it.
const DefaultMaxConns = 4096

// HTTPServer returns a server for h with l's timeouts. There is no
// whole-request ReadTimeout: net/http would cancel the context of any
// handler running past it, event streams and long builds included; the
// body has its own deadline instead.
func (l Limits) HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           bodyDeadline(h, l.BodyTimeout),
		ReadHeaderTimeout: l.HeaderTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
	}
}

// Listener caps the connections served at once at l.MaxConns (none when
// it is not positive).
func (l Limits) Listener(ln net.Listener) net.Listener {
	if l.MaxConns <= 0 {
		return ln
	}
	return netutil.LimitListener(ln, l.MaxConns)
}

// bodyDeadline gives a request that has a body d to send it: a slow body
// is cut (its read fails, the connection closes) rather than holding the
// connection for ever. Once the body is read the deadline is lifted, so
// that the handler may take as long as it needs.
func bodyDeadline(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && (r.ContentLength != 0 || len(r.TransferEncoding) > 0) {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(d)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the connection's read deadline when the body ends.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// docsSyncWindow bounds the write of a docs sync's answer, build included.
const docsSyncWindow = 30 * time.Minute

// streamDeadline pushes w's write deadline d ahead, for responses that
// outlive Limits.WriteTimeout (server-sent events, builds). Where the
// writer has no deadlines (tests' recorders) it does nothing.
func streamDeadline(w http.ResponseWriter, d time.Duration) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
}
