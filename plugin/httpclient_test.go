package plugin_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"callboard/plugin"
)

// TestHTTPClientCapsAnswers: an outside system answering more than
// MaxResponseBytes, with or without a Content-Length, is an error, not
// memory.
func TestHTTPClientCapsAnswers(t *testing.T) {
	big := strings.Repeat("x", plugin.MaxResponseBytes+1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.Header().Set("Transfer-Encoding", "chunked")
			w.(http.Flusher).Flush()
		}
		if r.URL.Path == "/small" {
			io.WriteString(w, "ok")
			return
		}
		io.WriteString(w, big)
	}))
	defer srv.Close()
	for _, path := range []string{"/sized", "/chunked"} {
		resp, err := plugin.NewHTTPClient().Get(srv.URL + path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "MiB a plugin reads") {
			t.Errorf("GET %s: err = %v, want the size cap", path, err)
		}
	}
	resp, err := plugin.NewHTTPClient().Get(srv.URL + "/small")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "ok" {
		t.Errorf("small answer = %q, %v", b, err)
	}
}
