package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"callboard/web"
)

// TestBrowserScriptLinks renders an entity whose links use javascript:,
// data: and vbscript: in Chromium: no anchor of the page has such an
// address (or html/template's #ZgotmplZ), the addresses show as text, and
// the warning banner is visible. Screenshots go to test-artifacts/links-*.
func TestBrowserScriptLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _, _ := newFileServer(t, web.Options{Dev: true}, scriptLinksYAML)
	page := srv.URL + "/catalog/default/component/links"
	step(t, ctx, "open the entity page", chromedp.Navigate(page), chromedp.WaitVisible(css("ul.links")))

	hrefs := get(t, ctx, "read the anchors", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href").trim())`))
	for _, h := range hrefs {
		l := strings.ToLower(h)
		if strings.HasPrefix(l, "javascript:") || strings.HasPrefix(l, "data:") || strings.HasPrefix(l, "vbscript:") || strings.Contains(l, "zgotmplz") {
			t.Errorf("the page has an anchor to %s", h)
		}
	}
	texts := get(t, ctx, "read the addresses shown as text", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("ul.links .nolink")].map(e => e.innerText)`))
	if len(texts) != 3 || !strings.Contains(texts[0], "javascript:alert(document.cookie)") {
		t.Errorf("addresses shown as text: %q; want the 3 refused links", texts)
	}
	warning := get(t, ctx, "read the warning banner", chromedp.Text(css(".banner.warn")))
	if !strings.Contains(warning, "metadata.links[1].url: scheme javascript: is not shown as a link") {
		t.Errorf("warning banner says %q", warning)
	}
	shootPages(t, ctx, srv.URL, artifacts(t), "links-", []shotPage{{"entity", "/catalog/default/component/links", "ul.links"}})
}
