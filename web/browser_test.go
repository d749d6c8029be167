package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"callboard"
	"callboard/catalog"
	"callboard/demo"
	"callboard/store/storetest"
	"callboard/urlread"
	"callboard/web"
)

// newDemoServer serves the Lanting Pay demo the way `callboard serve` does
// with no config: the embedded tree, every kind allowed, dev mode.
func newDemoServer(t testing.TB, opts web.Options) (*httptest.Server, *catalog.Service) {
	t.Helper()
	cat := catalog.New(storetest.Open(t), catalog.Options{
		Reader:    &catalog.Reader{Embedded: demo.FS(), URLs: &urlread.Reader{Allow: callboard.HostRules("127.0.0.1:1-65535")}},
		Locations: []catalog.StaticLocation{{Type: catalog.TypeEmbedded, Target: "/catalog-info.yaml"}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, opts))
	t.Cleanup(srv.Close)
	return srv, cat
}

// chromium returns the browser's path, skipping the test when there is
// none, except in CI, where a missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; .ci/run installs it (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed; apt-get install -y chromium to run browser tests")
	return ""
}

// newBrowser starts headless Chromium and returns a tab context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
	)
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// artifacts is where screenshots go: test-artifacts/ at the repository
// root (gitignored), or $CALLBOARD_ARTIFACTS.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// step runs actions in the tab, failing the test with where the page was.
func step(t *testing.T, ctx context.Context, name string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v (at %s; page says: %.300s)", name, err, loc, body)
	}
}

// get runs one action that returns a value.
func get[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// colorScheme emulates prefers-color-scheme.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return chromedp.Void{}, err
	}
}

// TestBrowserJourney walks the portal as a user would in real Chromium:
// search from home, filter the catalog, open a service, follow a relation
// in the graph, read an API definition, register and unregister a location.
func TestBrowserJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	u := srv.URL

	step(t, ctx, "home search",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(u+"/"),
		chromedp.WaitVisible(css("#home-q")),
		chromedp.SendKeys(css("#home-q"), "支付"),
		chromedp.WaitVisible(css(`#home-q-list[data-q="支付"] .ta-item`)),
	)
	if text := get(t, ctx, "suggestions", chromedp.Text(css("#home-q-list"))); !strings.Contains(text, "payment-service") {
		t.Errorf("type-ahead for 支付 = %q, want payment-service among the suggestions", text)
	}
	step(t, ctx, "type-ahead keyboard",
		chromedp.SendKeys(css("#home-q"), kb.ArrowDown),
		chromedp.WaitVisible(css(`#home-q-list [aria-selected="true"]`)),
		chromedp.SendKeys(css("#home-q"), kb.Enter),
		chromedp.WaitVisible(css(".entity-head")),
	)

	step(t, ctx, "catalog filter",
		chromedp.Navigate(u+"/catalog"),
		chromedp.WaitVisible(css("table.entities")),
		// The catalog opens on Components, as Backstage's does.
		chromedp.WaitVisible(css(`label.fv.on input[name="kind"][value="Component"]`)),
		chromedp.Click(css(`input[name="type"][value="service"]`)),
		// The server marks selected values; wait for its answer, not the tick.
		chromedp.WaitVisible(css(`label.fv.on input[name="type"][value="service"]`)),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.Contains(strings.ToLower(loc), "kind=component") || !strings.Contains(loc, "type=service") {
		t.Errorf("after filtering, URL = %s, want kind and type in the query", loc)
	}
	if text := get(t, ctx, "table", chromedp.Text(css("table.entities tbody"))); !strings.Contains(text, "payment-service") || strings.Contains(text, "go-kit") {
		t.Errorf("filtered table = %q, want services only (payment-service, not the go-kit library)", text)
	}

	step(t, ctx, "open payment-service",
		chromedp.Click(css(`table.entities a[href="/catalog/default/component/payment-service"]`)),
		chromedp.WaitVisible(css(".entity-head h1")),
	)
	if text := get(t, ctx, "title", chromedp.Text(css(".entity-head h1"))); !strings.Contains(text, "支付服务") {
		t.Errorf("entity title = %q, want 支付服务", text)
	}

	node := `.graph svg a[href="/catalog/default/component/order-service"]`
	step(t, ctx, "relations tab",
		chromedp.Click(css(`.tabs a[href$="/relations"]`)),
		chromedp.WaitVisible(css(`.tabs a[href$="/relations"][aria-current]`)),
		chromedp.WaitVisible(css(node)),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/catalog/default/component/payment-service/relations") {
		t.Errorf("relations tab URL = %s", loc)
	}
	step(t, ctx, "follow the graph",
		chromedp.Click(css(node)),
		chromedp.WaitVisible(css(`.entity-head .h1-name`)),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/catalog/default/component/order-service") {
		t.Errorf("after clicking the order-service node, URL = %s", loc)
	}

	step(t, ctx, "API definition",
		chromedp.Navigate(u+"/catalog/default/api/payment-api"),
		chromedp.Click(css(`.tabs a[href$="/definition"]`)),
		chromedp.WaitVisible(css(`.tabs a[href$="/definition"][aria-current]`)),
	)
	if text := get(t, ctx, "definition", chromedp.Text(css("#tab-panel"))); !strings.Contains(text, "/payments") {
		t.Errorf("definition tab = %.200q, want the API's paths", text)
	}

	file := filepath.Join(t.TempDir(), "catalog-info.yaml")
	desc := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: fresh-service\n  description: Registered from the browser test\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:payments-team\n"
	if err := os.WriteFile(file, []byte(desc), 0o644); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "register: analyze",
		chromedp.Navigate(u+"/catalog-import"),
		chromedp.SendKeys(css("#target"), serveFile(t, file)),
		chromedp.Submit(css("#target")),
		chromedp.WaitVisible(css("form.confirm")),
	)
	if text := get(t, ctx, "preview", chromedp.Text(css("main"))); !strings.Contains(text, "fresh-service") {
		t.Errorf("preview = %.300q, want fresh-service", text)
	}
	step(t, ctx, "register: confirm",
		chromedp.Click(css("form.confirm button")),
		chromedp.WaitVisible(css(".notice")),
	)
	loc := get(t, ctx, "location", chromedp.Location())
	if text := get(t, ctx, "entity", chromedp.Text(css("main"))); !strings.Contains(loc, "/catalog/default/component/fresh-service") || !strings.Contains(text, "Registered") {
		t.Errorf("after import, at %s with %.200q; want fresh-service's page with a notice", loc, text)
	}
	step(t, ctx, "unregister",
		chromedp.Navigate(u+"/catalog/default/component/fresh-service/unregister"),
		chromedp.Click(css("form.confirm button.danger")),
		chromedp.WaitVisible(css(".notice")),
	)
	if text := get(t, ctx, "after unregister", chromedp.Text(css("main"))); !strings.Contains(text, "unregistered") || strings.Contains(text, "fresh-service") {
		t.Errorf("after unregistering: %.300q", text)
	}
}

// TestBrowserScreenshots saves every main page in light and dark, at
// desktop and phone width, to test-artifacts/ for people to look at.
func TestBrowserScreenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	dir := artifacts(t)
	pages := []shotPage{
		{"home", "/", ".hero"},
		{"search", "/search?q=pay", ".rowlist"},
		{"catalog", "/catalog?kind=component", "table.entities"},
		{"apis", "/api-docs", "table.entities"},
		{"entity", "/catalog/default/component/payment-service", ".graph svg"},
		{"relations", "/catalog/default/component/payment-service/relations?depth=2", ".graph svg"},
		{"apis-tab", "/catalog/default/component/payment-service/api", ".rowlist"},
		{"definition", "/catalog/default/api/payment-api/definition", "#tab-panel"},
		{"group", "/catalog/default/group/payments-team", ".members"},
		{"user", "/catalog/default/user/chen.jing", ".entity-head"},
		{"register", "/catalog-import", "#target"},
		{"error", "/catalog/default/component/nope", ".errorpage"},
	}
	shootPages(t, ctx, srv.URL, dir, "", pages)
}

// shotPage is a page to screenshot: its name, path and an element to wait for.
type shotPage struct{ name, path, wait string }

// shootPages saves each page in light and dark, at desktop and phone width,
// as dir/<prefix><name>-<scheme>-<size>.png.
func shootPages(t *testing.T, ctx context.Context, base, dir, prefix string, pages []shotPage) {
	t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		for _, size := range []struct {
			name string
			w, h int64
		}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
			for _, p := range pages {
				step(t, ctx, p.name+" "+scheme+" "+size.name,
					chromedp.EmulateViewport(size.w, size.h),
					colorScheme(scheme),
					chromedp.Navigate(base+p.path),
					chromedp.WaitVisible(css(p.wait)),
				)
				png := get(t, ctx, "screenshot", chromedp.FullScreenshot(100))
				name := filepath.Join(dir, prefix+p.name+"-"+scheme+"-"+size.name+".png")
				if err := os.WriteFile(name, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
