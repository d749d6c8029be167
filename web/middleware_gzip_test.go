package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"callboard/web"
)

// The portal's pages, the API and static files come gzip-compressed to
// clients that accept it; health answers are too small to gain.
func TestServerGzip(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 30)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, c := range []struct {
		path     string
		wantGzip bool
		want     string
	}{
		{"/catalog?kind=component", true, "svc-29"},
		{"/api/catalog/entities", true, "svc-29"},
		{"/static/app.css", true, "font-family"},
		{"/healthz", false, "ok"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = resp.Body
		if got := resp.Header.Get("Content-Encoding") == "gzip"; got != c.wantGzip {
			t.Errorf("%s: Content-Encoding %q, want gzip %v", c.path, resp.Header.Get("Content-Encoding"), c.wantGzip)
		} else if got {
			if body, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatalf("%s: %v", c.path, err)
			}
		}
		b, err := io.ReadAll(body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: status %d, err %v, body lacks %q", c.path, resp.StatusCode, err, c.want)
		}

		// Without Accept-Encoding the same answer is plain.
		req.Header.Del("Accept-Encoding")
		resp, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s without Accept-Encoding: Content-Encoding %q", c.path, resp.Header.Get("Content-Encoding"))
		}
	}
}
