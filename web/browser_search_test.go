package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"callboard"
	"callboard/search"
	"callboard/store/storetest"
	"callboard/techdocs"
	"callboard/techdocs/docsync"
	"callboard/web"
)

// syncerDocs reads published sites through the syncer, as serve's
// adapter does.
type syncerDocs struct{ s *docsync.Syncer }

func (d syncerDocs) Version(ctx context.Context, ref callboard.EntityRef) (string, error) {
	m, err := d.s.Metadata(ctx, ref)
	if err != nil {
		return "", err
	}
	return m.ETag + "@" + strconv.FormatInt(m.BuildTimestamp, 10), nil
}

func (d syncerDocs) Index(ctx context.Context, ref callboard.EntityRef) (io.ReadCloser, error) {
	b, _, err := d.s.Open(ctx, ref, techdocs.SearchIndexFile)
	return b, err
}

// TestBrowserSearch searches the demo catalog and its built docs in real
// Chromium: the header's type-ahead, the search page with marked
// snippets, a facet, a Chinese display name; screenshots go to
// test-artifacts/search-*.png.
func TestBrowserSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	b := newReaderServer(t, docsync.BuilderLocal)
	svc := search.New(search.Options{Store: storetest.Open(t), Catalog: b.cat, Docs: syncerDocs{b.syncer}})
	if _, err := svc.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), b.cat, web.Options{Dev: true, Docs: b.syncer, Search: svc}))
	t.Cleanup(srv.Close)
	ctx := newBrowser(t)
	dir := artifacts(t)
	shot := func(name string) {
		t.Helper()
		png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, "search-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step(t, ctx, "type in the header",
		chromedp.EmulateViewport(1440, 900),
		colorScheme("light"),
		chromedp.Navigate(srv.URL+"/catalog"),
		chromedp.SendKeys(css("#top-q"), "payment"),
		chromedp.WaitVisible(css("#top-q-list .ta-item mark")),
	)
	if text := get(t, ctx, "suggestions", chromedp.Text(css("#top-q-list"))); !strings.Contains(text, "payment-service") {
		t.Errorf("type-ahead = %.300q, want payment-service", text)
	}
	shot("typeahead")
	step(t, ctx, "submit",
		chromedp.SendKeys(css("#top-q"), kb.Enter),
		chromedp.WaitVisible(css(".hits .hit mark")),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.Contains(loc, "/search?query=payment") {
		t.Errorf("after Enter, URL = %s", loc)
	}
	if first := get(t, ctx, "first hit", chromedp.AttributeValue(css(".hits .hit .hit-title"), "href")); !strings.Contains(first.Value, "/payment") {
		t.Errorf("first hit = %q, want a payment entity", first.Value)
	}
	shot("page")
	step(t, ctx, "docs facet",
		chromedp.Click(css(`input[name="types"][value="techdocs"]`)),
		chromedp.WaitVisible(css(`label.fv.on input[value="techdocs"]`)),
		chromedp.WaitVisible(css(".hits .hit")),
	)
	chips := get(t, ctx, "types", chromedp.Text(css(".hits")))
	if strings.Contains(chips, "Catalog") || !strings.Contains(chips, "Documentation") {
		t.Errorf("with the docs facet, hits = %.300q", chips)
	}
	shot("docs")
	step(t, ctx, "chinese name",
		chromedp.Navigate(srv.URL+"/search?query="+"张伟"),
		chromedp.WaitVisible(css(".hits .hit mark")),
	)
	if href := get(t, ctx, "first link", chromedp.AttributeValue(css(".hits .hit .hit-title"), "href")); href.Value != "/catalog/default/user/zhang.wei" {
		t.Errorf("张伟: first hit %s, want zhang.wei", href.Value)
	}
	shot("chinese")
	step(t, ctx, "dark, phone",
		chromedp.EmulateViewport(390, 844),
		colorScheme("dark"),
		chromedp.Navigate(srv.URL+"/search?query=runbook"),
		chromedp.WaitVisible(css(".hits .hit")),
	)
	shot("phone-dark")
}
