package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDocsGenerate(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runDocs(t.Context(), []string{"generate", "--source-dir", filepath.Join("..", "techdocs", "testdata", "fulltree"), "--output-dir", out, "--no-docker", "--etag", "abc"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runDocs: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "built 5 pages in ") || !strings.Contains(stdout.String(), "warnings") {
		t.Errorf("stdout = %q, want the summary", stdout.String())
	}
	if !strings.Contains(stderr.String(), "docs/index.md:12: link \"nope.md\"") {
		t.Errorf("stderr lacks file:line warnings:\n%s", stderr.String())
	}
	var meta struct {
		SiteName string   `json:"site_name"`
		Etag     string   `json:"etag"`
		Files    []string `json:"files"`
	}
	b, err := os.ReadFile(filepath.Join(out, "techdocs_metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.SiteName != "Full Tree" || meta.Etag != "abc" || len(meta.Files) == 0 {
		t.Errorf("metadata = %s (%v)", b, err)
	}
}

func TestDocsGenerateErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "no config", args: []string{"generate", "--source-dir", t.TempDir(), "--output-dir", t.TempDir()}},
		{name: "unknown subcommand", args: []string{"frobnicate"}},
		{name: "stray argument", args: []string{"generate", "extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := runDocs(t.Context(), tc.args, io.Discard, io.Discard); err == nil {
				t.Errorf("runDocs(%v) succeeded", tc.args)
			}
		})
	}
}

func TestDocsServeRebuildsAndReloads(t *testing.T) {
	src := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(src, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mkdocs.yml", "site_name: Preview\n")
	write("docs/index.md", "# First version\n\n![logo](logo.png)\n")
	write("docs/logo.png", "PNG")
	write("docs/guide.md", "# Guide\n")

	p := newDocsPreview(src, io.Discard)
	p.rebuild()
	srv := httptest.NewServer(p)
	defer srv.Close()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/")
	if code != 200 || !strings.Contains(body, "First version") || !strings.Contains(body, etagPath) {
		t.Fatalf("GET / = %d:\n%s", code, body)
	}
	if code, body := get("/guide/"); code != 200 || !strings.Contains(body, "Guide") {
		t.Errorf("GET /guide/ = %d", code)
	} else if !strings.Contains(body, `href="../assets/stylesheets/callboard.css"`) {
		t.Errorf("page does not link the stylesheet relatively")
	}
	if code, _ := get("/assets/stylesheets/callboard.css"); code != 200 {
		t.Errorf("stylesheet: %d", code)
	}
	if code, body := get("/logo.png"); code != 200 || body != "PNG" {
		t.Errorf("asset: %d %q", code, body)
	}
	if code, _ := get("/../mkdocs.yml"); code != 404 {
		t.Errorf("file outside docs served: %d", code)
	}
	_, tag1 := get(etagPath)

	if p.poll() {
		t.Errorf("poll rebuilt without a change")
	}
	time.Sleep(10 * time.Millisecond) // a distinct mtime on coarse clocks
	write("docs/index.md", "# Second version\n")
	if !p.poll() {
		t.Fatalf("poll did not notice the change")
	}
	_, tag2 := get(etagPath)
	if tag1 == tag2 {
		t.Errorf("etag did not change after a rebuild: %s", tag1)
	}
	if _, body := get("/"); !strings.Contains(body, "Second version") {
		t.Errorf("page not rebuilt:\n%s", body)
	}

	write("mkdocs.yml", "site_name: [broken\n")
	p.poll()
	if code, body := get("/"); code != 500 || !strings.Contains(body, "Build failed") || !strings.Contains(body, etagPath) {
		t.Errorf("broken config: %d\n%s", code, body)
	}
}
