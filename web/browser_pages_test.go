package web_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"callboard/techdocs/docsync"
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

// pageAudit is what auditJS reports about the page in the tab.
type pageAudit struct {
	H1         int      `json:"h1"`
	Dangling   []string `json:"dangling"`   // aria-describedby ids with no element
	GraphLinks int      `json:"graphLinks"` // node links in relation graphs
	HiddenLink int      `json:"hiddenLink"` // of those, inside role=img or unfocusable
	SmallTaps  []string `json:"smallTaps"`  // controls under 44 px (phone width only)
}

const auditJS = `(() => {
	const out = {h1: document.querySelectorAll("h1").length, dangling: [], graphLinks: 0, hiddenLink: 0, smallTaps: []};
	document.querySelectorAll("[aria-describedby]").forEach(el => {
		el.getAttribute("aria-describedby").split(/\s+/).filter(Boolean).forEach(id => {
			if (!document.getElementById(id)) out.dangling.push((el.id || el.tagName) + " -> " + id);
		});
	});
	document.querySelectorAll("svg.cb-graph a").forEach(a => {
		out.graphLinks++;
		if (a.closest("[role=img]") || a.tabIndex < 0) out.hiddenLink++;
	});
	if (window.innerWidth <= 600) {
		document.querySelectorAll(".btn, .nav a, .tabs a, .fv, .pager .btn, .colpick-menu label, .theme-switch label").forEach(el => {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.height > 0 && (r.height < 44 || r.width < 44)) out.smallTaps.push((el.textContent || el.className).trim().slice(0, 30) + " " + Math.round(r.width) + "x" + Math.round(r.height));
		});
	}
	return out;
})()`

// TestBrowserPagesAccessible walks the demo's pages in Chromium, on a
// desktop and a phone: one h1 each, every aria-describedby resolves,
// graph nodes are focusable links outside any role="img", and on the
// phone every control is at least 44 px each way.
func TestBrowserPagesAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	docs := newReaderServer(t, docsync.BuilderLocal)
	pages := []string{
		"/", "/catalog", "/catalog?kind=component", "/apis", "/search?q=payment", "/settings", "/catalog-import",
		"/docs", "/create", "/create/tasks", "/create/templates/default/lanting-go-service",
		"/catalog/default/component/payment-service", "/catalog/default/component/payment-service/relations",
		"/catalog/default/component/payment-service/relations?depth=2", "/catalog/default/component/payment-service/apis",
		"/catalog/default/api/payment-api", "/catalog/default/api/payment-api/definition",
		"/catalog/default/group/payments-team", "/catalog/default/user/zhang.wei", "/catalog/default/system/platform-system",
		"/catalog/default/domain/lanting", "/catalog/default/template/lanting-go-service",
		"/catalog/default/component/payment-service/unregister", "/no-such-page",
	}
	type visit struct{ base, path string }
	var visits []visit
	for _, p := range pages {
		visits = append(visits, visit{srv.URL, p})
	}
	for _, p := range []string{"/docs/default/component/payment-service", "/docs/default/component/payment-service/runbook/",
		"/catalog/default/component/payment-service/docs"} {
		visits = append(visits, visit{docs.srv.URL, p})
	}
	graphs := 0
	for _, width := range []int64{1440, 390} {
		for _, v := range visits {
			step(t, ctx, "open "+v.path, chromedp.EmulateViewport(width, 900), chromedp.Navigate(v.base+v.path), chromedp.WaitVisible(css("main")))
			a := get(t, ctx, "audit "+v.path, chromedp.Evaluate[pageAudit](auditJS))
			if a.H1 != 1 {
				t.Errorf("%s: %d h1 elements, want 1", v.path, a.H1)
			}
			if len(a.Dangling) > 0 {
				t.Errorf("%s: aria-describedby names missing elements: %v", v.path, a.Dangling)
			}
			if a.HiddenLink > 0 {
				t.Errorf("%s: %d of %d graph node links are unreachable by keyboard or hidden in role=img", v.path, a.HiddenLink, a.GraphLinks)
			}
			if len(a.SmallTaps) > 0 {
				t.Errorf("%s at %d px: tap targets under 44 px: %v", v.path, width, a.SmallTaps)
			}
			graphs += a.GraphLinks
			if width == 390 && (v.path == "/catalog?kind=component" || v.path == "/catalog/default/component/payment-service") {
				png := get(t, ctx, "screenshot", chromedp.FullScreenshot(100))
				name := "phone-catalog.png"
				if v.path != "/catalog?kind=component" {
					name = "phone-entity.png"
				}
				if err := os.WriteFile(filepath.Join(artifacts(t), name), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if graphs == 0 {
		t.Error("no page had a relation graph: the graph checks did not run")
	}
}

// TestBrowserOverviewSettingsFocus: the overview's relation graph reads at
// card size (node names at least 12 px on screen); a toggled filter keeps
// the keyboard focus; Settings switches the theme and keeps the choice.
func TestBrowserOverviewSettingsFocus(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	dir := artifacts(t)
	shot := func(name string) {
		t.Helper()
		png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, width := range []int64{1440, 1920} {
		step(t, ctx, "overview",
			chromedp.EmulateViewport(width, 900),
			colorScheme("light"),
			chromedp.Navigate(srv.URL+"/catalog/default/component/payment-service"),
			chromedp.WaitVisible(css(".graph.small svg")),
		)
		px := get(t, ctx, "graph text size", chromedp.Evaluate[float64](`Math.min(...[...document.querySelectorAll(".graph.small svg .node .name")].map(t => t.getBoundingClientRect().height))`))
		if px < 12 {
			t.Errorf("at %d px the overview graph's node names are %.1f px tall, want at least 12", width, px)
		}
		shot("overview-graph-" + itoa(width))
	}

	step(t, ctx, "toggle a filter with the keyboard",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(srv.URL+"/catalog?kind=component"),
		chromedp.WaitVisible(css(`#filters input[name="lifecycle"][value="production"]`)),
		chromedp.Focus(css(`#filters input[name="lifecycle"][value="production"]`)),
		chromedp.KeyEvent(" "),
		// .on comes from the server: the page has been swapped.
		chromedp.WaitVisible(css(`#filters label.fv.on input[name="lifecycle"][value="production"]`)),
	)
	focused := get(t, ctx, "focused control", chromedp.Evaluate[string](`(() => { const a = document.activeElement; return a ? a.name + "=" + a.value : "" })()`))
	if focused != "lifecycle=production" {
		t.Errorf("after toggling lifecycle=production the focus is on %q", focused)
	}

	step(t, ctx, "settings",
		chromedp.Navigate(srv.URL+"/settings"),
		chromedp.WaitVisible(css(`[data-theme-switch] input[value="dark"]`)),
		chromedp.Click(css(`[data-theme-switch] input[value="dark"]`)),
		chromedp.Navigate(srv.URL+"/settings"),
		chromedp.WaitVisible(css(`[data-theme-switch] input[value="dark"]:checked`)),
	)
	theme := get(t, ctx, "theme", chromedp.Evaluate[string](`document.documentElement.dataset.theme + " " + getComputedStyle(document.body).backgroundColor`))
	if theme != "dark rgb(15, 17, 21)" {
		t.Errorf("after choosing dark: %q, want data-theme dark and the dark background", theme)
	}
	shot("settings-dark")
	step(t, ctx, "back to auto", chromedp.Click(css(`[data-theme-switch] input[value="auto"]`)))
	if theme := get(t, ctx, "theme", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); theme != "rgb(245, 246, 248)" {
		t.Errorf("auto under a light system: background %s", theme)
	}
	shot("settings-light")
}
