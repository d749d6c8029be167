package argocd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"callboard/integration/argocd"
	"callboard/internal/browsertest"
	"callboard/plugin/plugintest"
)

// TestBrowserArgoCD renders the card and the history tab in headless
// Chromium: the card shows both applications with their statuses, the tab
// its table. Screenshots go to test-artifacts/argocd-*.png.
func TestBrowserArgoCD(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, time.Minute)
	api := newTestArgo(t)
	portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: tokenConfig(api.URL, ""), Catalog: catalog})
	dir := os.Getenv("CALLBOARD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path, wait, want string }{
		{"card", "/catalog/default/component/payment-service", "table.kv .status", "OutOfSync"},
		{"tab", "/catalog/default/component/payment-service/argocd", "table.entities", "automated sync"},
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(portal.URL+p.path),
			chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if !strings.Contains(text, p.want) {
			t.Errorf("%s page says %.500q, want %q", p.name, text, p.want)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", p.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "argocd-"+p.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
