package web_test

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"callboard"
	"callboard/catalog"
	"callboard/store/storetest"
	"callboard/techdocs"
	"callboard/techdocs/docsync"
	"callboard/techdocs/publish"
	"callboard/web"
)

// newParityReader serves parity-service, whose docs are
// techdocs/testdata/parity (nested lists, code, iframes, monorepo
// sub-sites), built and published by a syncer with sanitizer san.
func newParityReader(t testing.TB, san *techdocs.Sanitizer) *httptest.Server {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "parity")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "techdocs", "testdata", "parity"))); err != nil {
		t.Fatal(err)
	}
	desc := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: parity-service\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n" +
		"spec:\n  type: service\n  lifecycle: production\n  owner: group:payments-team\n"
	if err := os.WriteFile(filepath.Join(dir, "catalog-info.yaml"), []byte(desc), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(storetest.Open(t), catalog.Options{
		Locations: []catalog.StaticLocation{{Type: catalog.TypeFile, Target: filepath.Join(dir, "catalog-info.yaml")}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "Location"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	pub, err := publish.NewLocal(filepath.Join(t.TempDir(), "published"))
	if err != nil {
		t.Fatal(err)
	}
	ref := callboard.EntityRef{Kind: "Component", Namespace: "default", Name: "parity-service"}
	syncer, err := docsync.New(docsync.Options{
		Publisher: pub,
		Open:      func(ctx context.Context, src docsync.Source) (fs.FS, error) { return os.DirFS(src.Dir), nil },
		Entity:    cat.Entity,
		Entities: func(ctx context.Context) ([]*callboard.Entity, error) {
			e, err := cat.Entity(ctx, ref)
			return []*callboard.Entity{e}, err
		},
		Sanitizer: san,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.Sync(t.Context(), ref); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat,
		web.Options{Dev: true, Docs: syncer, DocsSync: syncer.Sync, Plugins: mustEnable(t, web.DocsPlugin(syncer))}))
	t.Cleanup(srv.Close)
	return srv
}

// TestDocsReaderParity: the reader links the previous and next pages in
// nav order (across the monorepo sub-sites), keeps iframes only from
// techdocs.sanitizer.allowedIframeHosts, and shows a sub-site's page with
// its nav title as h1.
func TestDocsReaderParity(t *testing.T) {
	srv := newParityReader(t, techdocs.NewSanitizer([]string{"www.youtube.com"}, nil))
	const base = "/docs/default/component/parity-service/"
	page := func(p string) string {
		t.Helper()
		resp, body := do(t, srv, "GET", base+p, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		return string(body)
	}
	lists := page("lists/")
	for _, want := range []string{
		`<a class="docs-pager-prev" href="/docs/default/component/parity-service/" rel="prev">`,
		`<span class="docs-pager-title">Home</span>`,
		`<a class="docs-pager-next" href="/docs/default/component/parity-service/plain/" rel="next">`,
		`<span class="docs-pager-title">No heading</span>`,
		"<li>Second level\n<ol>\n<li>Third level</li>",
	} {
		if !strings.Contains(lists, want) {
			t.Errorf("lists page lacks %q", want)
		}
	}
	home := page("")
	if strings.Contains(home, "docs-pager-prev") || !strings.Contains(home, `href="/docs/default/component/parity-service/lists/" rel="next"`) {
		t.Errorf("home pager wrong")
	}
	// The last page of the payments sub-site leads into the ledger's.
	api := page("services/payments/api/")
	for _, want := range []string{"<h1>API</h1>", `href="/docs/default/component/parity-service/ledger/" rel="next"`,
		`href="/docs/default/component/parity-service/services/payments/" rel="prev"`} {
		if !strings.Contains(api, want) {
			t.Errorf("api page lacks %q", want)
		}
	}
	embeds := page("embeds/")
	if !strings.Contains(embeds, `<iframe src="https://www.youtube.com/embed/abc"`) || strings.Contains(embeds, "evil.example") {
		t.Errorf("iframes not filtered by the allowed hosts")
	}
	// The pages' CSP lets the browser load the allowed hosts' frames.
	resp, _ := do(t, srv, "GET", base+"embeds/", "", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "; frame-src 'self' www.youtube.com") {
		t.Errorf("CSP = %q, want frame-src with the allowed host", csp)
	}
	// Without the config key, no iframe is kept, and frames stay 'self'.
	resp, body := do(t, newParityReader(t, nil), "GET", base+"embeds/", "", nil)
	if strings.Contains(string(body), "<iframe") || strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-src") {
		t.Errorf("iframe or frame-src without allowedIframeHosts")
	}
}

// TestBrowserDocsParity reads the lists page in Chromium: nested lists
// indent, code blocks have line numbers and a working copy button, and
// the previous/next links sit under the article. Screenshot:
// test-artifacts/docs-parity-lists-{light,dark}.png.
func TestBrowserDocsParity(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv := newParityReader(t, nil)
	step(t, ctx, "lists page",
		chromedp.EmulateViewport(1440, 900),
		colorScheme("light"),
		chromedp.Navigate(srv.URL+"/docs/default/component/parity-service/lists/"),
		chromedp.WaitVisible(css(".docs-article .highlight .docs-copy")),
		chromedp.WaitVisible(css(".docs-pager-next")),
	)
	depth := get(t, ctx, "list depth", chromedp.Evaluate[int](`document.querySelectorAll(".docs-article ol ol ol li").length`))
	if depth != 2 {
		t.Errorf("third-level items = %d, want 2", depth)
	}
	indent := get(t, ctx, "indent", chromedp.Evaluate[[]float64](`[document.querySelector(".docs-article > ol > li").getBoundingClientRect().left,
		document.querySelector(".docs-article ol ol ol li").getBoundingClientRect().left]`))
	if indent[1]-indent[0] < 40 {
		t.Errorf("third level indented by %.0fpx, want it visibly nested", indent[1]-indent[0])
	}
	lines := get(t, ctx, "line numbers", chromedp.Evaluate[int](`document.querySelectorAll(".docs-article .highlight .lnt").length`))
	if lines == 0 {
		t.Errorf("no line numbers")
	}
	for _, scheme := range []string{"light", "dark"} {
		step(t, ctx, scheme, colorScheme(scheme))
		png := get(t, ctx, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(artifacts(t), "docs-parity-lists-"+scheme+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The copy button hands the code, without its line numbers, to the
	// clipboard (recorded here: headless Chromium has no clipboard to read).
	get(t, ctx, "record copies", chromedp.Evaluate[bool](`navigator.clipboard.writeText = t => { window.copied = t; return Promise.resolve(); }, true`))
	step(t, ctx, "copy", chromedp.Click(css(".docs-article .highlight .docs-copy")))
	label := get(t, ctx, "label", chromedp.Poll[string](`(t => t !== "Copy" && t)(document.querySelector(".docs-copy").textContent)`))
	if copied := get(t, ctx, "copied", chromedp.Evaluate[string](`window.copied`)); label != "Copied" || copied != "make install" {
		t.Errorf("after the click the button says %q and %q was copied, want Copied and the code", label, copied)
	}
	step(t, ctx, "next page", chromedp.Click(css(".docs-pager-next")), chromedp.WaitVisible(css(`.docs-nav a[aria-current="page"][href$="/plain/"]`)))
	if h1 := get(t, ctx, "h1", chromedp.Text(css(".docs-article h1"))); h1 != "No heading" {
		t.Errorf("h1 = %q", h1)
	}
}
