package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"callboard"
)

// apiGet answers a page from the server's own JSON API: it runs the
// route in process, with the caller's credentials, and decodes the
// answer into out. The task pages read tasks this way, so they show
// exactly what API clients see and need no second path to the task store.
func (s *Server) apiGet(r *http.Request, path string, out any) error {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, path, nil)
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "build request for %s", path)
	}
	for _, h := range []string{"Authorization", "Cookie"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set("Accept", "application/json")
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.mux.ServeHTTP(rec, req)
	if ct := rec.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return callboard.Errorf(callboard.Internal, "%s answered %d with %q, not JSON", path, rec.status, ct)
	}
	if rec.status >= 400 {
		var body errorBody
		_ = json.Unmarshal(rec.body.Bytes(), &body)
		msg := body.Error.Message
		if msg == "" {
			msg = http.StatusText(rec.status)
		}
		return callboard.Errorf(kindOfStatus(rec.status), "%s", msg)
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return callboard.Wrap(callboard.Internal, err, "decode %s", path)
	}
	return nil
}

// kindOfStatus is statusOf read backwards.
func kindOfStatus(status int) callboard.Kind {
	for k, s := range statusOf {
		if s == status {
			return k
		}
	}
	if status >= 500 {
		return callboard.Internal
	}
	return callboard.Invalid
}

// recorder is the smallest http.ResponseWriter that keeps the answer.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.wrote = true
	return w.body.Write(b)
}
