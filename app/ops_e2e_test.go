package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"callboard/internal/argocdfake"
	"callboard/internal/browsertest"
	"callboard/internal/grafanafake"
	"callboard/internal/pagerdutyfake"
	"callboard/internal/promtest"
)

// The credentials of the operations plugins in TestServeOpsDemo, given to
// serve through the environment as a deployment would.
const (
	opsGrafanaToken = "glsa_ops-e2e-grafana-token"
	opsPromToken    = "prom-ops-e2e-token"
)

// TestServeOpsDemo runs serve on the demo catalog with the four operations
// plugins (Argo CD, Grafana, PagerDuty, the SLO card) enabled against their
// fakes and a real Prometheus: payment-service's page shows every card
// with data, in light, dark and phone widths; a PagerDuty that fails and a
// Grafana that hangs show "... is unavailable: ..." in their own panels
// while the other cards render; and no configured token reaches a page, an
// API answer or serve's log.
func TestServeOpsDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test with a real Prometheus")
	}
	prom := promtest.Start(t, promtest.Service{Name: "payment-service", PerStep: 1000,
		Phases: []promtest.Phase{{ErrorRatio: 0.0003}, {Since: 5 * 24 * time.Hour, ErrorRatio: 0.0015}}})
	argo := argocdfake.NewServer(t)
	argo.Add(argocdfake.Sample("payment-service-prod", "https://github.com/lanting-pay/payment-service.git", nil, time.Now()))
	graf := grafanafake.New(t, opsGrafanaToken)
	graf.SetDashboards(
		grafanafake.Dashboard{UID: "pay1", Title: "Payment service overview", Tags: []string{"service=payment-service"}, FolderUID: "f1", FolderTitle: "Payments"},
		grafanafake.Dashboard{UID: "ord1", Title: "Order service", Tags: []string{"service=order-service"}},
	)
	graf.SetRules(
		grafanafake.Rule{UID: "r1", Name: "Payment latency high", State: "firing", Health: "ok", Labels: map[string]string{"service": "payment-service"}, Folder: "Payments", Group: "latency"},
		grafanafake.Rule{UID: "r2", Name: "Order backlog", State: "pending", Health: "ok", Labels: map[string]string{"service": "order-service"}, Folder: "Orders", Group: "queue"},
	)
	pd := pagerdutyfake.NewServer(t)
	pd.CopyService("PSVC001", "PLT7Q2M") // the demo's service ID

	dir := t.TempDir()
	// Argo CD and the SLO card keep the default cache (30s); Grafana and
	// PagerDuty turn it off so that their failures below show at once.
	config := fmt.Sprintf(`backend:
  database: {client: better-sqlite3, connection: %s}
  auth:
    externalAccess: [{type: static, options: {token: %s, subject: plugin-test}}]
plugins:
  timeout: 5s
argocd:
  baseUrl: %s
  token: ${ARGOCD_TOKEN}
grafana:
  domain: %s
  token: ${GRAFANA_TOKEN}
  unifiedAlerting: true
  cacheTtl: 0s
pagerDuty:
  apiBaseUrl: %s
  eventsBaseUrl: %s/v2
  apiToken: ${PAGERDUTY_TOKEN}
  cacheTtl: 0s
prometheus:
  instances:
    - name: main
      url: %s
      headers:
        Authorization: Bearer ${PROMETHEUS_TOKEN}
`, filepath.Join(dir, "cb.sqlite"), pluginTestToken, argo.URL, graf.URL, pd.URL, pd.URL, prom.URL)
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ARGOCD_TOKEN": argocdfake.Token, "GRAFANA_TOKEN": opsGrafanaToken,
		"PAGERDUTY_TOKEN": pagerdutyfake.Token, "PROMETHEUS_TOKEN": opsPromToken}
	secrets := []string{argocdfake.Token, opsGrafanaToken, pagerdutyfake.Token, opsPromToken}

	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"serve", "--demo", "--config", filepath.Join(dir, "app-config.yaml"), "--port", "0"},
			func(k string) string { return env[k] }, &stdout, &stderr, nil)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	base := ""
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		return base != ""
	}, &stderr)
	waitFor(t, "catalog ready", func() bool { return strings.Contains(stdout.String(), "catalog ready") }, &stderr)

	page := "/catalog/default/component/payment-service"
	var answers []string // every page and API answer, checked for secrets at the end
	get := func(path string) (int, string) {
		t.Helper()
		status, body := getURL(t, base+path)
		answers = append(answers, path+"\n"+body)
		return status, body
	}

	// (a) Every card, with its system's data.
	status, body := get(page)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d", page, status)
	}
	cards := []struct{ panel, want string }{
		{"argocd", "payment-service-prod"},
		{"argocd", "Synced"},
		{"dashboards", "Payment service overview"},
		{"alerts", "Payment latency high"},
		{"pagerduty", "Jane Doe"},
		{"pagerduty", "Checkout latency above 2s"},
		{"pagerduty", "Trigger incident"},
		{"slo", "budget-bar"},
		{"slo", "polyline"},
	}
	for _, c := range cards {
		if !strings.Contains(body, `data-plugin-panel="`+c.panel+`"`) || !strings.Contains(body, c.want) {
			t.Errorf("the page lacks the %s card with %q", c.panel, c.want)
		}
	}
	if strings.Contains(body, "is unavailable") || strings.Contains(body, "Order service") || strings.Contains(body, "Order backlog") {
		t.Errorf("with every system up the page shows a failure or another service's data:\n%s", mustPanels(body))
	}
	apis := []struct{ path, want string }{
		{"/api/argocd/applications/component/default/payment-service", `"sync":"Synced"`},
		{"/api/grafana/dashboards/component/default/payment-service", "Payment service overview"},
		{"/api/slo/default/component/payment-service", `"status":`},
		{"/api/catalog/entities/by-name/component/default/payment-service", "pagerduty.com/service-id"},
		{page + "/argocd", "automated sync"},
	}
	for _, a := range apis {
		if status, body := get(a.path); status != http.StatusOK || !strings.Contains(body, a.want) {
			t.Errorf("GET %s = %d, want 200 with %q:\n%.1500s", a.path, status, a.want, body)
		}
	}

	// (b) Screenshots of the whole page, light and dark on a laptop and on
	// a phone; the page must not be wider than the phone.
	browser := browsertest.New(t, 10*time.Minute)
	artifacts := os.Getenv("CALLBOARD_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join("..", "test-artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shots := []struct {
		name, scheme  string
		width, height int64
	}{
		{"light", "light", 1440, 900},
		{"dark", "dark", 1440, 900},
		{"phone", "light", 390, 844},
	}
	for _, s := range shots {
		shootOps(t, browser, base+page, artifacts, "ops-payment-service-"+s.name, s.scheme, s.width, s.height)
	}

	// (c) PagerDuty fails and Grafana hangs past plugins.timeout: their
	// panels say so, Argo CD and the SLO card still render.
	pd.Fail(http.StatusInternalServerError)
	graf.Delay(time.Minute)
	_, body = get(page)
	for _, want := range []string{
		"On call now is unavailable: ", "Open incidents is unavailable: ", // PagerDuty's own sections
		"Grafana dashboards is unavailable: ", "Grafana alerts is unavailable: ",
		"payment-service-prod", "budget-bar",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("with PagerDuty failing and Grafana hanging the page lacks %q:\n%s", want, mustPanels(body))
		}
	}
	if strings.Contains(body, "Jane Doe") || strings.Contains(body, "Payment service overview") {
		t.Errorf("the failing systems' data still shows with their cache off:\n%s", mustPanels(body))
	}
	shootOps(t, browser, base+page, artifacts, "ops-payment-service-degraded", "light", 1440, 900)
	graf.Delay(0)

	// (d) No token anywhere: pages, API answers, serve's log (read after
	// serve has stopped, so every line is in).
	stop()
	logs := stdout.String() + stderr.String()
	for _, secret := range secrets {
		for _, a := range answers {
			if strings.Contains(a, secret) {
				path, _, _ := strings.Cut(a, "\n")
				t.Errorf("GET %s holds the token %q", path, secret)
			}
		}
		if strings.Contains(logs, secret) {
			t.Errorf("serve's log holds the token %q", secret)
		}
	}
}

// mustPanels is the page's plugin panels, for failure messages.
func mustPanels(body string) string {
	var out []string
	for _, m := range regexp.MustCompile(`(?s)data-plugin-panel="[^"]*".{0,600}`).FindAllString(body, -1) {
		out = append(out, m)
	}
	return strings.Join(out, "\n---\n")
}

// shootOps opens url at width x height in scheme, waits for the plugin
// panels, checks nothing is wider than the viewport, and saves a full-page
// screenshot as <dir>/<name>.png.
func shootOps(t *testing.T, ctx context.Context, url, dir, name, scheme string, width, height int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	mobile := width < 600
	viewport := chromedp.EmulateViewport(width, height)
	if mobile {
		viewport = chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(ctx, viewport, opsColorScheme(scheme), chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`[data-plugin-panel="slo"]`))); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if wide > width {
		t.Errorf("%s: the page is %d px wide in a %d px viewport", name, wide, width)
	}
	// A plugin table whose header cells are hidden while its data cells
	// show (a phone rule meant for the catalog list) misaligns its columns.
	misaligned, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('[data-plugin-panel] table')].filter(t => {
		const shown = el => getComputedStyle(el).display !== 'none';
		const head = [...t.querySelectorAll('thead th')].filter(shown).length;
		return t.tHead && [...t.querySelectorAll('tbody tr')].some(r => [...r.children].filter(shown).length !== head);
	}).length`))
	if err != nil {
		t.Fatal(err)
	}
	if misaligned != 0 {
		t.Errorf("%s: %d plugin tables show fewer header cells than data cells", name, misaligned)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// opsColorScheme emulates prefers-color-scheme.
func opsColorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return chromedp.Void{}, err
	}
}

// TestReadmeOpsExamplesServe loads the YAML examples of the README's
// Operations plugins section, together, as serve's config with the demo:
// they parse, each enables its plugin, and payment-service's page has
// every card (unavailable here: the example hosts do not answer).
func TestReadmeOpsExamplesServe(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Operations plugins\n")
	section, _, _ = strings.Cut(section, "\n## ")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(section, -1)
	if len(blocks) != 4 {
		t.Fatalf("the section has %d YAML examples, want 4 (one per plugin)", len(blocks))
	}
	dir := t.TempDir()
	config := fmt.Sprintf("backend:\n  database: {client: better-sqlite3, connection: %s}\n  auth:\n    externalAccess: [{type: static, options: {token: %s, subject: plugin-test}}]\nplugins: {timeout: 1s}\n",
		filepath.Join(dir, "cb.sqlite"), pluginTestToken)
	for _, b := range blocks {
		config += b[1]
	}
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"serve", "--demo", "--config", filepath.Join(dir, "app-config.yaml"), "--port", "0"},
			func(k string) string {
				if strings.HasSuffix(k, "_TOKEN") || strings.HasSuffix(k, "_USERNAME") || strings.HasSuffix(k, "_PASSWORD") {
					return "example-secret"
				}
				return ""
			}, &stdout, &stderr, nil)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := ""
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	for base == "" {
		select {
		case err := <-done:
			done <- err // for the deferred check
			t.Fatalf("serve stopped on the README's examples: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	waitFor(t, "catalog ready", func() bool { return strings.Contains(stdout.String(), "catalog ready") }, &stderr)
	_, body := getURL(t, base+"/catalog/default/component/payment-service")
	for _, panel := range []string{"argocd", "dashboards", "alerts", "pagerduty", "slo"} {
		if !strings.Contains(body, `data-plugin-panel="`+panel+`"`) {
			t.Errorf("the page has no %s card with the README's examples", panel)
		}
	}
}
