package web_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/store/storetest"
	"callboard/techdocs/publish"
	"callboard/web"
)

const docsCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-service
  annotations:
    backstage.io/techdocs-ref: dir:./docs-src
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: remote-docs
  annotations:
    backstage.io/techdocs-ref: url:https://github.com/example/remote/tree/main
    backstage.io/source-location: url:https://github.com/example/remote/tree/main/
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: undocumented}
spec: {type: service, lifecycle: production, owner: team-a}
`

// newDocsServer serves a catalog of three components, payment-service's
// docs published from the publish package's fixture site with the Local
// publisher.
func newDocsServer(t *testing.T, edit func(*web.Options)) (*httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	catFile := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(catFile, []byte(docsCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(storetest.Open(t), catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: catFile}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "Location"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	docs, err := publish.NewLocal(filepath.Join(dir, "published"))
	if err != nil {
		t.Fatal(err)
	}
	ref := callboard.EntityRef{Kind: "Component", Namespace: "default", Name: "payment-service"}
	if _, err := docs.Publish(t.Context(), ref, "../techdocs/publish/testdata/site"); err != nil {
		t.Fatal(err)
	}
	// docsToken authenticates the sync calls, which are writes.
	opts := web.Options{Docs: docs, Tokens: map[string]string{docsToken: "docs-tests"}}
	if edit != nil {
		edit(&opts)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, opts))
	t.Cleanup(srv.Close)
	return srv, dir
}

const td = "/api/techdocs"

func TestDocsMetadata(t *testing.T) {
	srv, _ := newDocsServer(t, nil)
	var m map[string]any
	mustGetWith(t, srv, td+"/metadata/techdocs/default/Component/payment-service", docsToken, http.StatusOK, &m)
	if m["site_name"] != "Payment service" || m["etag"] != "3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a" ||
		m["build_timestamp"] != 1735689600000.0 || m["repo_url"] != "https://github.com/example/payment-service" {
		t.Errorf("metadata = %v", m)
	}
	var e struct {
		Error struct{ Name, Message string }
	}
	mustGetWith(t, srv, td+"/metadata/techdocs/default/component/undocumented", docsToken, http.StatusNotFound, &e)
	if e.Error.Name != "NotFoundError" || !strings.HasPrefix(e.Error.Message, "Unable to get metadata for 'component:default/undocumented'") {
		t.Errorf("error = %+v", e.Error)
	}
	// Docs are served for catalog entities only, as in Backstage.
	mustGetWith(t, srv, td+"/metadata/techdocs/default/component/not-in-catalog", docsToken, http.StatusNotFound, nil)
}

func TestDocsEntityMetadata(t *testing.T) {
	srv, dir := newDocsServer(t, nil)
	var got struct {
		Kind     string
		Metadata struct{ Name string }
		Location struct{ Type, Target string } `json:"locationMetadata"`
	}
	mustGetWith(t, srv, td+"/metadata/entity/default/component/payment-service", docsToken, http.StatusOK, &got)
	if got.Kind != "Component" || got.Metadata.Name != "payment-service" ||
		got.Location.Type != "dir" || got.Location.Target != filepath.Join(dir, "docs-src") {
		t.Errorf("entity metadata = %+v", got)
	}
	mustGetWith(t, srv, td+"/metadata/entity/default/component/remote-docs", docsToken, http.StatusOK, &got)
	if got.Location.Type != "url" || got.Location.Target != "https://github.com/example/remote/tree/main" {
		t.Errorf("url locationMetadata = %+v", got.Location)
	}
	// No techdocs-ref: Backstage answers NotFound.
	mustGetWith(t, srv, td+"/metadata/entity/default/component/undocumented", docsToken, http.StatusNotFound, nil)
}

func TestDocsStatic(t *testing.T) {
	srv, _ := newDocsServer(t, nil)
	base := srv.URL + td + "/static/docs/default/component/payment-service/"
	for _, tc := range []struct{ path, ctype, contains string }{
		{"index.html", "text/html; charset=utf-8", "<h1>Payment service</h1>"},
		{"", "text/html; charset=utf-8", "<h1>Payment service</h1>"},
		{"sub/page/", "text/html; charset=utf-8", "<h1>Sub page</h1>"},
		{"sub/page", "text/html; charset=utf-8", "<h1>Sub page</h1>"},
		{"assets/images/logo.png", "image/png", "PNG"},
		{"search/search_index.json", "application/json", `"location":"sub/page/"`},
	} {
		resp, body := docsGet(t, base+tc.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d: %s", tc.path, resp.StatusCode, body)
			continue
		}
		h := resp.Header
		if h.Get("Content-Type") != tc.ctype || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s: Content-Type %q, body %.80q", tc.path, h.Get("Content-Type"), body)
		}
		if h.Get("Content-Security-Policy") != "sandbox" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: CSP %q, X-Content-Type-Options %q", tc.path, h.Get("Content-Security-Policy"), h.Get("X-Content-Type-Options"))
		}
		etag := h.Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", tc.path)
			continue
		}
		for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
			resp, body := docsGet(t, base+tc.path, http.Header{"If-None-Match": {inm}})
			if resp.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("GET %s with If-None-Match %s: status %d, body %q; want 304", tc.path, inm, resp.StatusCode, body)
			}
		}
		if resp, _ := docsGet(t, base+tc.path, http.Header{"If-None-Match": {`"stale"`}}); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a stale ETag: status %d, want 200", tc.path, resp.StatusCode)
		}
	}
	for path, want := range map[string]int{
		"missing.html":                     http.StatusNotFound,
		"..%2F..%2Fremote-docs/index.html": http.StatusBadRequest,
		"sub%2F..%2F..%2F..%2Fx":           http.StatusBadRequest,
		"%2e%2e/%2e%2e/x":                  http.StatusBadRequest,
	} {
		if resp, body := docsGet(t, base+path, nil); resp.StatusCode != want {
			t.Errorf("GET %s: status %d, want %d: %s", path, resp.StatusCode, want, body)
		}
	}
	// Unknown entities and undocumented ones are both NotFound.
	for _, p := range []string{"/static/docs/default/component/ghost/index.html", "/static/docs/default/component/undocumented/index.html"} {
		if resp, _ := docsGet(t, srv.URL+td+p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestDocsNoPublisher(t *testing.T) {
	srv, _ := newDocsServer(t, func(o *web.Options) { o.Docs = nil })
	mustGetWith(t, srv, td+"/metadata/techdocs/default/component/payment-service", docsToken, http.StatusNotFound, nil)
	mustGetWith(t, srv, td+"/static/docs/default/component/payment-service/index.html", docsToken, http.StatusNotFound, nil)
}

func TestDocsSync(t *testing.T) {
	t.Run("external builder", func(t *testing.T) {
		srv, _ := newDocsServer(t, nil)
		if resp, _ := docsGet(t, srv.URL+td+"/sync/default/component/payment-service", nil); resp.StatusCode != http.StatusNotModified {
			t.Errorf("sync status = %d, want 304", resp.StatusCode)
		}
		events := syncEvents(t, srv.URL+td+"/sync/default/component/payment-service")
		if want := []string{`finish {"updated":false}`}; strings.Join(events, "|") != strings.Join(want, "|") {
			t.Errorf("events = %q, want %q", events, want)
		}
		if resp, _ := docsGet(t, srv.URL+td+"/sync/default/component/ghost", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("sync of a missing entity: %d, want 404", resp.StatusCode)
		}
		if resp, _ := docsGet(t, srv.URL+td+"/sync/default/component/payment-service", http.Header{"Authorization": {""}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("sync without a token: %d, want 401 (it is a write)", resp.StatusCode)
		}
		if resp, _ := docsGet(t, srv.URL+td+"/sync/default/component/payment-service", http.Header{"Sec-Fetch-Site": {"cross-site"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("sync requested by another site: %d, want 403", resp.StatusCode)
		}
	})
	t.Run("local builder", func(t *testing.T) {
		var got []callboard.EntityRef
		srv, _ := newDocsServer(t, func(o *web.Options) {
			o.DocsSync = func(ctx context.Context, ref callboard.EntityRef) (bool, error) {
				got = append(got, ref)
				if ref.Name == "remote-docs" {
					return false, callboard.Errorf(callboard.Upstream, "cannot fetch docs source")
				}
				return true, nil
			}
		})
		resp, body := docsGet(t, srv.URL+td+"/sync/default/component/payment-service", nil)
		if resp.StatusCode != http.StatusCreated || !strings.Contains(body, "Docs updated") {
			t.Errorf("sync = %d %s, want 201", resp.StatusCode, body)
		}
		if events := syncEvents(t, srv.URL+td+"/sync/default/component/payment-service"); len(events) != 1 || events[0] != `finish {"updated":true}` {
			t.Errorf("events = %q", events)
		}
		if events := syncEvents(t, srv.URL+td+"/sync/default/component/remote-docs"); len(events) != 1 || events[0] != `error "cannot fetch docs source"` {
			t.Errorf("error events = %q", events)
		}
		if len(got) != 3 || got[0].Name != "payment-service" || got[0].Kind != "Component" {
			t.Errorf("DocsSync calls = %v", got)
		}
	})
}

// syncEvents reads a /sync event stream to its end as "event data" lines.
func syncEvents(t *testing.T, url string) []string {
	t.Helper()
	resp, _ := getStream(t, url, http.Header{"Accept": {"text/event-stream"}})
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var events []string
	var event string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
		} else if v, ok := strings.CutPrefix(line, "data: "); ok {
			events = append(events, event+" "+v)
		}
	}
	return events
}

func docsGet(t *testing.T, url string, h http.Header) (*http.Response, string) {
	t.Helper()
	resp, _ := getStream(t, url, h)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

const docsToken = "docs-test-token"

func getStream(t *testing.T, url string, h http.Header) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+docsToken)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return resp, err
}
