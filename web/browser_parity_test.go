package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"callboard/store/storetest"
	"callboard/web"
)

// TestBrowserBackstageURLs opens the URLs Backstage users have bookmarked
// in real Chromium: the catalog's filters[...] form, the API explorer at
// /api-docs, entity tabs by Backstage's names and trailing slashes.
// Screenshots go to test-artifacts/parity-*.png.
func TestBrowserBackstageURLs(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _ := newDemoServer(t, web.Options{Dev: true, Stars: storetest.Open(t)})
	u, dir := srv.URL, artifacts(t)
	shot := func(name string) {
		t.Helper()
		png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, "parity-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string { t.Helper(); return get(t, ctx, "text of "+sel, chromedp.Text(css(sel))) }
	at := func() string { t.Helper(); return get(t, ctx, "location", chromedp.Location()) }

	// The catalog opens on Components, as Backstage's does.
	step(t, ctx, "catalog default", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(u+"/catalog"),
		chromedp.WaitVisible(css(`label.fv.on input[name="kind"][value="Component"]`)))
	if rows := text("table.entities tbody"); !strings.Contains(rows, "payment-service") || strings.Contains(rows, "payment-api") || strings.Contains(rows, "zhang.wei") {
		t.Errorf("default catalog rows = %q, want components only", rows)
	}

	// Unticking Components shows every kind (the form carries kind=all).
	step(t, ctx, "untick components", chromedp.Click(css(`input[name="kind"][value="Component"]`)),
		chromedp.WaitVisible(css(`label.fv:not(.on) input[name="kind"][value="Component"]`)))
	if loc := at(); !strings.Contains(loc, "kind=all") {
		t.Errorf("after unticking Component, URL = %s, want kind=all", loc)
	}
	if h := text("#results-h"); !strings.Contains(h, "of 60") {
		t.Errorf("every kind: %q, want all 60 entities", h)
	}

	// Backstage's query form, with a repeated key and a comma list.
	bs := "/catalog?filters[kind]=component&filters[type]=service&filters[lifecycles]=production,experimental" +
		"&filters[owners]=payments-team&filters[tags]=java&filters[tags]=go&filters[user]=all"
	step(t, ctx, "backstage filters", chromedp.Navigate(u+bs),
		chromedp.WaitVisible(css(`label.fv.on input[name="type"][value="service"]`)),
		chromedp.WaitVisible(css(`label.fv.on input[name="owner"][value="group:default/payments-team"]`)),
		chromedp.WaitVisible(css(`label.fv.on input[name="lifecycle"][value="production"]`)))
	shot("backstage-filters")
	rows := text("table.entities tbody")
	if !strings.Contains(rows, "payment-service") || strings.Contains(rows, "go-kit") || strings.Contains(rows, "checkout-web") {
		t.Errorf("rows for %s = %q, want payments-team's services only", bs, rows)
	}

	// The API explorer.
	step(t, ctx, "api-docs", chromedp.Navigate(u+"/api-docs?filters[kind]=api&filters[type]=openapi"),
		chromedp.WaitVisible(css("table.entities")),
		chromedp.WaitVisible(css(`label.fv.on input[name="type"][value="openapi"]`)))
	shot("api-docs")
	if rows := text("table.entities tbody"); !strings.Contains(rows, "payment-api") || strings.Contains(rows, "payment-events") {
		t.Errorf("/api-docs rows = %q, want OpenAPI APIs only", rows)
	}
	if h := text("main h1"); h != "APIs" {
		t.Errorf("/api-docs h1 = %q", h)
	}

	// Entity tabs by Backstage's names; our older /apis redirects.
	for _, tc := range []struct{ path, tab string }{
		{"/catalog/default/component/payment-service/api", "/api"},
		{"/catalog/default/component/payment-service/apis", "/api"},
		{"/catalog/default/component/payment-service/dependencies", "/dependencies"},
		{"/catalog/default/component/payment-service/", ""},
		{"/catalog/default/component/payment-service/dependencies/", "/dependencies"},
	} {
		step(t, ctx, "tab "+tc.path, chromedp.Navigate(u+tc.path), chromedp.WaitVisible(css(".tabs a[aria-current]")))
		want := "/catalog/default/component/payment-service" + tc.tab
		if loc := at(); !strings.HasSuffix(loc, want) {
			t.Errorf("%s ended at %s, want %s", tc.path, loc, want)
		}
		if href := get(t, ctx, "active tab", chromedp.AttributeValue(css(".tabs a[aria-current]"), "href")); href.Value != want {
			t.Errorf("%s: active tab %s, want %s", tc.path, href.Value, want)
		}
	}
	if deps := text("#tab-panel"); !strings.Contains(deps, "Depends on") {
		t.Errorf("dependencies tab = %q", deps)
	}
	shot("dependencies-tab")

	// Trailing slashes and the scaffolder, import and settings pages.
	for path, wait := range map[string]string{
		"/catalog/":                               "table.entities",
		"/api-docs/?filters[kind]=api":            "table.entities",
		"/create/":                                "main h1",
		"/create/templates/default/go-service/":   "form",
		"/catalog-import/":                        "#target",
		"/settings/":                              "main h1",
		"/create/tasks/":                          "main h1",
		"/catalog/default/user/zhang.wei/":        ".entity-head",
		"/catalog/default/group/payments-team///": ".members",
	} {
		step(t, ctx, path, chromedp.Navigate(u+path), chromedp.WaitVisible(css(wait)))
		loc, _ := url.Parse(at())
		if strings.HasSuffix(loc.Path, "/") || loc.Path != strings.TrimRight(strings.Split(path, "?")[0], "/") {
			t.Errorf("%s ended at %s, want the path without the slash", path, loc.Path)
		}
	}
}

// TestBrowserStarsAndPeople stars an entity in real Chromium (dev mode:
// the dev user's stars), finds it on the home page and under the
// catalog's Starred switch, unstars it, and checks that people show by
// their display names: a text filter of 张伟 or "Zhang Wei" finds
// zhang.wei. Screenshots go to test-artifacts/parity-*.png.
func TestBrowserStarsAndPeople(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _ := newDemoServer(t, web.Options{Dev: true, Stars: storetest.Open(t)})
	u, dir := srv.URL, artifacts(t)
	shot := func(name string) {
		t.Helper()
		png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, "parity-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string { t.Helper(); return get(t, ctx, "text of "+sel, chromedp.Text(css(sel))) }
	entity := "/catalog/default/component/payment-service"

	step(t, ctx, "star", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(u+entity),
		chromedp.WaitVisible(css(`.star-form button[aria-pressed="false"]`)),
		chromedp.Click(css(`.star-form button`)),
		chromedp.WaitVisible(css(`.star-form button[aria-pressed="true"]`)))
	shot("starred-entity")
	step(t, ctx, "star an API too", chromedp.Navigate(u+"/catalog/default/api/payment-api"),
		chromedp.Click(css(`.star-form button`)),
		chromedp.WaitVisible(css(`.star-form button[aria-pressed="true"]`)))

	step(t, ctx, "home", chromedp.Navigate(u+"/"), chromedp.WaitVisible(css(".starred-card .rowlist")))
	shot("home-starred")
	if card := text(".starred-card"); !strings.Contains(card, "payment-service") || !strings.Contains(card, "payment-api") {
		t.Errorf("Starred card = %q", card)
	}

	step(t, ctx, "catalog starred", chromedp.Navigate(u+"/catalog?filters[user]=starred&filters[kind]=component"),
		chromedp.WaitVisible(css(`.userswitch a[data-user-filter="starred"][aria-current]`)))
	shot("catalog-starred")
	if rows := text("table.entities tbody"); !strings.Contains(rows, "payment-service") || strings.Contains(rows, "order-service") {
		t.Errorf("starred components = %q, want payment-service only", rows)
	}
	if sw := text(".userswitch"); !strings.Contains(sw, "Starred 1") {
		t.Errorf("switch = %q, want Starred 1 among the components", sw)
	}
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(u+entity), chromedp.WaitVisible(css(".star-form")))
	shot("starred-entity-phone")
	step(t, ctx, "phone catalog", chromedp.Navigate(u+"/catalog?user=starred"), chromedp.WaitVisible(css(".userswitch")))
	shot("catalog-starred-phone")
	step(t, ctx, "desktop again", chromedp.EmulateViewport(1440, 900))
	step(t, ctx, "apis starred", chromedp.Navigate(u+"/api-docs?user=starred"),
		chromedp.WaitVisible(css(`.userswitch a[data-user-filter="starred"][aria-current]`)))
	if rows := text("table.entities tbody"); !strings.Contains(rows, "payment-api") {
		t.Errorf("starred APIs = %q", rows)
	}
	step(t, ctx, "switch to all", chromedp.Click(css(`.userswitch a[data-user-filter="all"]`)),
		chromedp.WaitVisible(css(`.userswitch a[data-user-filter="all"][aria-current]`)))

	step(t, ctx, "unstar", chromedp.Navigate(u+entity),
		chromedp.Click(css(`.star-form button[aria-pressed="true"]`)),
		chromedp.WaitVisible(css(`.star-form button[aria-pressed="false"]`)))
	step(t, ctx, "home again", chromedp.Navigate(u+"/"), chromedp.WaitVisible(css(".starred-card")))
	if card := text(".starred-card"); strings.Contains(card, "payment-service") || !strings.Contains(card, "payment-api") {
		t.Errorf("after unstarring, Starred card = %q", card)
	}

	// People by display name, found by it.
	for _, q := range []string{"张伟", "Zhang Wei"} {
		step(t, ctx, "filter "+q, chromedp.Navigate(u+"/catalog?kind=all&q="+url.QueryEscape(q)),
			chromedp.WaitVisible(css(`table.entities a[href="/catalog/default/user/zhang.wei"]`)))
		if name := text(`table.entities a[href="/catalog/default/user/zhang.wei"]`); name != "张伟 Zhang Wei" {
			t.Errorf("catalog row of zhang.wei shows %q, want the display name", name)
		}
	}
	shot("people-filter")
	step(t, ctx, "group members", chromedp.Navigate(u+"/catalog/default/group/payments-team"), chromedp.WaitVisible(css(".members")))
	shot("group-members")
	if m := text(".members"); !strings.Contains(m, "张伟 Zhang Wei") || !strings.Contains(m, "zhang.wei") {
		t.Errorf("members = %q, want display names with logins", m)
	}
	step(t, ctx, "user page", chromedp.Navigate(u+"/catalog/default/user/zhang.wei"), chromedp.WaitVisible(css("#own-h")))
	shot("user-owned")
	if h := text(".entity-head h1"); !strings.Contains(h, "张伟 Zhang Wei") || !strings.Contains(h, "zhang.wei") {
		t.Errorf("user h1 = %q", h)
	}
	// zhang.wei owns nothing himself; payments-team's entities count.
	if own := text("#own-h"); strings.HasSuffix(strings.TrimSpace(own), " 0") {
		t.Errorf("Owned entities = %q, want what payments-team owns", own)
	}
}
