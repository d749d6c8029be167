package web_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"callboard/web"
)

// TestBrowserCatalogColumns: at 1440 and 1920 px the catalog table shows
// every column without scrolling sideways; the column picker hides one and
// the choice survives a reload.
func TestBrowserCatalogColumns(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	dir := artifacts(t)
	for _, width := range []int64{1440, 1920} {
		for _, path := range []string{"/catalog", "/catalog?kind=component"} {
			step(t, ctx, "catalog",
				chromedp.EmulateViewport(width, 900),
				colorScheme("light"),
				chromedp.Navigate(srv.URL+path),
				chromedp.WaitVisible(css("table.entity-list")),
			)
			fit := get(t, ctx, "measure", chromedp.Evaluate[map[string]int](`(() => {
				const wrap = document.querySelector(".table-wrap"), table = wrap.querySelector("table");
				const ths = [...table.querySelectorAll("thead th")];
				const cut = ths.filter(th => th.getBoundingClientRect().right > wrap.getBoundingClientRect().right + 1 || th.offsetWidth === 0).length;
				const out = {wrap: wrap.clientWidth, table: table.scrollWidth, cols: ths.length, cut: cut};
				ths.forEach(th => out["w-" + th.dataset.col] = th.offsetWidth);
				return out;
			})()`))
			if fit["table"] > fit["wrap"] || fit["cut"] != 0 || fit["cols"] < 7 {
				t.Errorf("%s at %d px: table %d px in %d px, %d of %d columns cut off (%v)", path, width, fit["table"], fit["wrap"], fit["cut"], fit["cols"], fit)
			}
		}
		png := get(t, ctx, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, "catalog-"+itoa(width)+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	step(t, ctx, "open the column picker",
		chromedp.Click(css(".colpick > summary")),
		chromedp.WaitVisible(css(".colpick-menu label")),
	)
	get(t, ctx, "untick Tags", chromedp.Evaluate[bool](`(() => { const l = [...document.querySelectorAll(".colpick-menu label")].find(l => l.textContent.trim() === "Tags"); l.querySelector("input").click(); return true })()`))
	step(t, ctx, "Tags hidden, after a reload too",
		chromedp.WaitNotVisible(css(`th[data-col="tags"]`)),
		chromedp.Navigate(srv.URL+"/catalog?kind=component"),
		chromedp.WaitVisible(css("table.entity-list")),
		chromedp.WaitNotVisible(css(`td[data-col="tags"]`)),
	)
	if n := get(t, ctx, "description tooltips", chromedp.Evaluate[int](`document.querySelectorAll("td.desc span[title]").length`)); n == 0 {
		t.Errorf("no description carries its full text as a title")
	}
}
