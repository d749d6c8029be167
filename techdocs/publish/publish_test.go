package publish_test

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/techdocs/publish"
)

// fixtureSite is a small built site: two pages, an image, search index and
// metadata, as our builder or techdocs-cli would leave it.
const fixtureSite = "testdata/site"

var (
	paymentRef = callboard.EntityRef{Kind: "Component", Namespace: "default", Name: "Payment-Service"}
	billingRef = callboard.EntityRef{Kind: "API", Namespace: "Finance", Name: "billing"}
)

// backend opens an empty publisher of one storage type.
type backend struct {
	name string
	open func(t *testing.T) publish.Publisher
}

func backends() []backend {
	return []backend{
		{"local", func(t *testing.T) publish.Publisher {
			p, err := publish.NewLocal(filepath.Join(t.TempDir(), "static", "docs"))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"s3", func(t *testing.T) publish.Publisher {
			p, _ := newTestS3(t, nil)
			return p
		}},
	}
}

// TestPublisher runs the one suite against every backend.
func TestPublisher(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			t.Run("PublishAndRead", func(t *testing.T) { t.Parallel(); testPublishAndRead(t, b.open(t)) })
			t.Run("Traversal", func(t *testing.T) { t.Parallel(); testTraversal(t, b.open(t)) })
			t.Run("ListHasDocsDelete", func(t *testing.T) { t.Parallel(); testListHasDocsDelete(t, b.open(t)) })
			t.Run("Republish", func(t *testing.T) { t.Parallel(); testRepublish(t, b.open(t)) })
			t.Run("MetadataCache", func(t *testing.T) { t.Parallel(); testMetadataCache(t, b.open(t)) })
			t.Run("NotASite", func(t *testing.T) { t.Parallel(); testNotASite(t, b.open(t)) })
			t.Run("Progress", func(t *testing.T) { t.Parallel(); testProgress(t, b.open(t)) })
		})
	}
}

func testPublishAndRead(t *testing.T, p publish.Publisher) {
	res := mustPublish(t, p, paymentRef, fixtureSite)
	wantFiles := []string{"assets/images/logo.png", "index.html", "search/search_index.json", "sub/page/index.html", "techdocs_metadata.json"}
	if diff := cmp.Diff(wantFiles, res.Files); diff != "" {
		t.Errorf("Result.Files (-want +got):\n%s", diff)
	}
	if res.ETag != "3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a" {
		t.Errorf("Result.ETag = %q", res.ETag)
	}
	if want := dirSize(t, fixtureSite); res.Bytes != want {
		t.Errorf("Result.Bytes = %d, want %d", res.Bytes, want)
	}

	m := mustMetadata(t, p, paymentRef)
	if m.SiteName != "Payment service" || m.SiteDescription != "How the payment service moves money" {
		t.Errorf("Metadata names = %q, %q", m.SiteName, m.SiteDescription)
	}
	if got, want := m.BuildTime(), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("BuildTime = %v, want %v", got, want)
	}
	if len(m.Files) != 4 || string(m.Extra["repo_url"]) != `"https://github.com/example/payment-service"` {
		t.Errorf("Metadata files/extra = %v, %s", m.Files, m.Extra["repo_url"])
	}

	for _, tc := range []struct{ name, ctype string }{
		{"index.html", "text/html; charset=utf-8"},
		{"/sub/page/index.html", "text/html; charset=utf-8"},
		{"sub//page/./index.html", "text/html; charset=utf-8"},
		{"assets/images/logo.png", "image/png"},
		{"search/search_index.json", "application/json"},
		{"techdocs_metadata.json", "application/json"},
	} {
		body, info := mustOpen(t, p, paymentRef, tc.name)
		want, err := os.ReadFile(filepath.Join(fixtureSite, filepath.FromSlash(strings.TrimPrefix(strings.ReplaceAll(strings.ReplaceAll(tc.name, "//", "/"), "/./", "/"), "/"))))
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != string(want) {
			t.Errorf("Open(%q) body differs from the fixture", tc.name)
		}
		if info.ContentType != tc.ctype {
			t.Errorf("Open(%q).ContentType = %q, want %q", tc.name, info.ContentType, tc.ctype)
		}
		if info.Size != int64(len(want)) || !strings.HasPrefix(info.ETag, `"`) {
			t.Errorf("Open(%q) size %d etag %q", tc.name, info.Size, info.ETag)
		}
	}
	// Refs match whatever their case: the stored triplet is lowercased.
	upper := callboard.EntityRef{Kind: "COMPONENT", Namespace: "Default", Name: "payment-service"}
	if _, info := mustOpen(t, p, upper, "index.html"); info.ContentType == "" {
		t.Error("Open with an upper-case ref found no content type")
	}
	if _, _, err := p.Open(t.Context(), paymentRef, "missing.html"); kindOf(err) != "not_found" {
		t.Errorf("Open(missing.html) error = %v, want not_found", err)
	}
	if _, _, err := p.Open(t.Context(), paymentRef, "sub"); kindOf(err) != "not_found" {
		t.Errorf("Open(a directory) error = %v, want not_found", err)
	}
}

func testTraversal(t *testing.T, p publish.Publisher) {
	mustPublish(t, p, paymentRef, fixtureSite)
	// A second site beside the first: no path may reach it from the first.
	mustPublish(t, p, callboard.EntityRef{Kind: "component", Namespace: "default", Name: "other"}, fixtureSite)
	for _, name := range []string{
		"../../x", "../other/index.html", "sub/../../other/index.html", "..", "../",
		"sub/page/../../../../../../etc/passwd", `..\other\index.html`, "index.html\x00.png", "",
	} {
		rc, _, err := p.Open(t.Context(), paymentRef, name)
		if err == nil {
			rc.Close()
			t.Errorf("Open(%q) succeeded, want refused", name)
			continue
		}
		if k := kindOf(err); k != "invalid" {
			t.Errorf("Open(%q) error kind = %s (%v), want invalid", name, k, err)
		}
	}
	for _, ref := range []callboard.EntityRef{
		{Kind: "..", Namespace: "default", Name: "x"},
		{Kind: "component", Namespace: "default", Name: "a/b"},
		{Kind: "component", Namespace: "default", Name: ""},
	} {
		if _, _, err := p.Open(t.Context(), ref, "index.html"); kindOf(err) != "invalid" {
			t.Errorf("Open(ref %+v) error = %v, want invalid", ref, err)
		}
		if _, err := p.Publish(t.Context(), ref, fixtureSite); kindOf(err) != "invalid" {
			t.Errorf("Publish(ref %+v) error = %v, want invalid", ref, err)
		}
	}
}

func testListHasDocsDelete(t *testing.T, p publish.Publisher) {
	ctx := t.Context()
	if refs, err := p.List(ctx); err != nil || len(refs) != 0 {
		t.Fatalf("List on empty storage = %v, %v", refs, err)
	}
	mustPublish(t, p, paymentRef, fixtureSite)
	mustPublish(t, p, billingRef, fixtureSite)
	refs, err := p.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []callboard.EntityRef{
		{Kind: "component", Namespace: "default", Name: "payment-service"},
		{Kind: "api", Namespace: "finance", Name: "billing"},
	}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	for ref, want := range map[callboard.EntityRef]bool{
		paymentRef: true, billingRef: true,
		{Kind: "component", Namespace: "default", Name: "undocumented"}: false,
	} {
		if got, err := p.HasDocs(ctx, ref); err != nil || got != want {
			t.Errorf("HasDocs(%s) = %v, %v; want %v", ref, got, err, want)
		}
	}

	if err := p.Delete(ctx, billingRef); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, billingRef); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
	if got, _ := p.HasDocs(ctx, billingRef); got {
		t.Error("HasDocs after Delete = true")
	}
	if _, err := p.Metadata(ctx, billingRef); kindOf(err) != "not_found" {
		t.Errorf("Metadata after Delete error = %v, want not_found", err)
	}
	if _, _, err := p.Open(ctx, billingRef, "index.html"); kindOf(err) != "not_found" {
		t.Errorf("Open after Delete error = %v, want not_found", err)
	}
	if refs, _ := p.List(ctx); len(refs) != 1 || refs[0].Name != "payment-service" {
		t.Errorf("List after Delete = %v", refs)
	}
}

func testRepublish(t *testing.T, p publish.Publisher) {
	mustPublish(t, p, paymentRef, fixtureSite)
	mustMetadata(t, p, paymentRef) // fill the cache
	v2 := writeSite(t, map[string]string{
		"index.html":        "<h1>Payment service v2</h1>",
		"new/page.html":     "<p>new</p>",
		"assets/site.css":   "body{}",
		"search/search.txt": "x",
	}, "v2-sha")
	res := mustPublish(t, p, paymentRef, v2)
	// The fixture's logo, sub page and search index are gone.
	if res.Removed != 3 {
		t.Errorf("Removed = %d, want 3", res.Removed)
	}
	for _, gone := range []string{"sub/page/index.html", "assets/images/logo.png", "search/search_index.json"} {
		if _, _, err := p.Open(t.Context(), paymentRef, gone); kindOf(err) != "not_found" {
			t.Errorf("Open(%s) after republish error = %v, want not_found", gone, err)
		}
	}
	if body, info := mustOpen(t, p, paymentRef, "assets/site.css"); string(body) != "body{}" || info.ContentType != "text/css; charset=utf-8" {
		t.Errorf("new file = %q, %q", body, info.ContentType)
	}
	if body, _ := mustOpen(t, p, paymentRef, "index.html"); string(body) != "<h1>Payment service v2</h1>" {
		t.Errorf("index.html after republish = %q", body)
	}
	if m := mustMetadata(t, p, paymentRef); m.ETag != "v2-sha" || m.SiteName != "v2" {
		t.Errorf("Metadata after republish = %+v", m)
	}
}

func testMetadataCache(t *testing.T, p publish.Publisher) {
	mustPublish(t, p, paymentRef, fixtureSite)
	a := mustMetadata(t, p, paymentRef)
	a.SiteName = "changed by a caller"
	a.Files[0] = "changed"
	b := mustMetadata(t, p, paymentRef)
	if b.SiteName != "Payment service" || b.Files[0] != "index.html" || b.ETag != a.ETag {
		t.Errorf("cached metadata was changed through a returned value: %+v", b)
	}
}

func testNotASite(t *testing.T, p publish.Publisher) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "missing"), filepath.Join(dir, "index.html")} {
		if _, err := p.Publish(t.Context(), paymentRef, d); kindOf(err) != "invalid" {
			t.Errorf("Publish(%s) error = %v, want invalid", d, err)
		}
	}
	if refs, _ := p.List(t.Context()); len(refs) != 0 {
		t.Errorf("List after refused publishes = %v", refs)
	}
}

func testProgress(t *testing.T, p publish.Publisher) {
	var calls []string
	ctx := publish.WithProgress(t.Context(), func(done, total int, name string, size int64) {
		if total != 5 || done != len(calls)+1 {
			t.Errorf("progress(%d, %d, %s)", done, total, name)
		}
		calls = append(calls, name)
	})
	if _, err := p.Publish(ctx, paymentRef, fixtureSite); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 5 || calls[4] != publish.MetadataFile {
		t.Errorf("progress calls = %v, want 5 ending with the metadata", calls)
	}
}

func TestLocalLayout(t *testing.T) {
	dir := t.TempDir()
	p, err := publish.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustPublish(t, p, paymentRef, fixtureSite)
	if _, err := os.Stat(filepath.Join(dir, "default", "component", "payment-service", "sub", "page", "index.html")); err != nil {
		t.Error(err)
	}
	legacy, err := publish.New(t.Context(), publish.Config{Type: "local", Local: publish.LocalConfig{PublishDirectory: dir}, LegacyUseCaseSensitiveTripletPaths: true})
	if err != nil {
		t.Fatal(err)
	}
	mustPublish(t, legacy, paymentRef, fixtureSite)
	if _, err := os.Stat(filepath.Join(dir, "default", "Component", "Payment-Service", "index.html")); err != nil {
		t.Errorf("legacy case-sensitive layout: %v", err)
	}
	// No work directories are left beside the sites.
	entries, _ := os.ReadDir(filepath.Join(dir, "default", "component"))
	if len(entries) != 1 {
		t.Errorf("default/component holds %d entries, want 1", len(entries))
	}
}

// TestLocalSymlinkEscape checks that a symlink planted in a site cannot
// serve a file outside it.
func TestLocalSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	p, err := publish.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustPublish(t, p, paymentRef, fixtureSite)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "default", "component", "payment-service", "leak.html")); err != nil {
		t.Fatal(err)
	}
	if rc, _, err := p.Open(t.Context(), paymentRef, "leak.html"); err == nil {
		rc.Close()
		t.Error("Open through a symlink out of the site succeeded")
	}
}

func TestNew(t *testing.T) {
	if _, err := publish.New(t.Context(), publish.Config{Type: "googleGcs"}); kindOf(err) != "invalid" {
		t.Errorf("New(googleGcs) error = %v, want invalid", err)
	}
	if _, err := publish.New(t.Context(), publish.Config{Type: "local"}); kindOf(err) != "invalid" {
		t.Errorf("New(local without directory) error = %v, want invalid", err)
	}
	p, err := publish.New(t.Context(), publish.Config{Type: "awsS3", AWSS3: publish.S3Config{BucketName: "b", Region: "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*publish.S3); !ok {
		t.Errorf("New(awsS3) = %T", p)
	}
}

func mustPublish(t *testing.T, p publish.Publisher, ref callboard.EntityRef, dir string) publish.Result {
	t.Helper()
	res, err := p.Publish(t.Context(), ref, dir)
	if err != nil {
		t.Fatalf("Publish(%s, %s): %v", ref, dir, err)
	}
	return res
}

func mustMetadata(t *testing.T, p publish.Publisher, ref callboard.EntityRef) *publish.Metadata {
	t.Helper()
	m, err := p.Metadata(t.Context(), ref)
	if err != nil {
		t.Fatalf("Metadata(%s): %v", ref, err)
	}
	return m
}

func mustOpen(t *testing.T, p publish.Publisher, ref callboard.EntityRef, name string) ([]byte, publish.ContentInfo) {
	t.Helper()
	rc, info, err := p.Open(t.Context(), ref, name)
	if err != nil {
		t.Fatalf("Open(%s, %q): %v", ref, name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b, info
}

// writeSite writes a site of the given files plus a techdocs_metadata.json
// whose site_name is "v2" and etag is etag.
func writeSite(t *testing.T, files map[string]string, etag string) string {
	t.Helper()
	dir := t.TempDir()
	meta, _ := json.Marshal(map[string]any{"site_name": "v2", "etag": etag, "build_timestamp": time.Now().UnixMilli()})
	files[publish.MetadataFile] = string(meta)
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func kindOf(err error) string {
	if err == nil {
		return "nil"
	}
	return string(callboard.ErrorKind(err))
}
