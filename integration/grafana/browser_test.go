package grafana_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"callboard/integration/grafana"
	"callboard/internal/browsertest"
	"callboard/plugin/plugintest"
)

// TestBrowserGrafanaCards opens payment-service in headless Chromium with
// the cards filled from the fake Grafana, and order-service while Grafana
// refuses the search; screenshots go to test-artifacts/grafana-*.png.
func TestBrowserGrafanaCards(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := browsertest.New(t, 2*time.Minute)
	g := newTestGrafana(t)
	catalog := component("payment-service", map[string]string{
		"grafana/dashboard-selector":   "service=payment-service",
		"grafana/alert-label-selector": "service=payment-service",
		"grafana/overview-dashboard":   "https://monitoring.example.com/d/pay1/payment-service?kiosk",
	}) + "---\n" + component("order-service", map[string]string{
		"grafana/dashboard-selector":   "service=order-service",
		"grafana/alert-label-selector": "service=order-service",
	})
	portal := plugintest.New(t, grafana.Plugin(), plugintest.Options{Config: proxyConfig(g, "  unifiedAlerting: true\n"), Catalog: catalog})
	dir := filepath.Join("..", "..", "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "grafana-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(portal.URL+"/catalog/default/component/payment-service"),
		chromedp.WaitVisible(chromedp.CSS(`[data-plugin-panel="dashboards"] table`)),
	); err != nil {
		t.Fatalf("payment-service page: %v", err)
	}
	shot("cards")
	dashboards, alerts := text(t, ctx, "dashboards"), text(t, ctx, "alerts")
	if !strings.Contains(dashboards, "Payment SLOs") || !strings.Contains(alerts, "Payment latency high") {
		t.Errorf("cards = %q / %q", dashboards, alerts)
	}

	g.Fail("/api/search", 429)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(portal.URL+"/catalog/default/component/order-service"),
		chromedp.WaitVisible(chromedp.CSS(`[data-plugin-panel="dashboards"][data-unavailable]`)),
	); err != nil {
		t.Fatalf("order-service page: %v", err)
	}
	shot("unavailable")
	dashboards, alerts = text(t, ctx, "dashboards"), text(t, ctx, "alerts")
	if !strings.Contains(dashboards, "Grafana dashboards is unavailable: Grafana is rate-limiting callboard") || !strings.Contains(alerts, "Order backlog") {
		t.Errorf("cards = %q / %q", dashboards, alerts)
	}
}

// text is the text of the plugin panel id.
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-plugin-panel="`+id+`"]`)))
	if err != nil {
		t.Fatalf("text of %s: %v", id, err)
	}
	return s
}
