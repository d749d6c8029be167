package catalog_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/urlread"
)

// TestURLLocation reads a Location and its targets over HTTP, with a
// relative $text placeholder, and keeps the last good definition when the
// placeholder's server starts failing.
func TestURLLocation(t *testing.T) {
	var failing atomic.Bool
	files := map[string]string{
		"/repo/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: repo}\nspec:\n  targets: [./api.yaml]\n",
		"/repo/api.yaml": "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: pay-api}\n" +
			"spec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml\n",
		"/repo/openapi.yaml": "openapi: 3.0.3\n",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok || (failing.Load() && strings.HasSuffix(r.URL.Path, "openapi.yaml")) {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	c := newTestCatalog(t, catalog.Options{Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules(u.Host)}}})
	_, _, _, err := c.AddLocation(t.Context(), "url", srv.URL+"/repo/catalog-info.yaml", false)
	if err != nil {
		t.Fatal(err)
	}
	e := mustEntity(t, c, "api:pay-api")
	if got := e.SpecString("definition"); got != "openapi: 3.0.3\n" {
		t.Errorf("definition = %q", got)
	}
	if got, want := e.Annotation(callboard.AnnotationManagedByLocation), "url:"+srv.URL+"/repo/api.yaml"; got != want {
		t.Errorf("managed-by-location = %q, want %q", got, want)
	}
	if got := e.Annotation(callboard.AnnotationSourceLocation); got != "url:"+srv.URL+"/repo/" {
		t.Errorf("source-location = %q", got)
	}

	failing.Store(true)
	files["/repo/api.yaml"] = strings.Replace(files["/repo/api.yaml"], "production", "deprecated", 1)
	if err := c.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	e = mustEntity(t, c, "api:pay-api")
	if e.SpecString("lifecycle") != "deprecated" || e.SpecString("definition") != "openapi: 3.0.3\n" {
		t.Errorf("lifecycle %q definition %q: want the new lifecycle and the last good definition", e.SpecString("lifecycle"), e.SpecString("definition"))
	}
	if msg := statusMessages(e); !strings.Contains(msg, "spec.definition") {
		t.Errorf("status = %q, want the placeholder failure on spec.definition", msg)
	}

	// A host that is not allowed is refused with a message saying what to do.
	_, _, _, err = c.AddLocation(t.Context(), "url", "https://example.invalid/catalog-info.yaml", false)
	if err != nil {
		t.Fatal(err)
	}
	root := mustEntity(t, c, "location:generated-"+sha1Hex("url:https://example.invalid/catalog-info.yaml"))
	if msg := statusMessages(root); !strings.Contains(msg, "backend.reading.allow") {
		t.Errorf("root status = %q, want advice about backend.reading.allow", msg)
	}
}
