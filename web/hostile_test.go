package web_test

import (
	"net/http"
	"strings"
	"testing"

	"callboard/web"
)

// TestHostileInputNeverFails500 sends malformed and oversized requests:
// each gets a 4xx with Backstage's error body, never a 500 or a panic.
func TestHostileInputNeverFails500(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 2)
	gets := []string{
		"/api/catalog/entities/by-name/%00/%ff/..",
		"/api/catalog/entities/by-query?filter=" + strings.Repeat("a,", 5000) + "=x",
		"/api/catalog/entities/by-query?limit=-1",
		"/api/catalog/entities/by-query?limit=abc",
		"/api/catalog/entities/by-query?orderField=metadata.name,sideways",
		"/api/catalog/entities/by-query?cursor=" + strings.Repeat("A", 10000),
		"/api/catalog/entity-facets",
		"/api/catalog/entities/by-uid/does-not-exist",
		"/api/catalog/locations/nope",
		"/api/catalog/no-such-route",
	}
	for _, p := range gets {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("GET %.80s: status %d, want 4xx", p, resp.StatusCode)
		}
	}
	posts := []struct{ path, body string }{
		{"/api/catalog/entities/by-refs", "{not json"},
		{"/api/catalog/entities/by-refs", `{"entityRefs": ["::", "a:b/c/d", "` + strings.Repeat("x", 100000) + `"]}`},
		{"/api/catalog/locations", `{"type": "ftp", "target": "x"}`},
		{"/api/catalog/locations", `{"type": "url", "target": ""}`},
		{"/api/catalog/refresh", `{"entityRef": "component:"}`},
		{"/api/catalog/validate-entity", `{"entity": [1,2], "location": "url:x"}`},
		{"/api/catalog/analyze-location", `{"location": {"type": "url", "target": "not a url"}}`},
		{"/api/catalog/entities/by-refs", `{"entityRefs": ["` + strings.Repeat("y", 5<<20) + `"]}`},
	}
	for _, p := range posts {
		resp, err := http.Post(srv.URL+p.path, "application/json", strings.NewReader(p.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if p.path == "/api/catalog/entities/by-refs" && resp.StatusCode == 200 && len(p.body) < 200000 {
			continue // unknown refs are null items, which is a valid answer
		}
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("POST %s %.40s: status %d, want 4xx", p.path, p.body, resp.StatusCode)
		}
	}
}

// TestCrossOriginWriteRefused: a page on another site cannot register a
// location through a simple POST, even in dev mode.
func TestCrossOriginWriteRefused(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 1)
	req, _ := http.NewRequest("POST", srv.URL+"/api/catalog/locations", strings.NewReader(`{"type":"file","target":"/etc/hostname"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", resp.StatusCode)
	}
}
