package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"callboard/techdocs/docsync"
)

// TestBrowserDocs reads docs as a user would in real Chromium: open
// payment-service, its Docs tab, a second page through the nav, then search
// the site; screenshots of each step and of the Docs index go to
// test-artifacts/docs-*.png.
func TestBrowserDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	b := newReaderServer(t, docsync.BuilderLocal)
	u := b.srv.URL
	dir := artifacts(t)
	shot := func(name string) {
		t.Helper()
		png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, "docs-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	step(t, ctx, "entity page",
		chromedp.EmulateViewport(1440, 900),
		colorScheme("light"),
		chromedp.Navigate(u+"/catalog/default/component/payment-service"),
		chromedp.WaitVisible(css(".entity-head h1")),
	)
	step(t, ctx, "docs tab",
		chromedp.Click(css(`.tabs a[href$="/docs"]`)),
		chromedp.WaitVisible(css(`.tabs a[href$="/docs"][aria-current]`)),
		// Within the entity page the article's h1 is an h2: one h1 a page.
		chromedp.WaitVisible(css(`.docs-reader .docs-article h2[data-level="1"]`)),
	)
	if text := get(t, ctx, "tab text", chromedp.Text(css(".docs-article"))); !strings.Contains(text, "payment-service") {
		t.Errorf("Docs tab article = %.200q, want the home page", text)
	}
	shot("tab-light-desktop")

	step(t, ctx, "second page via nav",
		chromedp.Click(css(`.docs-nav a[href="/docs/default/component/payment-service/runbook/"]`)),
		chromedp.WaitVisible(css(`.docs-nav a[aria-current="page"][href$="/runbook/"]`)),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/docs/default/component/payment-service/runbook/") {
		t.Errorf("after the nav click, URL = %s", loc)
	}
	if text := get(t, ctx, "page", chromedp.Text(css(".docs-article h1"))); !strings.Contains(text, "Runbook") && !strings.Contains(text, "运维") {
		t.Errorf("runbook title = %q", text)
	}
	shot("page-light-desktop")

	step(t, ctx, "search",
		chromedp.SendKeys(css("#docs-search-q"), "outbox"+kb.Enter),
		chromedp.WaitVisible(css(".docs-hits li mark")),
	)
	if text := get(t, ctx, "hits", chromedp.Text(css(".docs-hits"))); !strings.Contains(text, "OutboxLagHigh") {
		t.Errorf("search hits = %.300q, want the runbook's OutboxLagHigh alert", text)
	}
	shot("search-light-desktop")
	step(t, ctx, "follow a hit",
		chromedp.Click(css(".docs-hits li a")),
		chromedp.WaitVisible(css(`.docs-nav a[aria-current="page"]`)),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.Contains(loc, "/runbook/#") {
		t.Errorf("after the hit, URL = %s", loc)
	}

	shootPages(t, ctx, u, dir, "docs-", []shotPage{
		{"index", "/docs", "table.docs-list"},
		{"extensions", "/docs/default/component/fulltree-service/extensions/", ".docs-article"},
		{"setup", "/docs/default/component/fulltree-service/guide/setup/", ".docs-article"},
		{"reader", "/docs/default/component/payment-service/", ".docs-article"},
	})
}
